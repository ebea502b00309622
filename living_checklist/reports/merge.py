"""Merge shard reports into the checklist one unsharded run gives. Pure: checklists in, one out.

Each shard (a CI job running a slice with pytest-split, a matrix entry, ``-k``) writes a JSON
report of the whole inventory: the cases it ran have their outcome, the others are "not
selected" (or pending, when that is known from the Gherkin alone). Per case the real outcome
wins over "not selected"; two shards that both ran a case overlap (the worse status wins, in the
status order, and the overlap is named); a case no shard ran is missing (a shard did not report).
Reports of different feature sets are refused: they are not slices of one checklist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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

PLACEHOLDER_REASONS = frozenset({"not-selected", "not-run"})


class MergeError(ValueError):
    """Reports that cannot be merged: says which and why."""


@dataclass(frozen=True)
class Merged:
    checklist: Checklist
    missing: tuple[str, ...] = ()  # node ids no shard ran
    overlapping: tuple[tuple[str, tuple[str, ...]], ...] = ()  # node id, shards that both ran it


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
    parts = []
    for label, keys in ((f"only in {first}", only_first), (f"only in {name}", only_other), ("differ", changed)):
        if keys:
            shown = ", ".join(f"{f}:{line}" for f, line in keys[:3])
            shown += f" and {len(keys) - 3} more" if len(keys) > 3 else ""
            parts.append(f"{len(keys)} requirement(s) {label} ({shown})")
    return f"{name} covers other feature files than {first}: " + "; ".join(parts)


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


def merge(shards: Sequence[tuple[str, Checklist]]) -> Merged:
    if not shards:
        raise MergeError("no report to merge")
    first_name, first = shards[0]
    for name, checklist in shards[1:]:
        problem = _difference(name, first_name, first, checklist)
        if problem:
            raise MergeError(problem)
    rank = {status: i for i, status in enumerate(STATUSES)}
    missing: list[str] = []
    overlapping: list[tuple[str, tuple[str, ...]]] = []
    indexes = [{(r.requirement.feature, r.requirement.line): r for r in c.results} for _, c in shards]
    results = []
    for base in first.results:
        key = (base.requirement.feature, base.requirement.line)
        per_shard = [index[key] for index in indexes]
        cases = []
        for position, case in enumerate(base.cases):
            outcomes = [(name, r.cases[position].outcome) for (name, _), r in zip(shards, per_shard, strict=True)]
            ran = [name for name, o in outcomes if _ran(o)]
            if len(ran) > 1:
                overlapping.append((case.nodeid, tuple(ran)))
            real = [o for _, o in outcomes if _is_real(o)]
            if real:
                chosen = min(real, key=lambda o: rank[o.status])
            else:
                missing.append(case.nodeid)
                chosen = CaseOutcome("skipped", "not-selected", NOT_SELECTED)
                stopped = [o for _, o in outcomes if o.reason == "not-run"]
                if stopped:
                    chosen = stopped[0]
            cases.append(CaseResult(case.nodeid, chosen))
        if cases:
            status, reason, message = requirement_status([c.outcome for c in cases])
            status, reason, message = _decided(per_shard, status, reason, message)
        else:  # no cases: pending (empty), or an error one shard saw
            worst = min(per_shard, key=lambda r: rank[r.status])
            status, reason, message = worst.status, worst.reason, worst.message
        results.append(replace(base, status=status, reason=reason, message=message, cases=tuple(cases)))
    errors = tuple(dict.fromkeys(e for _, c in shards for e in c.errors))
    findings = tuple(dict.fromkeys(f for _, c in shards for f in c.findings))
    checklist = Checklist(
        results=tuple(results),
        errors=errors,
        complete=all(c.complete for _, c in shards),
        totals=totals(results),
        findings=findings,
        seeds=first.seeds,
        environment=first.environment,
        quality=first.quality,
    )
    return Merged(checklist, tuple(missing), tuple(overlapping))


def describe(merged: Merged, limit: int = 10) -> list[str]:
    """What the user should know about the shards: missing and overlapping cases."""
    lines = []
    if merged.missing:
        lines.append(f"missing: {len(merged.missing)} case(s) no shard ran (did a shard not report?)")
        lines += [f"  {nodeid}" for nodeid in merged.missing[:limit]]
        if len(merged.missing) > limit:
            lines.append(f"  ... and {len(merged.missing) - limit} more")
    if merged.overlapping:
        count = len(merged.overlapping)
        lines.append(f"overlapping: {count} case(s) ran in more than one shard (the worse outcome is kept)")
        lines += [f"  {nodeid}: {', '.join(names)}" for nodeid, names in merged.overlapping[:limit]]
        if len(merged.overlapping) > limit:
            lines.append(f"  ... and {len(merged.overlapping) - limit} more")
    return lines
