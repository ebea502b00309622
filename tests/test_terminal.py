"""The terminal section: snippets of undefined steps, each once; ``-q`` keeps only what needs action."""

from __future__ import annotations

import pytest

FEATURE = """\
Feature: Shop
  @SHOP-1
  Scenario: a step and its twin
    Given a step nobody wrote
    And a step nobody wrote

  @SHOP-2
  Scenario Outline: rows of one step
    Given there are <n> apples
    Then all is well

    Examples:
      | n  |
      | 1  |
      | 20 |

  @SHOP-3
  Scenario: fails
    Then all is broken

  @SHOP-4
  Scenario: fine
    Then all is well
"""

STEPS = """\
from pytest_bdd import then


@then("all is well")
def _():
    pass


@then("all is broken")
def _():
    assert 1 == 2, "one is not two"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".feature", **{"features/shop": FEATURE})
    pytester.makeconftest(STEPS)
    return pytester


def section(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "living checklist" in line and line.startswith("="))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("="))
    return lines[start + 1 : end]


def test_each_distinct_snippet_is_printed_once(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:cacheprovider")
    lines = section(result)
    assert any(line.startswith("undefined steps need 2 step definition(s)") for line in lines)
    decorators = [line.strip() for line in lines if line.strip().startswith("@given")]
    # "Given a step" and "And a step" need one definition (two would be ambiguous); so do the rows.
    assert decorators == ["@given('a step nobody wrote')", "@given(parsers.parse('there are {n:d} apples'))"]
    assert "  # for features/shop.feature:4" in lines


def test_snippets_beyond_ten_are_counted_not_printed(pytester: pytest.Pytester) -> None:
    steps = "\n".join(f"    Given undefined step number {chr(97 + i)}" for i in range(13))
    pytester.makefile(".feature", **{"features/many": f"Feature: Many\n  Scenario: many\n{steps}\n"})
    lines = section(pytester.runpytest("-p", "no:cacheprovider"))
    assert sum(1 for line in lines if line.strip().startswith("@given")) == 10
    assert "  ... and 3 more: run `living-checklist snippets` (or pytest -v)" in lines
    verbose = section(pytester.runpytest("-p", "no:cacheprovider", "-v"))
    assert sum(1 for line in verbose if line.strip().startswith("@given")) == 13


@pytest.mark.parametrize("flag", ["-q", "-qq"])
def test_quiet_shows_totals_and_failing_requirements_only(project: pytest.Pytester, flag: str) -> None:
    result = project.runpytest("-p", "no:cacheprovider", flag)
    assert section(result) == [
        "requirements: 4  defined: 2  verified: 1  failing: 1  skipped: 0  pending: 2 (undefined 2)  error: 0  "
        "cases: 5",
        "",
        "failing and error:",
        "  FAILING  SHOP-3 fails - one is not two",
    ]
