"""Cucumber's view of one case: each step's status, the hook steps, and where the message goes.

One table and one rule for every report that shows steps (Cucumber JSON, Cucumber Messages, the
HTML), so that they cannot disagree with each other or with the case's status:

- Step codes (see ``status.CaseOutcome.steps``) map to Cucumber's statuses; ``E`` is ``ambiguous``
  in an ambiguous case and ``failed`` otherwise.
- Cucumber's order: after the first step that did not pass, defined steps are ``skipped``; an
  undefined or ambiguous step (and a ``TBD`` after a failed step) keeps its status unless a step
  skipped itself in a skipped case, after which every step is ``skipped`` (the kit's
  ``failedish-combinations`` sample). A case that stays pending or error after a step before its
  undefined, ambiguous or ``TBD`` step skipped keeps those steps' statuses: they carry the case's
  status, which the checklist counts as not defined (README, "Cucumber Messages").
- A ``F`` or ``-`` code is only ever on a step that started (the run writes no code for a step
  that a failure before it kept from starting). A status that no step explains came from outside
  the steps: before any step passed (a failed setup, pytest-bdd's before-scenario hook) it is a
  Before hook, and the steps stay skipped; after one (teardown, the after-scenario hook) it is an
  After hook. A case that does not pass never shows only passed steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from living_checklist.core.attach import MEASUREMENT_MEDIA_TYPE, Attachment
from living_checklist.core.hooks import HookRun
from living_checklist.core.status import AFTER_SCENARIO_REASON, CaseOutcome

StepStatus = Literal["passed", "failed", "skipped", "pending", "undefined", "ambiguous"]
HookSide = Literal["before", "after"]

CODE_STATUS: dict[str, StepStatus] = {
    ".": "passed",
    "F": "failed",
    "E": "failed",
    "P": "pending",
    "U": "undefined",
    "-": "skipped",
}
# Cucumber's TestStepResultStatus for each status (Cucumber Messages).
MESSAGE_STATUS: dict[StepStatus, str] = {status: status.upper() for status in [*CODE_STATUS.values(), "ambiguous"]}
_KEPT_AFTER_FAILEDISH = frozenset({"undefined", "ambiguous"})
_CASE_HOOK_STATUS: dict[str, StepStatus] = {
    "failing": "failed",
    "error": "failed",
    "pending": "pending",
    "skipped": "skipped",
}
_NO_HOOK_REASONS = frozenset({"not-selected"})
_AFTER_STEPS_REASONS = frozenset({"teardown", AFTER_SCENARIO_REASON})  # failed after whatever the steps did


@dataclass(frozen=True)
class HookStep:
    """A setup or teardown step Cucumber shows as a hook: its side, status and message, and the
    hook's own run (``core.hooks``) where one was recorded; None for the generic setup or teardown
    hook that stands for what no recorded hook explains."""

    side: HookSide
    status: StepStatus
    message: str
    run: HookRun | None = None


@dataclass(frozen=True)
class CaseSteps:
    """What a report shows for one case: hooks before, pickle steps, hooks after."""

    before: tuple[HookStep, ...]
    steps: tuple[StepStatus, ...]
    after: tuple[HookStep, ...]
    stopper: int | None  # the step that carries the case's message, if a step does
    message: str
    # Attachments by where they were made: a step's index, -1 the Before hook, len(steps) the After.
    attachments: dict[int, list[Attachment]]

    @property
    def message_step(self) -> int | None:
        """The step that shows the message: the stopper, unless a hook that did not pass carries it."""
        if any(hook.status != "passed" for hook in (*self.before, *self.after)):
            return None
        return self.stopper


def raw_statuses(codes: str, count: int, reason: str = "") -> list[StepStatus]:
    """One status per step from the codes alone; missing codes are steps not run (skipped)."""
    statuses: list[StepStatus] = [CODE_STATUS.get(code, "skipped") for code in codes[:count]]
    if reason == "ambiguous":
        statuses = ["ambiguous" if code == "E" else s for code, s in zip(codes, statuses, strict=False)]
    return statuses + ["skipped"] * (count - len(statuses))


def cucumber_order(statuses: Sequence[StepStatus], self_skip: int) -> tuple[list[StepStatus], int | None]:
    """Cucumber's rule for the steps after the first one that did not pass, and that step's index.

    ``skipped`` stands for a step not run, which stops nothing, except a ``skipped`` before index
    ``self_skip`` (the coded steps of a skipped case): that is the step that skipped itself.
    """
    out: list[StepStatus] = []
    stopped: int | None = None
    for index, status in enumerate(statuses):
        if stopped is None:
            out.append(status)
            if status != "passed" and (status != "skipped" or index < self_skip):
                stopped = index
        elif out[stopped] != "skipped" and (
            status in _KEPT_AFTER_FAILEDISH or _tbd_after_failure(out[stopped], status)
        ):
            out.append(status)
        else:
            out.append("skipped")
    return out, stopped


def _tbd_after_failure(stop: StepStatus, status: StepStatus) -> bool:
    """A ``P`` code after a step that failed is a ``TBD`` (nothing after that step ran): the case is
    pending for it (README, "Gherkin and pytest-bdd"), so it shows, as an undefined step does."""
    return stop == "failed" and status == "pending"


def duration_at(outcome: CaseOutcome, index: int) -> int | None:
    """How long the step at ``index`` took (nanoseconds); None when no duration was recorded for it."""
    return outcome.durations[index] if index < len(outcome.durations) else None


def step_statuses(outcome: CaseOutcome, count: int) -> list[StepStatus]:
    """Each pickle step's status as Cucumber shows it (hooks aside)."""
    return list(case_steps(outcome, count).steps)


