"""The plugin end to end: pytest runs over feature files written into a temporary project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from living_checklist.run.settings import INI_ID_PATTERN, INI_REQUIRE_IDS
from tests.helpers import SCHEMA, run_with_report, write_files

NEW_REASONS = {"inconclusive": 0, "suspect": 0, "expired": 0}  # pending reasons this project has none of

STEPS = """
import os

import pytest
from pytest_bdd import given, parsers, step, then, when

import living_checklist as checklist


@pytest.fixture
def basket():
    return []


@given(parsers.parse("I have {n:d} apples"), target_fixture="count")
def have_apples(n):
    assert isinstance(n, int), type(n)
    return n


@given(parsers.parse("I have {n} pears"), converters={"n": int}, target_fixture="count")
def have_pears(n):
    assert isinstance(n, int), type(n)
    return n


@when("I eat one")
def eat_one(count, basket):
    basket.append(count - 1)


@then(parsers.parse("I have {m:d} left"))
def have_left(basket, m):
    assert basket == [m], basket


@given("a passing step")
def passing():
    pass


@then("it works")
def works():
    pass


@then("it fails")
def fails():
    assert 1 == 2, "one is not two"


@then("a placeholder")
def placeholder():
    checklist.pending("the required number is not known yet")


@then("it needs a GPU")
def needs_gpu():
    pytest.skip("no GPU on this machine")


@then(parsers.parse("the value is {text}"))
def value_is(text):
    checklist.parse_value(text, "the value")


@then("the machine has enough cores")
def enough_cores(request):
    checklist.check(request.node, "cpu_cores", 2.0, "CPU cores", 8.0, ">=")


@then("the door is ambiguous")
def door_exact():
    pass


@then(parsers.parse("the door is {state}"))
def door_pattern(state):
    pass


@given("a datatable")
def a_datatable(datatable):
    assert datatable == [["a", "b"], ["1", "2"]], datatable


@given("a docstring")
def a_docstring(docstring):
    assert docstring == "line1\\nline2", repr(docstring)


@then(parsers.parse("the closer {what} runs"))
def closer_in_root(what):
    raise AssertionError("the root definition ran; the closer conftest.py should win")


@given("one step for two types")
def two_types_given():
    pass


@then("one step for two types")
def two_types_then():
    raise AssertionError("`*` after Given is a Given step in pytest-bdd")


@given("une chose existe")
def une_chose():
    pass


@then("the worker dies")
def worker_dies():
    os._exit(1)
"""

STATUSES_FEATURE = """\
Feature: Statuses
  @REQ-1
  Scenario: verified
    Given a passing step
    Then it works

  @REQ-2
  Scenario: failing
    Given a passing step
    Then it fails

  @REQ-3
  Scenario: undefined
    Given a step nobody wrote

  @REQ-4
  Scenario: placeholder
    Given a passing step
    Then a placeholder

  @REQ-5
  Scenario: tbd
    Then the value is TBD

  @REQ-6 @pending
  Scenario: tagged
    Given a step nobody wrote yet

  @REQ-7
  Scenario Outline: empty outline
    Given a passing step

    Examples:
      | n |

  @REQ-8
  Scenario: skipped
    Given a passing step
    Then it needs a GPU

  @REQ-9
  Scenario: ambiguous
    Given a passing step
    Then the door is ambiguous

  @REQ-10
  Scenario: invalid value
    Then the value is lots

  @REQ-11
  Scenario: measured
    Then the machine has enough cores
"""

MORE_FEATURE = """\
Feature: More
  @REQ-12
  Scenario: another file still runs
    Given a passing step
"""

BROKEN_FEATURE = """\
Feature: Broken
  Scenario: x
    Given a passing step
  Examples oops
  Scenario: y
    Given a passing step
  Blah blah
