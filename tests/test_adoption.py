"""A good guest: where ``checklist_features`` is not set, the plugin changes nothing.

A pytest-bdd project (``shop_tests/features/*.feature`` plus ``scenarios("features")``) is run with the
plugin installed and with it turned off (``-p no:living_checklist``): the collected items, the
outcomes, the exit status and the output agree. In a project that uses both, pytest-bdd's
``scenarios()`` modules run beside the checklist, each scenario once.
"""

from __future__ import annotations

import re

import pytest

OFF = ("-p", "no:living_checklist")

FEATURE = """\
Feature: Cart
  @JIRA-101
  Scenario: Adding an item
    Given an empty cart
    When I add 2 apples
    Then the cart holds 2 items

  @JIRA-101 @smoke
  Scenario: Removing an item
    Given an empty cart
    When I add 1 apples
    Then the cart holds 1 items

  Scenario: A step nobody wrote
    Given an empty cart
    Then the cart is shiny
"""

STEPS = """\
import pytest
from pytest_bdd import given, parsers, then, when


@given("an empty cart", target_fixture="cart")
def _():
    return []


@when(parsers.parse("I add {n:d} apples"))
def _(cart, n):
    cart.extend(["apple"] * n)


@then(parsers.parse("the cart holds {n:d} items"))
def _(cart, n):
    assert len(cart) == n
"""

TEST_MODULE = 'from pytest_bdd import scenarios\n\nscenarios("features")\n'


# Ticket tags are unregistered marks: a warning in a team's run, an error under these tests' filters.
IGNORE_MARKS = "filterwarnings =\n    ignore::pytest.PytestUnknownMarkWarning\n"


def _bdd_project(pytester: pytest.Pytester, ini: str = "[pytest]\n") -> None:
    pytester.makeini(ini + IGNORE_MARKS)
    pytester.mkpydir("shop_tests")
    (pytester.path / "shop_tests" / "features").mkdir()
    (pytester.path / "shop_tests" / "features" / "cart.feature").write_text(FEATURE)
    (pytester.path / "shop_tests" / "conftest.py").write_text(STEPS)
    (pytester.path / "shop_tests" / "test_cart.py").write_text(TEST_MODULE)


def _normalised(text: str) -> str:
    """pytest's output without what differs between any two runs: timings and the plugin list."""
    text = re.sub(r"in \d+\.\d+s", "in Ns", text)
    text = re.sub(r"^plugins: .*$", "plugins: ...", text, flags=re.M)
    return text


@pytest.mark.parametrize("args", [(), ("-v",), ("--collect-only", "-q"), ("-k", "smoke"), ("--generate-missing",)])
def test_a_pytest_bdd_project_runs_the_same_with_and_without_the_plugin(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    _bdd_project(pytester)
    with_plugin = pytester.runpytest("-p", "no:cacheprovider", *args)
    without = pytester.runpytest("-p", "no:cacheprovider", *OFF, *args)
    assert with_plugin.ret == without.ret
    assert with_plugin.parseoutcomes() == without.parseoutcomes() or "--collect-only" in args
    assert _normalised(with_plugin.stdout.str()) == _normalised(without.stdout.str())
    assert "living checklist" not in with_plugin.stdout.str()
    if not args:
        with_plugin.assert_outcomes(passed=2, failed=1)


def test_report_options_without_a_checklist_are_a_usage_error(pytester: pytest.Pytester) -> None:
    _bdd_project(pytester)
    result = pytester.runpytest("--checklist-json=out.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --checklist-json needs a checklist: set checklist_features*"])
    assert not (pytester.path / "out.json").exists()


def test_scenarios_modules_keep_working_beside_the_checklist(pytester: pytest.Pytester) -> None:
    """Only the .feature files under checklist_features are the checklist's; shop_tests/features stays pytest-bdd's."""
    _bdd_project(pytester, "[pytest]\nchecklist_features = requirements\n")
    (pytester.path / "requirements").mkdir()
    (pytester.path / "requirements" / "r.feature").write_text(
        "Feature: R\n  @R-1\n  Scenario: one\n    Given an empty cart\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    outcomes = (" PASSED", " FAILED", " XFAIL")
    ids = [line.split(" ")[0] for line in result.stdout.lines if any(word in line for word in outcomes)]
    assert sorted(ids) == sorted(
        [
            "shop_tests/test_cart.py::test_adding_an_item",
            "shop_tests/test_cart.py::test_removing_an_item",
            "shop_tests/test_cart.py::test_a_step_nobody_wrote",
            "requirements/r.feature::R-1",
        ]
    )
    result.assert_outcomes(passed=2, failed=1, xfailed=1)  # its step lives in shop_tests/conftest.py only
    result.stdout.fnmatch_lines(["*= living checklist =*", "requirements: 1 *"])


def test_the_plugin_off_in_a_checklist_project_collects_no_feature_file(pytester: pytest.Pytester) -> None:
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "a.feature").write_text("Feature: A\n  Scenario: a\n    Given x\n")
    result = pytester.runpytest("-p", "no:cacheprovider", *OFF)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
