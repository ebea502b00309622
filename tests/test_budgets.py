"""Median and percentile budgets end to end with real processes: confidence bounds decide them.

The system under test is ``sleep 0.01`` (a real ~10 ms program) or a shell script that is slow on
one run; each project sets ``checklist_confidence`` or leaves its default (0.95).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from tests.helpers import figures, statuses
from tests.helpers import run_by_id as run
from tests.test_live_steps import project

SLEEP = shutil.which("sleep")

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX"),
    pytest.mark.skipif(SLEEP is None, reason="needs the sleep program"),
]

BUDGETS = """
Feature: budgets on percentiles
  @PERF-001
  Scenario: twenty runs cannot bound a 95th percentile
    When the system runs 20 times with arguments "0.01"
    Then the 95th percentile wall time is at most 1000 ms
  @PERF-002
  Scenario: sixty runs can
    When the system runs 60 times with arguments "0.01"
    Then the 95th percentile wall time is at most 1000 ms
  @PERF-003
  Scenario: one run is beyond an impossible budget
    When I run the system with arguments "0.01"
    Then the 95th percentile wall time is at most 0.001 ms
  @PERF-004
  Scenario: twenty runs are beyond an impossible budget
    When the system runs 20 times with arguments "0.01"
    Then the 95th percentile wall time is at most 0.001 ms
    And the median wall time is at most 0.001 ms
  @PERF-005
  Scenario: three runs cannot bound a median
    When the system runs 3 times with arguments "0.01"
    Then the median wall time is at most 1000 ms