"""

LATIN1_FEATURE = "Feature: Latin-1\n  Scenario: café\n    Given un caf".encode() + b"\xe9\n"

MAIN: dict[str, str | bytes] = {
    "features/statuses.feature": STATUSES_FEATURE,
    "features/more.feature": MORE_FEATURE,
    "features/broken.feature": BROKEN_FEATURE,
    "features/latin1.feature": LATIN1_FEATURE,
}


def project(pytester: pytest.Pytester, features: dict[str, str | bytes], *, steps: str = STEPS, ini: str = "") -> None:
    pytester.makeini(
        f"[pytest]\nchecklist_features = features\ntestpaths = features\nfilterwarnings =\n    error\n{ini}"
    )
    pytester.makeconftest(steps)
    write_files(pytester.path, features)


run = run_with_report


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {req["id"]: req for req in data["requirements"]}


def statuses(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {req["id"]: (req["status"], req["reason"]) for req in data["requirements"]}


# ---------------------------------------------------------------------------------------------
# Every status, its exit code and its report


def test_every_status_serial(pytester: pytest.Pytester) -> None:
    project(pytester, MAIN)
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # pending is xfail; error and failing are failures; one error item per unusable file.
    result.assert_outcomes(passed=2, failed=6, skipped=1, xfailed=5)
    assert statuses(data) == {
        "REQ-1": ("verified", ""),
        "REQ-2": ("failing", ""),
        "REQ-3": ("pending", "undefined"),
        "REQ-4": ("pending", "placeholder"),
        "REQ-5": ("pending", "tbd"),
        "REQ-6": ("pending", "tagged"),
        "REQ-7": ("pending", "empty"),
        "REQ-8": ("skipped", "skipped"),
        "REQ-9": ("error", "ambiguous"),
        "REQ-10": ("error", "step"),
        "REQ-11": ("failing", ""),
        "REQ-12": ("verified", ""),
    }
    assert data["complete"] is True
    assert data["totals"] == {
        "requirements": 12,
        "cases": 11,
        "defined": 5,
        "verified": 2,
        "failing": 2,
        "pending": 5,
        "skipped": 1,
        "error": 2,
        "pending_by_reason": {"undefined": 1, "placeholder": 1, "tbd": 1, "tagged": 1, "empty": 1, **NEW_REASONS},
        "not_run": 0,
    }
    reqs = by_id(data)
    assert reqs["REQ-1"]["feature"] == "features/statuses.feature"
    assert reqs["REQ-1"]["line"] == 3
    assert reqs["REQ-1"]["area"] == "statuses"
    assert reqs["REQ-1"]["cases"][0]["nodeid"] == "features/statuses.feature::REQ-1"
    assert reqs["REQ-7"]["cases"] == []
    assert "one is not two" in reqs["REQ-2"]["message"]
    assert "Given a step nobody wrote" in reqs["REQ-3"]["message"]
    # The snippet to paste is stored once, in the report's table, and the case points at it.
    (snippet_id,) = reqs["REQ-3"]["cases"][0]["snippets"]
    code = {s["id"]: s["code"] for s in data["snippets"]}[snippet_id]
    assert code.startswith("@given('a step nobody wrote')\ndef _():")
    assert "the required number is not known yet" in reqs["REQ-4"]["message"]
    assert reqs["REQ-8"]["message"] == "no GPU on this machine"
    assert "features/statuses.feature:44:5" in reqs["REQ-9"]["message"]  # where the ambiguous step is
    assert "conftest.py" in reqs["REQ-9"]["message"]  # and both definitions
    assert reqs["REQ-10"]["message"].startswith("features/statuses.feature:48:5: ")
    assert "lots" in reqs["REQ-10"]["message"]
    measured = reqs["REQ-11"]["cases"][0]
    assert measured["measurements"] == [
        {"name": "cpu_cores", "value": 2.0, "unit": "CPU cores", "required": 8.0, "comparison": ">="}
    ]
    assert "measured 2 CPU cores, required >= 8" in measured["message"]
    errors = {(e["path"], e["line"], e["column"]) for e in data["errors"] if e.get("severity", "error") == "error"}
    assert {
        ("features/broken.feature", 4, 3),
        ("features/broken.feature", 7, 3),
        ("features/latin1.feature", 3, 17),
    } <= errors
    result.stdout.fnmatch_lines(
        [
            "*= living checklist =*",
            "requirements: 12 *defined: 5 *verified: 2 *failing: 2 *skipped: 1 *pending: 5 *error: 2 *cases: 11",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*features/broken.feature:4:3: *Examples oops*", "*features/latin1.feature:3:17: *UTF-8*"]
    )


def test_xdist_gives_the_serial_checklist(pytester: pytest.Pytester) -> None:
    project(pytester, MAIN)
    _, serial = run(pytester)
    result, parallel = run(pytester, "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2, failed=6, skipped=1, xfailed=5)
    assert parallel["complete"] is True
    assert [r["id"] for r in parallel["requirements"]] == [r["id"] for r in serial["requirements"]]
    for mine, theirs in zip(parallel["requirements"], serial["requirements"], strict=True):
        for case in (*mine["cases"], *theirs["cases"]):
            case.pop("durations", None)  # measured: differ from run to run
        assert mine == theirs, mine["id"]
    assert parallel["snippets"] == serial["snippets"]
    assert parallel["totals"] == serial["totals"]
    assert parallel["errors"] == serial["errors"]


def test_without_xdist(pytester: pytest.Pytester) -> None:
    project(pytester, MAIN)
    result, data = run(pytester, "-p", "no:xdist")
    result.assert_outcomes(passed=2, failed=6, skipped=1, xfailed=5)
    assert data["totals"]["requirements"] == 12
    assert data["complete"] is True


def test_pending_alone_keeps_the_run_green(pytester: pytest.Pytester) -> None:
    start = STATUSES_FEATURE.index("  @REQ-3\n")
    end = STATUSES_FEATURE.index("  @REQ-8\n")
    pending_only = "Feature: Pending\n" + STATUSES_FEATURE[start:end]
    assert pending_only.count("@REQ-") == 5
    project(pytester, {"features/pending.feature": pending_only})
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(xfailed=5)
    assert data["totals"]["pending"] == 5
    expected = {"undefined": 1, "placeholder": 1, "tbd": 1, "tagged": 1, "empty": 1, **NEW_REASONS}
    assert data["totals"]["pending_by_reason"] == expected


@pytest.mark.parametrize(
    ("step", "status"),
    [("Then it fails", "failing"), ("Then the door is ambiguous", "error"), ("Then the value is lots", "error")],
)
def test_failing_or_error_fails_the_run(pytester: pytest.Pytester, step: str, status: str) -> None:
    project(
        pytester, {"features/x.feature": f"Feature: X\n  @REQ-1\n  Scenario: s\n    Given a passing step\n    {step}\n"}
    )
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1)
    assert data["requirements"][0]["status"] == status


def test_unparsable_file_alone_fails_the_run(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/broken.feature": BROKEN_FEATURE})
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "Traceback" not in result.stdout.str()
    assert [e["line"] for e in data["errors"]] == [4, 7]


# ---------------------------------------------------------------------------------------------
# @pending is strict, like xfail(strict=True)


def test_pending_tag_that_passes_fails_the_run(pytester: pytest.Pytester) -> None:
    project(
        pytester, {"features/x.feature": "Feature: X\n  @REQ-1 @pending\n  Scenario: s\n    Given a passing step\n"}
    )
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1)
    assert data["requirements"][0]["status"] == "failing"
    assert "remove @pending" in data["requirements"][0]["message"]
    result.stdout.fnmatch_lines(["*remove @pending*"])


def test_pending_tag_with_a_failing_step_stays_pending(pytester: pytest.Pytester) -> None:
    """@pending says "expected not to work yet": a failure is the expected state, not a red build."""
    project(pytester, {"features/x.feature": "Feature: X\n  @REQ-1 @pending\n  Scenario: s\n    Then it fails\n"})
    result, data = run(pytester)
    assert statuses(data) == {"REQ-1": ("pending", "tagged")}
    result.assert_outcomes(xfailed=1)
    assert result.ret == pytest.ExitCode.OK


def test_pending_tag_on_examples_applies_to_their_rows(pytester: pytest.Pytester) -> None:
    feature = """\
