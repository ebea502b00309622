"""Merge shard reports into the checklist one unsharded run gives. Pure: checklists in, one out.

Each shard (a CI job running a slice with pytest-split, a matrix entry, ``-k``) writes a JSON
report of the whole inventory: the cases it ran have their outcome, the others are "not
selected" (or pending, when that is known from the Gherkin alone). Per case the real outcome
wins over "not selected"; two shards that both ran a case overlap (the worse status wins, in the
status order, and the overlap is named); a case no shard ran is missing (a shard did not report).
Reports of different feature sets are refused: they are not slices of one checklist.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from living_checklist.core.status import (
    NOT_SELECTED,
    STATUSES,
    CaseOutcome,
    CaseResult,
    Checklist,
    RequirementResult,
    Status,
    requirement_status,
    totals,
)
from living_checklist.reports.pool import pool

T = TypeVar("T", bound=Hashable)

PLACEHOLDER_REASONS = frozenset({"not-selected", "not-run"})


class MergeError(ValueError):
    """Reports that cannot be merged: says which and why."""


@dataclass(frozen=True)
class Merged:
    checklist: Checklist
    missing: tuple[str, ...] = ()  # node ids no shard ran
    overlapping: tuple[tuple[str, tuple[str, ...]], ...] = ()  # node id, shards that both ran it
    pooled: tuple[str, ...] = ()  # node ids decided again on the merged histograms of every shard


def shape(checklist: Checklist) -> dict[tuple[str, int], tuple[str, tuple[str, ...]]]:
    """What a report covers: each requirement (feature, line) with its id and case node ids."""
    return {
        (r.requirement.feature, r.requirement.line): (r.requirement.id, tuple(c.nodeid for c in r.cases))
        for r in checklist.results
    }


def _difference(name: str, first: str, a: Checklist, b: Checklist) -> str | None:
    left, right = shape(a), shape(b)
    if left == right:
        return None
    only_first = sorted(set(left) - set(right))
    only_other = sorted(set(right) - set(left))
    changed = sorted(k for k in set(left) & set(right) if left[k] != right[k])
    kinds = ((f"only in {first}", only_first), (f"only in {name}", only_other), ("differ", changed))
    parts = [_requirements_part(label, keys) for label, keys in kinds if keys]
    return f"{name} covers other feature files than {first}: " + "; ".join(parts)


def _requirements_part(label: str, keys: Sequence[tuple[str, int]]) -> str:
    """``2 requirement(s) differ (a.feature:3, b.feature:9)``: the first three places, the rest counted."""
    shown = ", ".join(f"{f}:{line}" for f, line in keys[:3])
    shown += f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return f"{len(keys)} requirement(s) {label} ({shown})"


def _is_real(outcome: CaseOutcome) -> bool:
    return outcome.reason not in PLACEHOLDER_REASONS


def _ran(outcome: CaseOutcome) -> bool:
    """An outcome only the shard that ran the case can have (a pending one may be known statically)."""
    return _is_real(outcome) and outcome.status != "pending"


# Reasons a requirement has from core.decisions (manual evidence, suspect imports), not from its cases:
# every shard read the same records and import states, so what one shard decided holds for all.
_DECIDED = ("manual", "expired", "evidence", "suspect")


def _decided(
    per_shard: Sequence[RequirementResult], status: Status, reason: str, message: str
) -> tuple[Status, str, str]:
    decided = next((r for r in per_shard if r.reason in _DECIDED), None)
    if decided is None or (status in ("error", "failing") and decided.status != "error"):
        return status, reason, message
    return decided.status, decided.reason, decided.message


_RANK = {status: i for i, status in enumerate(STATUSES)}


def _case_outcome(outcomes: list[tuple[str, CaseOutcome]]) -> tuple[CaseOutcome, tuple[str, ...], bool]:
    """The merged outcome of one case, the shards that ran it, and whether no shard did."""
    ran = tuple(name for name, o in outcomes if _ran(o))
    real = [o for _, o in outcomes if _is_real(o)]
    if real:
        return min(real, key=lambda o: (_RANK[o.status], o.reason, o.message)), ran, False  # any order: one answer
    return _unrun(outcomes), ran, True


def _unrun(outcomes: list[tuple[str, CaseOutcome]]) -> CaseOutcome:
    """A case no shard ran: "not run" where a shard stopped before it, else "not selected"."""
    unselected = CaseOutcome("skipped", "not-selected", NOT_SELECTED)
    return next((o for _, o in outcomes if o.reason == "not-run"), unselected)


def _merged_result(
    base: RequirementResult, per_shard: list[tuple[str, RequirementResult]], merged: _Found
) -> RequirementResult:
    """One requirement from the shards that report it (``merged`` collects missing and overlapping)."""
    cases = [
        _merged_case(case.nodeid, [(name, r.cases[position].outcome) for name, r in per_shard], merged)
        for position, case in enumerate(base.cases)
    ]
    status, reason, message = _requirement_status(cases, [r for _, r in per_shard])
    return replace(base, status=status, reason=reason, message=message, cases=tuple(cases))


def _requirement_status(cases: Sequence[CaseResult], per_shard: Sequence[RequirementResult]) -> tuple[Status, str, str]:
    """The merged requirement's status, reason and message: from its merged cases (and what a shard
    decided without them); without cases, the worst a shard saw (pending when empty, or an error)."""
    if cases:
        status, reason, message = requirement_status([c.outcome for c in cases])
        return _decided(per_shard, status, reason, message)
    worst = min(per_shard, key=lambda r: _RANK[r.status])
    return worst.status, worst.reason, worst.message


def _merged_case(nodeid: str, outcomes: list[tuple[str, CaseOutcome]], merged: _Found) -> CaseResult:
    """One case from each shard's outcome of it (``merged`` collects pooled, overlapping and missing)."""
    chosen, ran, lost = _case_outcome(outcomes)
    together = pool([o for _, o in outcomes if _is_real(o)])
    if together is not None:  # several shards ran its budgets: decided on all their runs
        chosen = together
        merged.pooled.append(nodeid)
    if len(ran) > 1:
        merged.overlapping.append((nodeid, ran))
    if lost:
        merged.missing.append(nodeid)
    return CaseResult(nodeid, chosen)


