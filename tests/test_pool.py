"""Shards that ran the same percentile budget are decided again on all their runs (reports/pool).

Pure outcomes first, then two real pytest runs of a ``sleep 0.01`` system merged by the command.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

import jsonschema
import pytest

from living_checklist.core import stats
from living_checklist.core.measure import Measurement
from living_checklist.core.status import CaseOutcome
from living_checklist.reports.pool import pool
from tests.helpers import SCHEMA
from tests.test_live_steps import project

SLEEP = shutil.which("sleep")


def _shard(values: list[float], q: float, required: float, steps: str = ".?") -> CaseOutcome:
    """One shard's outcome of a case as ``check_quantile`` leaves it."""
    histogram = stats.Histogram.of(values)
    judgement = stats.judge(histogram, q, required, 0.95, "ms")
    name = f"{stats.level_name(q)} wall time"
    m = Measurement(name, histogram.percentile(q * 100), "ms", required, "<=", judgement.bounds, histogram)
    status, reason = {
        "verified": ("verified", ""),
        "failing": ("failing", ""),
        "inconclusive": ("pending", "inconclusive"),
    }[judgement.verdict]
    code = {"verified": ".", "failing": "F", "inconclusive": "P"}[judgement.verdict]
    return CaseOutcome(status, reason, f"{name}: {m.describe()}", (m,), steps.replace("?", code))


def _runs(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [10 + rng.random() for _ in range(n)]


def test_two_inconclusive_shards_verify_together_in_any_order() -> None:
    a, b = _shard(_runs(30, 1), 0.95, 1000), _shard(_runs(30, 2), 0.95, 1000)
    assert a.reason == b.reason == "inconclusive"
    for shards in ([a, b], [b, a]):
        together = pool(shards)
        assert together is not None and together.status == "verified"
        (m,) = together.measurements
        assert m.bounds is not None and m.bounds.runs == 60 and m.bounds.upper is not None
        assert m.histogram == stats.Histogram.of(_runs(30, 1) + _runs(30, 2))


def test_pooled_runs_can_show_a_failure_no_shard_could() -> None:
    a, b = _shard(_runs(3, 3), 0.5, 9), _shard(_runs(3, 4), 0.5, 9)  # a median needs 5 runs for a bound
    assert a.reason == b.reason == "inconclusive"
    together = pool([a, b])
    assert together is not None and together.status == "failing"
    assert "pooled over 2 shards" in together.message and "lower confidence bound" in together.message


def test_a_pooled_pass_needs_every_later_step_run() -> None:
    a, b = _shard(_runs(30, 1), 0.95, 1000, steps=".?-"), _shard(_runs(30, 2), 0.95, 1000, steps=".?-")
    together = pool([a, b])
    assert together is not None and together.status == "pending" and together.reason == "inconclusive"
    assert "no shard ran the steps after them" in together.message


def test_outcomes_not_decided_by_their_budgets_keep_the_worse_rule() -> None:
    a, b = _shard(_runs(30, 1), 0.95, 1000), _shard(_runs(30, 2), 0.95, 1000)
    other = CaseOutcome("failing", "", "exit status: measured 2, required == 0", a.measurements, ".F")
    assert pool([a, other]) is None
    assert pool([a]) is None
    different_budget = _shard(_runs(30, 2), 0.95, 999)
    assert pool([a, different_budget]) is None
    assert pool([a, CaseOutcome("pending", "tbd", "TBD")]) is None
    assert pool([a, b, CaseOutcome("error", "", "boom")]) is None


FEATURE = """
Feature: shards
  @PERF-030
  Scenario: thirty runs per shard
    When the system runs 30 times with arguments "0.01"
    Then the 95th percentile wall time is at most 1000 ms
"""


@pytest.mark.skipif(os.name != "posix" or SLEEP is None, reason="needs POSIX and the sleep program")
def test_merge_decides_a_percentile_on_every_shards_runs(pytester: pytest.Pytester) -> None:
    project(pytester, FEATURE, str(SLEEP))
    reports = []
    for name in ("one.json", "two.json"):
        pytester.runpytest("-p", "no:cacheprovider", f"--checklist-json={pytester.path / name}")
        data = json.loads((pytester.path / name).read_text())
        assert data["requirements"][0]["reason"] == "inconclusive"  # 30 runs bound no 95th percentile
        reports.append(str(pytester.path / name))
    out = pytester.path / "merged.json"
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "merge", "-o", str(out), *reports, "--format", "json"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pooled"] == ["features/live.feature::PERF-030"]
    merged = json.loads(out.read_text())
    jsonschema.validate(merged, SCHEMA, cls=jsonschema.Draft202012Validator)
    (req,) = merged["requirements"]
    assert req["status"] == "verified", req["message"]
    (figure,) = [m for m in req["cases"][0]["measurements"] if m.get("bounds")]
    assert figure["bounds"]["runs"] == 60 and figure["bounds"]["upper"] <= 1000
    assert sum(count for _, count in figure["histogram"]["counts"]) == 60
