"""Planning, pure: what is known about a case before any step runs — one rule for the run and the dry run.

``known_outcome`` is the only place that decides it; the pytest items (``run.collect``) and the dry run
(``living-checklist status``) both call it, so they cannot disagree. In this order: a case without
steps (or an outline without rows) is pending (empty); an ambiguous step is an error (whatever else
the case holds, a ``TBD`` included); then a ``TBD`` value is pending; then an undefined step is
pending. ``None`` means every step is defined and the case is ready to run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from living_checklist.core.inventory import Case, Requirement, Step
from living_checklist.core.status import CaseOutcome


class Definition(Protocol):
    def describe(self) -> str: ...


class Resolved(Protocol):
    """What the step registry found for one step (``run.registry.Resolution``)."""

    @property
    def step(self) -> Step: ...

    @property
    def matches(self) -> Sequence[Definition]: ...

    @property
    def undefined(self) -> bool: ...

    @property
    def ambiguous(self) -> bool: ...


def is_tagged(req: Requirement, case: Case | None) -> bool:
    return case.tagged_pending if case is not None else req.tagged_pending


def _pending_reason(req: Requirement, case: Case, otherwise: str) -> str:
    """``tagged`` for a case tagged ``@pending``, else the reason it is pending for."""
    return "tagged" if is_tagged(req, case) else otherwise


def static_outcome(req: Requirement, case: Case | None) -> CaseOutcome | None:
    """What the Gherkin alone decides: no rows or no steps (empty). Nothing else is known without
    the step definitions (a ``TBD`` step that is also ambiguous is an error, see ``known_outcome``)."""
    if case is None:
        return CaseOutcome("pending", "empty", "no cases: the outline's Examples have no rows")
    if not case.steps:
        reason = _pending_reason(req, case, "empty")
        return CaseOutcome("pending", reason, "no steps: write the steps of this scenario")
    return None


R = TypeVar("R", bound=Resolved)


def known_outcome(
    req: Requirement, case: Case | None, resolve: Callable[[Sequence[Step]], tuple[R, ...]]
) -> tuple[CaseOutcome | None, tuple[R, ...]]:
    """The outcome known before running and the resolved steps (to run when the outcome is None)."""
    known = static_outcome(req, case)
    if known is not None or case is None:
        return known, ()
    resolutions = resolve(case.steps)
    return plan_outcome(req, case, resolutions), resolutions


def plan_outcome(req: Requirement, case: Case, resolutions: Sequence[Resolved]) -> CaseOutcome | None:
    """For a case with steps: ambiguous (error), then TBD, then undefined (pending), else None."""
    return _ambiguous(req, resolutions) or _tbd(req, case) or _undefined(req, case, resolutions)


def _ambiguous(req: Requirement, resolutions: Sequence[Resolved]) -> CaseOutcome | None:
    ambiguous = [r for r in resolutions if r.ambiguous]
    if not ambiguous:
        return None
    first = ambiguous[0]
    lines = [
        f"ambiguous step: {first.step.keyword}{first.step.text} ({req.feature}:{first.step.line}) "
        f"matches {len(first.matches)} definitions at the same level"
    ]
    for res in ambiguous:
        lines.append(f"  {req.feature}:{res.step.line}:{res.step.column}: {res.step.keyword}{res.step.text}")
        lines.extend(f"    matches {stepdef.describe()}" for stepdef in res.matches)
    lines.append("Make one pattern more specific, or move one definition to a closer conftest.py.")
    # A TBD step is pending, as in a case that is not ambiguous, though its TBD matches no definition.
    return CaseOutcome("error", "ambiguous", "\n".join(lines), steps="".join(map(_ambiguous_code, resolutions)))


def _ambiguous_code(res: Resolved) -> str:
    """A step's code in an ambiguous case: E ambiguous, P TBD, U undefined, - otherwise."""
    if res.ambiguous:
        return "E"
    if res.step.has_tbd:
        return "P"
    return "U" if res.undefined else "-"


def _tbd(req: Requirement, case: Case) -> CaseOutcome | None:
    tbd = [step for step in case.steps if step.has_tbd]
    if not tbd:
        return None
    where = ", ".join(f"line {step.line}" for step in tbd)
    return CaseOutcome(
        "pending",
        _pending_reason(req, case, "tbd"),
        f"TBD at {where}: replace TBD with the required value",
        steps="".join("P" if step.has_tbd else "-" for step in case.steps),
    )


def _undefined(req: Requirement, case: Case, resolutions: Sequence[Resolved]) -> CaseOutcome | None:
    undefined = [r.step for r in resolutions if r.undefined]
    if not undefined:
        return None
    first = undefined[0]
    count = f"{len(undefined)} undefined steps, first" if len(undefined) > 1 else "undefined step"
    # One line: which steps are undefined is in the step codes, and their snippets are printed (and
    # stored in the JSON report) once per run, not once per case.
    message = f"{count}: {first.keyword}{first.text} ({req.feature}:{first.line})"
    codes = "".join("U" if r.undefined else "-" for r in resolutions)
    reason = _pending_reason(req, case, "undefined")
    return CaseOutcome("pending", reason, message, steps=codes)