@dataclass
class _Found:
    missing: list[str] = field(default_factory=list)
    overlapping: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    pooled: list[str] = field(default_factory=list)


def merge(shards: Sequence[tuple[str, Checklist]]) -> Merged:
    if not shards:
        raise MergeError("no report to merge")
    first_name, first = shards[0]
    problem = next(filter(None, (_difference(name, first_name, first, c) for name, c in shards[1:])), None)
    if problem:
        raise MergeError(problem)
    found = _Found()
    indexes = [(name, _by_place(c)) for name, c in shards]
    results = []
    for base in first.results:
        key = (base.requirement.feature, base.requirement.line)
        results.append(_merged_result(base, [(name, index[key]) for name, index in indexes], found))
    return Merged(_checklist(shards, results), tuple(found.missing), tuple(found.overlapping), tuple(found.pooled))


def _by_place(checklist: Checklist) -> dict[tuple[str, int], RequirementResult]:
    """The requirements by where they are written: feature file and line."""
    return {(r.requirement.feature, r.requirement.line): r for r in checklist.results}


def _checklist(shards: Sequence[tuple[str, Checklist]], results: list[RequirementResult]) -> Checklist:
    """The merged results with every shard's errors and findings (once each); the rest is the first's."""
    first = shards[0][1]
    return Checklist(
        results=tuple(results),
        errors=_once_each(c.errors for _, c in shards),
        complete=all(c.complete for _, c in shards),
        totals=totals(results),
        findings=_once_each(c.findings for _, c in shards),
        seeds=first.seeds,
        environment=first.environment,
        quality=first.quality,
    )


def _once_each(groups: Iterable[Iterable[T]]) -> tuple[T, ...]:
    """Every item of the groups once, in the order first seen."""
    return tuple(dict.fromkeys(item for group in groups for item in group))


def describe(merged: Merged, limit: int = 10) -> list[str]:
    """What the user should know about the shards: missing and overlapping cases."""
    lines = []
    if merged.missing:
        lines.append(f"missing: {len(merged.missing)} case(s) no shard ran (did a shard not report?)")
        lines += _listed(merged.missing, limit)
    if merged.overlapping:
        count = len(merged.overlapping)
        lines.append(
            f"overlapping: {count} case(s) ran in more than one shard (the worse outcome is kept, unless pooled)"
        )
        lines += _listed([f"{nodeid}: {', '.join(names)}" for nodeid, names in merged.overlapping], limit)
    if merged.pooled:
        lines.append(f"pooled: {len(merged.pooled)} case(s) decided on the merged histograms of every shard's runs")
        lines += [f"  {nodeid}" for nodeid in merged.pooled[:limit]]
    return lines


def _listed(items: Sequence[str], limit: int) -> list[str]:
    """The first ``limit`` items indented, then how many more there are."""
    lines = [f"  {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return lines
