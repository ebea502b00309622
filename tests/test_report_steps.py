"""Per-step status and duration in the HTML and Cucumber JSON; long evidence collapsed; no "met" unrequired."""

from __future__ import annotations

import json
import re

import pytest

from living_checklist.reports import CUCUMBER_OPTION, HTML_OPTION
from tests.helpers import run_with_report

FEATURE = """\
Feature: Steps
  @S-1
  Scenario: passes then fails
    Given a quick step
    When a slow step
    Then a step that fails loudly
    And a step after it

  @S-2
  Scenario: records a figure without a budget
    Given a figure is recorded
"""

STEPS = """\
import time

from pytest_bdd import given, then, when

from living_checklist import Measurement, record


@given("a quick step")
def _():
    pass


@when("a slow step")
def _():
    time.sleep(0.05)


@then("a step that fails loudly")
def _():
    raise AssertionError("\\n".join(f"stderr line {n}" for n in range(60)))


@then("a step after it")
def _():
    pass


@given("a figure is recorded")
def _(request):
    record(request.node, Measurement("latency", 12.5, "ms", None, "<="))
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".feature", **{"features/steps": FEATURE})
    pytester.makeconftest(STEPS)
    return pytester


def test_html_shows_each_steps_status_and_duration(project: pytest.Pytester) -> None:
    run_with_report(project, f"{HTML_OPTION}=c.html")
    page = (project.path / "c.html").read_text(encoding="utf-8")
    article = page[page.index('id="req-S-1"') :]
    article = article[: article.index("</article>")]
    steps = re.findall(r'<li class="step step-(\w+)">.*?<code>(.*?)</code>(.*?)</li>', article)
    assert [(status, text) for status, text, _ in steps] == [
        ("passed", "Given a quick step"),
        ("passed", "When a slow step"),
        ("failed", "Then a step that fails loudly"),
        ("skipped", "And a step after it"),
    ]
    durations = [re.search(r'data-duration="([0-9.]+)"', rest) for _, _, rest in steps]
    assert all(d is not None for d in durations[:3]) and durations[3] is None  # the last step never ran
    assert float(durations[1].group(1)) >= 50  # type: ignore[union-attr]  # ms: the step sleeps 50 ms
    # 60 lines of evidence are collapsed under their first line.
    assert re.search(r'<details class="evidence"><summary>stderr line 0 <span class="muted">\(60 lines\)', article)


def test_a_figure_without_a_requirement_is_not_met(project: pytest.Pytester) -> None:
    run_with_report(project, f"{HTML_OPTION}=c.html")
    page = (project.path / "c.html").read_text(encoding="utf-8")
    article = page[page.index('id="req-S-2"') :]
    article = article[: article.index("</article>")]
    assert '<td class="met-none">—</td>' in article
    assert "met-yes" not in article


def test_cucumber_json_carries_step_durations(project: pytest.Pytester) -> None:
    run_with_report(project, f"{CUCUMBER_OPTION}=c.json")
    features = json.loads((project.path / "c.json").read_text(encoding="utf-8"))
    steps = features[0]["elements"][0]["steps"]
    assert [s["result"]["status"] for s in steps] == ["passed", "passed", "failed", "skipped"]
    assert all(isinstance(s["result"]["duration"], int) for s in steps[:3])
    assert steps[1]["result"]["duration"] >= 50_000_000  # nanoseconds, as Cucumber writes them
    assert "duration" not in steps[3]["result"]