Feature: X
  @REQ-1
  Scenario Outline: s
    Given I have <n> apples

    Examples: decided
      | n |
      | 1 |

    @pending
    Examples: not decided
      | n |
      | 2 |
"""
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester)
    cases = [(c["nodeid"], c["status"]) for c in data["requirements"][0]["cases"]]
    assert cases == [("features/x.feature::REQ-1[1]", "verified"), ("features/x.feature::REQ-1[2]", "failing")]
    assert "remove @pending" in data["requirements"][0]["cases"][1]["message"]
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    ("step", "ini", "status", "outcome", "ret"),
    [
        ("Then it fails", "", "pending", "xfailed", pytest.ExitCode.OK),
        ("Given a passing step", "xfail_strict = true\n", "failing", "failed", pytest.ExitCode.TESTS_FAILED),
    ],
    ids=["xfailed", "xpassed-strict"],
)
def test_xfail_tag_agrees_with_pytest(
    pytester: pytest.Pytester, step: str, ini: str, status: str, outcome: str, ret: pytest.ExitCode
) -> None:
    """Tags are markers, so @xfail is pytest's xfail; the checklist must not contradict pytest's verdict."""
    project(pytester, {"features/x.feature": f"Feature: X\n  @REQ-1 @xfail\n  Scenario: s\n    {step}\n"}, ini=ini)
    result, data = run(pytester)
    result.assert_outcomes(**{outcome: 1})
    assert data["requirements"][0]["status"] == status
    assert result.ret == ret


# ---------------------------------------------------------------------------------------------
# DESIGN's status order: error before pending, and what is known without running


def test_ambiguous_step_is_an_error_even_with_tbd(pytester: pytest.Pytester) -> None:
    feature = "Feature: X\n  @REQ-1\n  Scenario: s\n    Then the door is ambiguous\n    And the value is TBD\n"
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester)
    assert statuses(data) == {"REQ-1": ("error", "ambiguous")}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_deselected_requirements_keep_what_is_known_statically(pytester: pytest.Pytester) -> None:
    """-k chooses what runs, not what is defined: a TBD or step-less scenario is pending either way."""
    feature = (
        "Feature: X\n  @REQ-1\n  Scenario: runs\n    Given a passing step\n\n"
        "  @REQ-2\n  Scenario: tbd\n    Then the value is TBD\n\n"
        "  @REQ-3\n  Scenario: no steps yet\n"
    )
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester, "-k", "REQ-1")
    result.assert_outcomes(passed=1, deselected=2)
    assert statuses(data)["REQ-2"] == ("pending", "tbd")
    assert statuses(data)["REQ-3"] == ("pending", "empty")
    assert data["totals"]["defined"] == 1


# ---------------------------------------------------------------------------------------------
# Selecting: files, node ids, -k, -m


def two_files(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        {
            "features/fruit.feature": (
                "Feature: Fruit\n  @REQ-1 @smoke\n  Scenario: eating apples\n    Given a passing step\n\n"
                "  @REQ-2\n  Scenario: peeling pears\n    Given a passing step\n"
            ),
            "features/drinks.feature": (
                "Feature: Drinks\n  @DRINK-1\n  Scenario: drinking water\n    Given a passing step\n"
            ),
        },
    )


def test_collect_only_lists_node_ids_named_by_requirement_id(pytester: pytest.Pytester) -> None:
    two_files(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--co", "-q")
    result.stdout.fnmatch_lines(
        [
            "features/drinks.feature::DRINK-1",
            "features/fruit.feature::REQ-1",
            "features/fruit.feature::REQ-2",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_one_feature_file(pytester: pytest.Pytester) -> None:
    two_files(pytester)
    result, data = run(pytester, "features/drinks.feature")
    result.assert_outcomes(passed=1)
    # Selection never changes the denominator: the other file's requirements are there, not run.
    statuses = {r["id"]: (r["status"], r["reason"]) for r in data["requirements"]}
    assert statuses == {
        "DRINK-1": ("verified", ""),
        "REQ-1": ("skipped", "not-selected"),
        "REQ-2": ("skipped", "not-selected"),
    }
    assert (data["totals"]["requirements"], data["totals"]["not_run"], data["totals"]["skipped"]) == (3, 2, 0)
    result.stdout.fnmatch_lines(["requirements: 3  defined: 1 * not run: 2  cases: 3"])
    assert result.ret == pytest.ExitCode.OK


def test_one_node_id(pytester: pytest.Pytester) -> None:
    two_files(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "features/fruit.feature::REQ-2", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["features/fruit.feature::REQ-2 PASSED*"])


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("REQ-2", ["REQ-2"]),
        ("apples", ["REQ-1"]),
        ("drinking or peeling", ["DRINK-1", "REQ-2"]),
        ("Fruit", ["REQ-1", "REQ-2"]),
    ],
)
def test_k_by_id_and_by_scenario_name(pytester: pytest.Pytester, expression: str, selected: list[str]) -> None:
    two_files(pytester)
    result, data = run(pytester, "-k", expression)
    result.assert_outcomes(passed=len(selected), deselected=3 - len(selected))
    assert sorted(r["id"] for r in data["requirements"] if r["status"] == "verified") == selected


def test_m_by_tag_with_strict_markers(pytester: pytest.Pytester) -> None:
    two_files(pytester)
    result, _ = run(pytester, "--strict-markers", "-m", "smoke")
    result.assert_outcomes(passed=1, deselected=2)
    result, _ = run(pytester, "--strict-markers", "-m", "not smoke")
    result.assert_outcomes(passed=2, deselected=1)


def test_examples_tags_are_markers(pytester: pytest.Pytester) -> None:
    feature = """\