def attachments_at(outcome: CaseOutcome, count: int) -> dict[int, list[Attachment]]:
    """The case's attachments by position, its measurements as attachments on the last step that
    ran (after the steps when none did)."""
    found: dict[int, list[Attachment]] = {}
    for attachment in outcome.attachments:
        found.setdefault(max(-1, min(attachment.step, count)), []).append(attachment)
    ran = len(outcome.durations)
    where = ran - 1 if 0 < ran <= count else count
    for m in outcome.measurements:
        found.setdefault(where, []).append(Attachment(m.to_json(), MEASUREMENT_MEDIA_TYPE, False, m.name, where))
    return found


def case_steps(outcome: CaseOutcome, count: int) -> CaseSteps:
    """The hooks and steps of a case with ``count`` pickle steps, as Cucumber would show them; a
    setup or teardown that attached something is a (passed) hook step holding it."""
    shown = _case_steps(outcome, count)
    attachments = attachments_at(outcome, count)
    before, after = _generic_hooks(outcome, shown, attachments, count)
    ran = [HookStep("before" if r.before else "after", r.status, r.message, r) for r in outcome.hooks]
    before = (*_on_side(ran, "before"), *before)
    after = (*_on_side(ran, "after"), *after)
    return CaseSteps(before, shown.steps, after, shown.stopper, shown.message, attachments)


def _on_side(hooks: Sequence[HookStep], side: HookSide) -> list[HookStep]:
    return [h for h in hooks if h.side == side]


def _generic_hooks(
    outcome: CaseOutcome, shown: CaseSteps, attachments: Mapping[int, list[Attachment]], count: int
) -> tuple[tuple[HookStep, ...], tuple[HookStep, ...]]:
    """The generic Before and After hook steps: one that explains the status (unless a recorded
    hook does), or a passed one holding what the setup or teardown attached."""
    before, after = shown.before, shown.after
    if any(run.status != "passed" for run in outcome.hooks):
        before, after = (), ()  # a recorded hook explains the status: no generic hook
    return _holding(before, "before", -1 in attachments), _holding(after, "after", count in attachments)


def _holding(hooks: tuple[HookStep, ...], side: HookSide, attached: bool) -> tuple[HookStep, ...]:
    """The hook steps; when there are none and the setup or teardown attached something, a passed one holding it."""
    return (HookStep(side, "passed", ""),) if attached and not hooks else hooks


def _hook_explains(outcome: CaseOutcome, stopper: int | None) -> bool:
    """Whether the case's status came from outside its steps: no step stopped it (or it is a
    reason that comes after the steps), and it is not a reason that needs no hook step."""
    explained = stopper is not None and outcome.reason not in _AFTER_STEPS_REASONS
    return not (outcome.reason in _NO_HOOK_REASONS or explained)


def _case_steps(outcome: CaseOutcome, count: int) -> CaseSteps:
    message = outcome.message.strip()
    raw = raw_statuses(outcome.steps, count, outcome.reason)
    statuses, stopper = cucumber_order(raw, len(outcome.steps) if outcome.status == "skipped" else 0)
    hook_status = _CASE_HOOK_STATUS.get(outcome.status)
    if hook_status is None or not _hook_explains(outcome, stopper):
        return CaseSteps((), tuple(statuses), (), stopper, message, {})
    hook = (hook_status, message or f"{outcome.status}: {outcome.reason}")
    if "passed" not in statuses and outcome.reason not in _AFTER_STEPS_REASONS:
        return CaseSteps((HookStep("before", *hook),), tuple(statuses), (), None, message, {})
    return CaseSteps((), tuple(statuses), (HookStep("after", *hook),), None, message, {})