"""


def _bounded(req: dict[str, Any], name: str) -> dict[str, Any]:
    figure = figures(req)[name]
    assert figure["required"] is not None
    return figure


@pytest.mark.parametrize(
    ("confidence", "p95_of_20", "median_of_3"),
    [("0.95", "pending", "pending"), ("0", "verified", "verified")],
    ids=["bounds", "point estimates"],
)
def test_confidence_decides_percentile_budgets(
    pytester: pytest.Pytester, confidence: str, p95_of_20: str, median_of_3: str
) -> None:
    project(pytester, BUDGETS, str(SLEEP))
    _, reqs = run(pytester, "-o", f"checklist_confidence={confidence}")
    assert statuses(reqs) == {
        "PERF-001": p95_of_20,
        "PERF-002": "verified",
        "PERF-003": "failing",
        "PERF-004": "failing",
        "PERF-005": median_of_3,
    }
    if confidence == "0":
        figure = _bounded(reqs["PERF-001"], "95th percentile wall time")
        assert "bounds" not in figure and len(figure["histogram"]["counts"]) >= 1
        assert "confidence" not in reqs["PERF-003"]["message"]
        return
    thin = reqs["PERF-001"]
    assert thin["reason"] == "inconclusive"
    assert "needs at least 59 runs" in thin["message"] and "(it has 20)" in thin["message"]
    assert thin["message"].startswith("95th percentile wall time: measured ")
    p95 = _bounded(thin, "95th percentile wall time")
    assert p95["bounds"]["upper"] is None and p95["bounds"]["runs"] == 20
    assert sum(count for _, count in p95["histogram"]["counts"]) == 20

    verified = _bounded(reqs["PERF-002"], "95th percentile wall time")
    assert verified["bounds"]["confidence"] == 0.95 and verified["bounds"]["quantile"] == 0.95
    assert 10 <= verified["value"] <= verified["bounds"]["upper"] <= 1000
    assert sum(count for _, count in verified["histogram"]["counts"]) == 60
    # every run took at least the 10 ms it sleeps: the histogram holds real wall times
    assert verified["histogram"]["counts"][0][0] * verified["histogram"]["scale"] >= 10

    for rid in ("PERF-003", "PERF-004"):
        message = reqs[rid]["message"]
        assert "required <= 0.001" in message and "lower confidence bound" in message, message
    assert _bounded(reqs["PERF-003"], "95th percentile wall time")["bounds"]["lower"] >= 10

    median = reqs["PERF-005"]
    assert median["reason"] == "inconclusive" and "needs at least 5 runs" in median["message"]


# A system that counts its runs in ./count and sleeps on the runs the shell test picks.
COUNTED = """\
n=$(cat count 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > count
if [ "$n" {test} ]; then sleep {seconds}; fi
exit 0
"""
SLOW_ONCE = COUNTED.format(test="-eq 5", seconds=0.6)
COLD_START = COUNTED.format(test="-le 3", seconds=0.5)

OUTLIER = """
Feature: an outlier
  @PERF-010
  Scenario: one slow run stands out
    When the system runs 12 times with arguments ""
    Then the median wall time is at most 0.001 ms
"""


def test_outliers_are_named_and_kept(pytester: pytest.Pytester) -> None:
    (pytester.path / "slow_once.sh").write_text(SLOW_ONCE)
    project(pytester, OUTLIER, f"sh {pytester.path / 'slow_once.sh'}")
    _, reqs = run(pytester)
    req = reqs["PERF-010"]
    assert req["status"] == "failing"
    (line,) = [line for line in req["message"].splitlines() if line.startswith("outliers (modified z-score > 3.5")]
    assert "kept in the figures): " in line and "run 5 (" in line, req["message"]
    histogram = figures(req)["median wall time"]["histogram"]
    assert sum(count for _, count in histogram["counts"]) == 12  # the outlier is still counted
    assert histogram["counts"][-1][0] * histogram["scale"] >= 600


@pytest.mark.parametrize("value", ["1", "1.5", "-0.1", "high", "nan"])
def test_a_bad_confidence_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    project(pytester, BUDGETS, str(SLEEP))
    (pytester.path / "pytest.ini").write_text(
        (pytester.path / "pytest.ini").read_text() + f"\nchecklist_confidence = {value}\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: checklist_confidence = '{value}': expected a number from 0 (point estimates) up to but not*"]
    )


def test_a_lower_confidence_needs_fewer_runs(pytester: pytest.Pytester) -> None:
    project(pytester, BUDGETS.split("  @PERF-002")[0], str(SLEEP))
    _, reqs = run(pytester, "-o", "checklist_confidence=0.5")
    # at 50 % confidence 20 runs do bound the 95th percentile: P(Bin(20, 0.95) <= 19) = 0.64
    assert reqs["PERF-001"]["status"] == "verified"
    assert figures(reqs["PERF-001"])["95th percentile wall time"]["bounds"]["confidence"] == 0.5


WARM_UP = """
Feature: warm-up runs
  @PERF-020
  Scenario: the cold runs are discarded
    When the system runs 6 times after 3 warm-up runs with arguments ""
    Then the median wall time is at most 300 ms
  @PERF-021
  Scenario: the warm-up is stated in the evidence
    When the system runs 6 times after 3 warm-up runs with arguments ""
    Then the median wall time is at most 0.001 ms
"""


def test_warm_up_runs_run_and_are_discarded(pytester: pytest.Pytester) -> None:
    (pytester.path / "cold_start.sh").write_text(COLD_START)
    project(pytester, WARM_UP, f"sh {pytester.path / 'cold_start.sh'}")
    _, reqs = run(pytester, "-k", "PERF-020")
    assert int((pytester.path / "count").read_text()) == 9  # every warm-up run ran
    figs = figures(reqs["PERF-020"])
    assert reqs["PERF-020"]["status"] == "verified"
    assert figs["runs"]["value"] == 6 and figs["warm-up runs"]["value"] == 3
    assert figs["max wall time"]["value"] < 500  # none of the three cold runs is a figure
    assert sum(count for _, count in figs["median wall time"]["histogram"]["counts"]) == 6
    (pytester.path / "count").write_text("0\n")
    _, reqs = run(pytester, "-k", "PERF-021")
    assert reqs["PERF-021"]["status"] == "failing"
    assert "over 6 runs, after 3 warm-up runs (discarded)" in reqs["PERF-021"]["message"]


def test_bounds_and_histograms_survive_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    project(pytester, BUDGETS.split("  @PERF-004")[0], str(SLEEP))
    _, reqs = run(pytester, "-n", "2")
    assert statuses(reqs) == {"PERF-001": "pending", "PERF-002": "verified", "PERF-003": "failing"}
    assert reqs["PERF-001"]["reason"] == "inconclusive" and "needs at least 59 runs" in reqs["PERF-001"]["message"]
    figure = figures(reqs["PERF-002"])["95th percentile wall time"]
    assert figure["bounds"]["runs"] == 60 and sum(count for _, count in figure["histogram"]["counts"]) == 60