Feature: X
  @REQ-1
  Scenario Outline: eating
    Given I have <n> apples
    When I eat one
    Then I have <left> left

    @slow
    Examples: many
      | n   | left |
      | 100 | 99   |
      | 50  | 49   |

    Examples: few
      | n | left |
      | 2 | 1    |
"""
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester, "--strict-markers", "-m", "slow", "-v")
    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(["*features/x.feature::REQ-1[[]100-99[]] PASSED*", "*::REQ-1[[]50-49[]] PASSED*"])
    result, _ = run(pytester, "--strict-markers", "-m", "not slow")
    result.assert_outcomes(passed=1, deselected=2)


@pytest.mark.parametrize("tag", ["owner:alice", "_internal", "jira(ABC-12)"])
def test_any_gherkin_tag_is_accepted_with_strict_markers(pytester: pytest.Pytester, tag: str) -> None:
    """Cucumber tags may contain ':' or '(' or start with '_'; none of that may break collection."""
    project(pytester, {"features/x.feature": f"Feature: X\n  @REQ-1 @{tag}\n  Scenario: s\n    Given a passing step\n"})
    result, data = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=1)
    assert tag in data["requirements"][0]["tags"]
    assert result.ret == pytest.ExitCode.OK


# ---------------------------------------------------------------------------------------------
# pytest-bdd semantics


SEMANTICS = """\
Feature: Semantics
  Background:
    Given I have 5 pears

  Rule: eating
    @REQ-1
    Scenario Outline: eating leaves one less
      When I eat one
      Then I have <left> left

      Examples:
        | left |
        | 4    |

  @REQ-2
  Scenario: a later target_fixture wins
    Given I have 3 apples
    When I eat one
    Then I have 2 left

  @REQ-3
  Scenario: arguments
    Given a datatable
      | a | b |
      | 1 | 2 |
    And a docstring
      \"\"\"
      line1
      line2
      \"\"\"
