"""Planning, pure: what is known about a case before any step runs.

Shared by the pytest items and the dry run (``living-checklist status``), so both decide alike:
an ambiguous step is an error first, then an empty case or a ``TBD`` value is pending, then an
undefined step is pending with a ready-to-paste snippet. ``None`` means the case is ready to run.
"""

from __future__ import annotations

from living_checklist.core.inventory import Case, Requirement
from living_checklist.core.status import CaseOutcome
from living_checklist.run.registry import Resolution


def is_tagged(req: Requirement, case: Case | None) -> bool:
    return case.tagged_pending if case is not None else req.tagged_pending


def static_outcome(req: Requirement, case: Case | None) -> CaseOutcome | None:
    """The outcome known from the Gherkin alone: empty, TBD, or nothing yet."""
    tagged = is_tagged(req, case)
    if case is None:
        return CaseOutcome("pending", "empty", "no cases: the outline's Examples have no rows")
    if not case.steps:
        return CaseOutcome("pending", "tagged" if tagged else "empty", "no steps: write the steps of this scenario")
    tbd = [step for step in case.steps if step.has_tbd]
    if tbd:
        where = ", ".join(f"line {step.line}" for step in tbd)
        return CaseOutcome(
            "pending",
            "tagged" if tagged else "tbd",
            f"TBD at {where}: replace TBD with the required value",
            steps="".join("P" if step.has_tbd else "-" for step in case.steps),
        )
    return None


def plan_outcome(req: Requirement, case: Case, resolutions: tuple[Resolution, ...]) -> CaseOutcome | None:
    """The outcome known before running, in this order: ambiguous (error), then empty/TBD, then
    undefined (pending). None means every step is defined and the case is ready to run."""
    ambiguous = [r for r in resolutions if r.ambiguous]
    if ambiguous:
        lines = [f"ambiguous step: {len(ambiguous[0].matches)} definitions match at the same level"]
        for res in ambiguous:
            lines.append(f"  {req.feature}:{res.step.line}:{res.step.column}: {res.step.keyword}{res.step.text}")
            lines.extend(f"    matches {stepdef.describe()}" for stepdef in res.matches)
        lines.append("Make one pattern more specific, or move one definition to a closer conftest.py.")
        codes = "".join("E" if r.ambiguous else "U" if r.undefined else "-" for r in resolutions)
        return CaseOutcome("error", "ambiguous", "\n".join(lines), steps=codes)
    known = static_outcome(req, case)
    if known is not None:
        return known
    undefined = [r.step for r in resolutions if r.undefined]
    if undefined:
        first = undefined[0]
        count = f"{len(undefined)} undefined steps, first" if len(undefined) > 1 else "undefined step"
        # One line: which steps are undefined is in the step codes, and their snippets are
        # printed (and stored in the JSON report) once per run, not once per case.
        message = f"{count}: {first.keyword}{first.text} ({req.feature}:{first.line})"
        codes = "".join("U" if r.undefined else "-" for r in resolutions)
        reason = "tagged" if is_tagged(req, case) else "undefined"
        return CaseOutcome("pending", reason, message, steps=codes)
    return None
