"""The dry run's verdicts: each requirement's status as far as it is known without running a step
(``core.plan.known_outcome``, the rule the run uses), and their totals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from living_checklist.core.inventory import Case, Requirement, requirement_item_name
from living_checklist.core.pending import PENDING_REASONS
from living_checklist.core.plan import known_outcome
from living_checklist.dryrun.run import Project, ReadyStatus
from living_checklist.run.registry import StepRegistry


@dataclass(frozen=True)
class StaticCase:
    """A case's status without running it; ``summary`` is one line, ``message`` the run's full text."""

    nodeid: str
    status: ReadyStatus
    reason: str = ""
    summary: str = ""
    steps: str = ""
    message: str = ""  # the run's full text of what is known


@dataclass(frozen=True)
class StaticRequirement:
    requirement: Requirement
    nodeid: str
    status: ReadyStatus
    reason: str
    cases: tuple[StaticCase, ...]
    deciding: StaticCase | None = None  # the case whose reason the requirement takes
    known: str = ""  # the message of a requirement without cases

    @property
    def summary(self) -> str:
        return self.deciding.summary if self.deciding is not None else _first_line(self.known)

    @cached_property
    def message(self) -> str:
        if self.deciding is None:
            return self.known
        ready = sum(1 for c in self.cases if c.status == "ready")
        note = f"\n({ready} of {len(self.cases)} cases ready to run)" if ready else ""
        return self.deciding.message + note


@dataclass(frozen=True)
class StaticTotals:
    """Counts of a dry run. A ``ready`` requirement has every step of every case defined; running
    decides whether it is verified, failing, skipped or pending (a placeholder step)."""

    requirements: int = 0
    cases: int = 0
    ready_cases: int = 0
    ready: int = 0
    pending: int = 0
    error: int = 0
    pending_by_reason: Mapping[str, int] = field(default_factory=dict)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def classify_case(req: Requirement, case: Case, registry: StepRegistry) -> StaticCase:
    """What the run's item knows before running (``core.plan.known_outcome``, the one rule)."""
    nodeid = f"{req.feature}::{case.item_name}"
    outcome, _ = known_outcome(req, case, registry.resolve_all)
    if outcome is None:
        return StaticCase(nodeid, "ready", steps="-" * len(case.steps))
    status: ReadyStatus = "error" if outcome.status == "error" else "pending"
    return StaticCase(nodeid, status, outcome.reason, _first_line(outcome.message), outcome.steps, outcome.message)


def classify(req: Requirement, registry: StepRegistry) -> StaticRequirement:
    """A requirement's status as far as it is known without running, in the order error, pending, ready.

    One error case makes it an error; one pending case makes it pending (running its ready cases
    can only turn that into failing, never verified); only when every case is ready is it ready.
    """
    if not req.cases:
        return _caseless(req, registry)
    cases = tuple(classify_case(req, case, registry) for case in req.cases)
    for status in ("error", "pending"):
        deciding = next((c for c in cases if c.status == status), None)
        if deciding is not None:
            return StaticRequirement(req, cases[0].nodeid, deciding.status, deciding.reason, cases, deciding)
    return StaticRequirement(req, cases[0].nodeid, "ready", "", cases)


def _caseless(req: Requirement, registry: StepRegistry) -> StaticRequirement:
    """A requirement without cases: always pending (empty), on its own item."""
    known, _ = known_outcome(req, None, registry.resolve_all)
    assert known is not None  # a requirement without cases is always pending (empty)
    nodeid = f"{req.feature}::{requirement_item_name(req)}"
    return StaticRequirement(req, nodeid, "pending", known.reason, (), known=known.message)


def classify_all(project: Project) -> list[StaticRequirement]:
    return [classify(req, project.registry(doc)) for doc in project.inventory.features for req in doc.requirements]


def static_totals(results: Iterable[StaticRequirement]) -> StaticTotals:
    results = list(results)
    counts = Counter(r.status for r in results)
    reasons = Counter(r.reason for r in results if r.status == "pending")
    return StaticTotals(
        requirements=len(results),
        cases=sum(len(r.cases) for r in results),
        ready_cases=sum(1 for r in results for c in r.cases if c.status == "ready"),
        ready=counts["ready"],
        pending=counts["pending"],
        error=counts["error"],
        pending_by_reason={reason: reasons[reason] for reason in PENDING_REASONS},
    )


def static_by_area(results: Iterable[StaticRequirement]) -> dict[str, StaticTotals]:
    groups: dict[str, list[StaticRequirement]] = {}
    for result in results:
        groups.setdefault(result.requirement.area, []).append(result)
    return {area: static_totals(group) for area, group in sorted(groups.items())}
