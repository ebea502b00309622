"""Plugins built on pytest-bdd's hooks work for the plugin's scenarios as they do under pytest-bdd:
allure-pytest-bdd, pytest-bdd's --cucumberjson and --gherkin-terminal-reporter, a conftest hook."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_files

FEATURE = """\
Feature: Basket
  Scenario: passes
    Given an empty basket
    When I add 2 apples
    Then the basket holds 2 apples

  Scenario: fails
    Given an empty basket
    When I add 2 apples
    Then the basket holds 3 apples

  Scenario Outline: outline
    Given an empty basket
    When I add <n> apples
    Then the basket holds <n> apples

    Examples:
      | n |
      | 1 |
      | 5 |

  Scenario: undefined
    Given an empty basket
    When I juggle
"""

STEPS = """\
from pytest_bdd import given, when, then, parsers

@given("an empty basket", target_fixture="basket")
def _():
    return []

@when(parsers.parse("I add {n:d} apples"))
def _(basket, n):
    basket.extend(["apple"] * n)

@then(parsers.parse("the basket holds {n:d} apples"))
def _(basket, n):
    assert len(basket) == n
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_files(
        pytester.path,
        {
            "features/basket.feature": FEATURE,
            "conftest.py": STEPS,
            "pyproject.toml": '[tool.pytest.ini_options]\nchecklist_features = "features"\n',
            "test_bdd.py": 'from pytest_bdd import scenarios\n\nscenarios("features")\n',
        },
    )
    return pytester


def ours(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "features", *args)