"""


def test_parsers_converters_fixtures_arguments_rules_background(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/semantics.feature": SEMANTICS})
    result, data = run(pytester)
    result.assert_outcomes(passed=3)
    assert {r["id"]: r["status"] for r in data["requirements"]} == {
        "REQ-1": "verified",
        "REQ-2": "verified",
        "REQ-3": "verified",
    }
    assert by_id(data)["REQ-1"]["cases"][0]["nodeid"] == "features/semantics.feature::REQ-1[4]"
    assert result.ret == pytest.ExitCode.OK


def test_closer_conftest_overrides_the_root_one(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        {
            "features/sub/x.feature": "Feature: X\n  @REQ-1\n  Scenario: s\n    Then the closer definition runs\n",
            "features/sub/conftest.py": (
                "from pytest_bdd import then\n\n@then('the closer definition runs')\ndef closer():\n    pass\n"
            ),
            "features/y.feature": "Feature: Y\n  @REQ-2\n  Scenario: s\n    Then the closer definition runs\n",
        },
    )
    result, data = run(pytester)
    # Under features/sub the closer definition wins (not ambiguous); elsewhere only the root one exists.
    assert statuses(data) == {"REQ-1": ("verified", ""), "REQ-2": ("failing", "")}
    result.assert_outcomes(passed=1, failed=1)


def test_star_and_and_as_first_steps(pytester: pytest.Pytester) -> None:
    feature = (
        "Feature: X\n  @REQ-1\n  Scenario: star\n    * a passing step\n    Then it works\n\n"
        "  @REQ-2\n  Scenario: and\n    And a passing step\n    But it works\n"
    )
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester)
    assert statuses(data) == {"REQ-1": ("verified", ""), "REQ-2": ("verified", "")}
    result.assert_outcomes(passed=2)


def test_star_after_given_is_a_given_step(pytester: pytest.Pytester) -> None:
    """pytest-bdd gives `*` the type of the step before it; only the @given definition applies."""
    feature = "Feature: X\n  @REQ-1\n  Scenario: s\n    Given a passing step\n    * one step for two types\n"
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester)
    assert statuses(data) == {"REQ-1": ("verified", "")}
    result.assert_outcomes(passed=1)


def test_crlf_french_shared_and_empty_names(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        {
            "features/crlf.feature": (
                "Feature: CRLF\r\n  @REQ-1\r\n  Scenario: crlf\r\n    Given I have 3 apples\r\n"
                "    When I eat one\r\n    Then I have 2 left\r\n"
            ),
            "features/fr.feature": (
                "# language: fr\nFonctionnalité: F\n  @REQ-2\n  Scénario: fr\n    Soit une chose existe\n"
            ),
            "features/names.feature": (
                "Feature: Names\n  Scenario: same\n    Given a passing step\n\n"
                "  Scenario: same\n    Given a passing step\n\n  Scenario:\n    Given a passing step\n"
            ),
        },
    )
    result, data = run(pytester)
    assert statuses(data) == {
        "REQ-1": ("verified", ""),
        "REQ-2": ("verified", ""),
        "features/names.feature:2": ("verified", ""),
        "features/names.feature:5": ("verified", ""),
        "features/names.feature:8": ("verified", ""),
    }
    assert [c["nodeid"] for r in data["requirements"][2:] for c in r["cases"]] == [
        "features/names.feature::L2",
        "features/names.feature::L5",
        "features/names.feature::L8",
    ]
    result.assert_outcomes(passed=5)
    result, _ = run(pytester, "-k", "same")
    result.assert_outcomes(passed=2, deselected=3)


def test_duplicate_example_rows_get_distinct_node_ids(pytester: pytest.Pytester) -> None:
    feature = (
        "Feature: X\n  @REQ-1\n  Scenario Outline: s\n    Given I have <n> apples\n\n"
        "    Examples:\n      | n |\n      | 1 |\n      | 1 |\n      | 2 |\n"
    )
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester)
    result.assert_outcomes(passed=3)
    assert [c["nodeid"] for c in data["requirements"][0]["cases"]] == [
        "features/x.feature::REQ-1[1#8]",
        "features/x.feature::REQ-1[1#9]",
        "features/x.feature::REQ-1[2]",
    ]


# ---------------------------------------------------------------------------------------------
# Interrupted runs are incomplete


def test_stop_after_first_failure_is_incomplete(pytester: pytest.Pytester) -> None:
    feature = (
        "Feature: X\n  @REQ-1\n  Scenario: a\n    Then it fails\n\n  @REQ-2\n  Scenario: b\n    Given a passing step\n"
    )
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester, "-x")
    result.assert_outcomes(failed=1)
    assert data["complete"] is False
    assert statuses(data) == {"REQ-1": ("failing", ""), "REQ-2": ("error", "not-run")}
    result.stdout.fnmatch_lines(["*INCOMPLETE*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_killed_worker_is_an_error_and_loses_no_case(pytester: pytest.Pytester) -> None:
    """The case whose worker died is an error (the run fails); xdist runs the rest on a new worker,
    so every case has an outcome and the checklist is complete (issue 12, finding 21)."""
    feature = (
        "Feature: X\n  @REQ-1\n  Scenario: a\n    Given a passing step\n\n"
        "  @REQ-2\n  Scenario: b\n    Then the worker dies\n\n"
        "  @REQ-3\n  Scenario: c\n    Given a passing step\n"
    )
    project(pytester, {"features/x.feature": feature})
    result, data = run(pytester, "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert data["complete"] is True
    assert statuses(data)["REQ-3"] == ("verified", "")
    assert statuses(data)["REQ-2"][0] == "error"
    assert "crashed" in by_id(data)["REQ-2"]["message"]
    assert statuses(data)["REQ-1"] == ("verified", "")


# ---------------------------------------------------------------------------------------------
# Bad settings are usage errors


@pytest.mark.parametrize(
    ("option", "value"),
    [(INI_ID_PATTERN, "["), (INI_REQUIRE_IDS, "maybe")],
)
def test_bad_ini_value_is_a_usage_error(pytester: pytest.Pytester, option: str, value: str) -> None:
    project(pytester, {"features/x.feature": MORE_FEATURE})
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert option in result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_json_path_from_ini(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/x.feature": MORE_FEATURE}, ini="checklist_json = out/report.json\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    data = json.loads((pytester.path / "out" / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert statuses(data) == {"REQ-12": ("verified", "")}
    assert not [p for p in Path(pytester.path, "out").iterdir() if p.name != "report.json"]  # no temp file left
