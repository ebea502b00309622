"""Pool a case that several shards ran: merge its median/percentile histograms and decide again.

Two shards that each ran a percentile budget 30 times are one case with 60 runs. When every
shard's outcome of the case was decided by its bounded measurements alone (verified, or stopped
at a budget that failed or was inconclusive), the histograms are merged (exact: the same buckets
as all the runs together) and each budget is judged again on all the runs. A pooled pass counts
only when no shard skipped a later step; a pooled failure always counts (that budget fails
whatever the later steps say). Anything else keeps the merge's usual rule (the worse outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from living_checklist.core import stats
from living_checklist.core.measure import Measurement
from living_checklist.core.status import CaseOutcome, Status

_DECIDED = {"verified": "verified", "failing": "failing", "pending": "inconclusive"}


def _bounded(outcome: CaseOutcome) -> list[Measurement]:
    return [
        m
        for m in outcome.measurements
        if m.bounds is not None and m.histogram is not None and isinstance(m.required, int | float)
    ]


def _key(m: Measurement) -> tuple[object, ...]:
    assert m.bounds is not None and m.histogram is not None  # only bounded measurements get here
    return (m.name, m.unit, m.required, m.bounds.quantile, m.bounds.confidence, m.histogram.scale, m.histogram.digits)


def _judge(m: Measurement, histogram: stats.Histogram) -> stats.Judgement:
    assert m.bounds is not None and isinstance(m.required, int | float)
    return stats.judge(histogram, m.bounds.quantile, float(m.required), m.bounds.confidence, m.unit)


def _explained(outcome: CaseOutcome, bounded: list[Measurement]) -> bool:
    """The outcome is what its own bounded measurements say: all verified, or the first that was
    not is the step it stopped at (its message names it) with that verdict."""
    if outcome.status == "pending" and outcome.reason != "inconclusive":
        return False
    want = _DECIDED.get(outcome.status)
    first = _first_unmet(bounded)
    if want == "verified":
        return first is None
    return first is not None and first[1] == want and outcome.message.startswith(f"{first[0].name}:")


def _first_unmet(bounded: list[Measurement]) -> tuple[Measurement, str] | None:
    """The first measurement (with its runs) its budget does not verify, with its verdict; all are judged."""
    verdicts = [(m, _judge(m, m.histogram).verdict) for m in bounded if m.histogram is not None]
    return next(((m, v) for m, v in verdicts if v != "verified"), None)


def _complete(outcome: CaseOutcome) -> bool:
    """Every step was looked at: none after the one it stopped at was left unrun."""
    return bool(outcome.steps) and "-" not in outcome.steps and all(c in ".PF" for c in outcome.steps)


def _poolable(decided: Sequence[CaseOutcome], per_shard: list[list[Measurement]]) -> bool:
    """Every shard has the same budgets (name, required, quantile, confidence, resolution) and was
    decided by them."""
    if not per_shard[0] or not _same_budgets(per_shard):
        return False
    return all(_explained(o, b) for o, b in zip(decided, per_shard, strict=True))


def _same_budgets(per_shard: list[list[Measurement]]) -> bool:
    keys = [[_key(m) for m in bounded] for bounded in per_shard]
    return all(k == keys[0] for k in keys)


def pool(outcomes: Sequence[CaseOutcome]) -> CaseOutcome | None:
    """The case decided on the runs of every shard that ran it (``outcomes``: the real ones, not
    the "not selected" placeholders), or None when pooling does not apply."""
    decided = [o for o in outcomes if o.status in ("verified", "failing") or o.reason == "inconclusive"]
    if len(decided) < 2 or len(decided) != len(outcomes):
        return None
    per_shard = [_bounded(o) for o in decided]
    if not _poolable(decided, per_shard):
        return None
    # Every shard has the same budgets in the same order (``_poolable``): one per position.
    return _outcome(decided, [_pooled(shards) for shards in zip(*per_shard, strict=True)])


def _pooled(shards: Sequence[Measurement]) -> tuple[Measurement, stats.Judgement]:
    """One budget judged on the merged histograms of every shard's runs, and its figure from them."""
    first = shards[0]
    histogram = stats.merge(h for m in shards if (h := m.histogram) is not None)
    judgement = _judge(first, histogram)
    bounds = judgement.bounds
    value = round(histogram.percentile(bounds.quantile * 100), 3)
    return replace(first, value=value, bounds=bounds, histogram=histogram), judgement


def _unmet(m: Measurement, judgement: stats.Judgement, shards: str) -> tuple[Status, str, str] | None:
    """The status, reason and message of a budget the pooled runs do not verify, or None."""
    bounds = judgement.bounds
    head = f"{m.name}: {m.describe()} ({shards})"
    if judgement.verdict == "failing":
        why = f"its {bounds.confidence * 100:g} % lower confidence bound {bounds.lower:.4g} {m.unit} over"
        return "failing", "", f"{head}; {why} {bounds.runs} runs is beyond the budget"
    if judgement.verdict == "inconclusive":
        return "pending", "inconclusive", f"{head}; inconclusive: {judgement.why}"
    return None


def _outcome(decided: Sequence[CaseOutcome], judgements: list[tuple[Measurement, stats.Judgement]]) -> CaseOutcome:
    pooled = [m for m, _ in judgements]
    shards = f"pooled over {len(decided)} shards"
    steps = decided[0].steps
    for m, judgement in judgements:
        unmet = _unmet(m, judgement, shards)
        if unmet is not None:
            return CaseOutcome(*unmet, tuple(pooled), steps)
    if all(_complete(o) for o in decided):
        return CaseOutcome("verified", "", "", tuple(pooled), "." * len(steps))
    message = (
        f"{shards}, every median and percentile budget is within its bound, but no shard ran the steps after "
        "them: run the case again with enough runs in one shard to decide it"
    )
    return CaseOutcome("pending", "inconclusive", message, tuple(pooled), steps)