def theirs(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:living_checklist", "test_bdd.py", *args)


def allure_results(folder: Path) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Result name -> [(status, [(step, status)])], one entry per result file."""
    out: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for path in folder.glob("*-result.json"):
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        steps = [(step["name"], step["status"]) for step in data.get("steps", [])]
        out.setdefault(data["name"], []).append((data["status"], steps))
    return {name: sorted(results) for name, results in out.items()}


def test_allure_writes_one_result_per_scenario_with_step_statuses(project: pytest.Pytester) -> None:
    pytest.importorskip("allure_pytest_bdd", reason="allure-pytest-bdd is in the test extra")
    ours(project, "--alluredir", "allure-ours").assert_outcomes(passed=3, failed=1, xfailed=1)
    theirs(project, "--alluredir", "allure-theirs").assert_outcomes(passed=3, failed=2)
    mine = allure_results(project.path / "allure-ours")
    reference = allure_results(project.path / "allure-theirs")
    assert sum(len(results) for results in mine.values()) == 5, mine
    passes = [("Given an empty basket", "passed"), ("When I add 2 apples", "passed")]
    assert mine["passes"] == [("passed", [*passes, ("Then the basket holds 2 apples", "passed")])]
    assert mine["fails"] == [("failed", [*passes, ("Then the basket holds 3 apples", "failed")])]
    # One result per outline row, with that row's steps and statuses (the same as pytest-bdd's).
    for name in ("passes", "fails", "outline"):
        assert mine[name] == reference[name]
    # Deliberate difference: an undefined step makes the case pending (allure: skipped), not broken.
    [(status, steps)] = mine["undefined"]
    assert status == "skipped"
    assert ("When I juggle", "broken") in steps
    assert reference["undefined"][0][0] == "broken"


def allure_data(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*-result.json"))]


def test_allure_gives_outline_rows_their_parameters_and_history_ids_as_under_pytest_bdd(
    project: pytest.Pytester,
) -> None:
    """Each row carries pytest-bdd's parametrization (``item.callspec``), which allure-pytest-bdd
    reads: the row's parameters and a history id of its own, the same as pytest-bdd's."""
    pytest.importorskip("allure_pytest_bdd", reason="allure-pytest-bdd is in the test extra")
    ours(project, "--alluredir", "allure-ours")
    theirs(project, "--alluredir", "allure-theirs")

    def rows(folder: str) -> list[tuple[str, list[dict[str, Any]], str, str]]:
        found = allure_data(project.path / folder)
        chosen = [(r["name"], r["parameters"], r["historyId"], r["status"]) for r in found if r["name"] == "outline"]
        return sorted(chosen, key=json.dumps)

    mine = rows("allure-ours")
    assert [(name, params, status) for name, params, _, status in mine] == [
        ("outline", [{"name": "n", "value": "1"}], "passed"),
        ("outline", [{"name": "n", "value": "5"}], "passed"),
    ]
    assert len({history for _, _, history, _ in mine}) == 2
    assert mine == rows("allure-theirs")
    # A scenario that is no outline row has no parameters, as under pytest-bdd.
    assert all(not r.get("parameters") for r in allure_data(project.path / "allure-ours") if r["name"] != "outline")


PENDING_FEATURE = """\
Feature: Pending work
  Scenario: undefined
    Given an empty basket
    When I juggle

  Scenario: to be decided
    Given an empty basket
    When I add TBD apples

  Scenario: raises pending
    Given an empty basket
    Then it is not written yet

  @pending
  Scenario: tagged and failing
    Given an empty basket
    Then the basket holds 3 apples
"""

PENDING_STEPS = (
    STEPS
    + """
import living_checklist

@then("it is not written yet")
def _():
    raise living_checklist.Pending("waiting for the spec")
"""
)


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_allure_shows_a_pending_case_skipped_with_its_reason(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    """The reason is the checklist's (``pending (<reason>): ...``), where allure-pytest-bdd reads it."""
    pytest.importorskip("allure_pytest_bdd", reason="allure-pytest-bdd is in the test extra")
    write_files(
        pytester.path,
        {
            "features/pending.feature": PENDING_FEATURE,
            "conftest.py": PENDING_STEPS,
            "pyproject.toml": '[tool.pytest.ini_options]\nchecklist_features = "features"\n',
        },
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--alluredir", "allure", "--checklist-json=c.json", *args)
    result.assert_outcomes(xfailed=4)
    found = {r["name"]: r for r in allure_data(pytester.path / "allure")}
    assert {name: r["status"] for name, r in found.items()} == dict.fromkeys(
        ("undefined", "to be decided", "raises pending", "tagged and failing"), "skipped"
    )
    messages = {name: r["statusDetails"]["message"] for name, r in found.items()}
    assert "pending (undefined): undefined step: When I juggle" in messages["undefined"]
    assert "pending (tbd): TBD at line 8" in messages["to be decided"]
    assert "pending (placeholder): waiting for the spec" in messages["raises pending"]
    tagged = messages["tagged and failing"]
    assert tagged.startswith("XFAIL pending (tagged): tagged @pending and fails: assert 0 == 3"), tagged
    assert "AssertionError" in tagged and found["tagged and failing"]["statusDetails"]["trace"]
    # The checklist itself says what it said before allure was told.
    report = json.loads((pytester.path / "c.json").read_text(encoding="utf-8"))
    reasons = {r["name"]: (r["status"], r["reason"], r["message"].splitlines()[0]) for r in report["requirements"]}
    assert reasons["tagged and failing"][:2] == ("pending", "tagged")
    assert reasons["tagged and failing"][2].startswith("tagged @pending and fails: assert 0 == 3")
    assert reasons["raises pending"][:2] == ("pending", "placeholder")
    assert reasons["undefined"][:2] == ("pending", "undefined")


def test_cucumberjson_lists_our_scenarios(project: pytest.Pytester) -> None:
    ours(project, "--cucumberjson", "ours.json")
    theirs(project, "--cucumberjson", "theirs.json")
    mine = json.loads((project.path / "ours.json").read_text(encoding="utf-8"))
    reference = json.loads((project.path / "theirs.json").read_text(encoding="utf-8"))

    def elements(report: list[dict[str, Any]]) -> list[tuple[str, int, list[tuple[str, str, str]]]]:
        return sorted(
            (e["name"], e["line"], [(s["keyword"], s["name"], s["result"]["status"]) for s in e["steps"]])
            for feature in report
            for e in feature["elements"]
        )

    assert [f["uri"] for f in mine] == ["features/basket.feature"]
    # Every case, the undefined one with the step that ran before its undefined step, as pytest-bdd.
    assert len(elements(mine)) == 5
    assert elements(mine) == elements(reference)


def test_gherkin_terminal_reporter_shows_our_scenarios(project: pytest.Pytester) -> None:
    result = ours(project, "-v", "--gherkin-terminal-reporter")
    result.stdout.fnmatch_lines(
        [
            "Feature: Basket",
            "    Scenario: passes PASSED",
            "Feature: Basket",
            "    Scenario: fails FAILED",
        ]
    )
    result.stdout.fnmatch_lines(["    Scenario: undefined XFAIL"])


def test_conftest_step_error_hook_fires_with_the_failing_step(project: pytest.Pytester) -> None:
    conftest = project.path / "conftest.py"
    conftest.write_text(
        STEPS
        + textwrap.dedent(
            """
            def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
                print(f"SCREENSHOT {request.node.name} {feature.name}/{scenario.name}: {step.keyword} {step.name} "
                      f"args={sorted(step_func_args)} {type(exception).__name__}")
            """
        ),
        encoding="utf-8",
    )
    result = ours(project, "-s")
    result.assert_outcomes(passed=3, failed=1, xfailed=1)
    output = result.stdout.str()
    assert "SCREENSHOT L7 Basket/fails: Then the basket holds 3 apples args=['basket', 'n'] AssertionError" in output
    assert output.count("SCREENSHOT") == 1
