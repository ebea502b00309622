"""The HTML page's steps: each case's steps, hook steps and attachments (part of ``reports.html``)."""

from __future__ import annotations

from collections.abc import Sequence

from living_checklist.core.attach import Attachment
from living_checklist.core.escape import html_text as escape
from living_checklist.core.inventory import Case
from living_checklist.core.status import CaseOutcome, RequirementResult
from living_checklist.reports.results import HookStep, case_steps, duration_at

STEP_CASES_SHOWN = 20  # cases of an outline whose steps are listed


def duration_text(nanos: int) -> str:
    if nanos >= 1_000_000_000:
        return f"{nanos / 1e9:.2f} s"
    if nanos >= 1_000_000:
        return f"{nanos / 1e6:.1f} ms"
    return f"{nanos / 1e3:.0f} µs"


def _step_item(status: str, text: str, nanos: int | None) -> str:
    took = (
        f'<span class="dur" data-duration="{nanos / 1e6:.3f}">{duration_text(nanos)}</span>'
        if nanos is not None
        else ""
    )
    return (
        f'<li class="step step-{status}"><span class="sbadge {status}">{status}</span> <code>{text}</code>{took}</li>'
    )


def steps(result: RequirementResult) -> str:
    """Each case's steps with their status and duration (the first cases of a long outline), and
    its setup or teardown as a hook step where the case's status came from there."""
    req = result.requirement
    blocks = []
    pairs = list(zip(req.cases, result.cases, strict=False))
    for case, case_result in pairs[:STEP_CASES_SHOWN]:
        if not case.steps:
            continue
        label = f"Steps of {case_result.nodeid.rsplit('::', 1)[-1]}" if len(pairs) > 1 else "Steps"
        items = "".join(_case_items(case, case_result.outcome))
        blocks.append(f'<details class="steps"><summary>{escape(label)}</summary><ol>{items}</ol></details>')
    if len(pairs) > STEP_CASES_SHOWN:
        more = len(pairs) - STEP_CASES_SHOWN
        blocks.append(f'<p class="muted">Steps of {more} more cases are in the JSON report.</p>')
    return "".join(blocks)


def _case_items(case: Case, outcome: CaseOutcome) -> list[str]:
    """One case's items: its Before hook steps, each step with its attachments, its After hook steps."""
    shown = case_steps(outcome, len(case.steps))
    count = len(case.steps)
    items = [_hook_items(hook, shown.attachments.get(-1, [])) for hook in shown.before]
    for index, (step, status) in enumerate(zip(case.steps, shown.steps, strict=True)):
        items.append(_step_item(status, f"{escape(step.keyword)}{escape(step.text)}", duration_at(outcome, index)))
        items += [_attached(a) for a in shown.attachments.get(index, [])]
    return items + [_hook_items(hook, shown.attachments.get(count, [])) for hook in shown.after]


_HOOK_TEXT = {"before": "(setup)", "after": "(teardown)"}
_HOOK_KIND = {"before": "Before", "after": "After"}


def _hook_items(hook: HookStep, generic: list[Attachment]) -> str:
    """A hook step (a recorded hook by its name and code, or the generic setup or teardown), its
    message when it did not pass, and its attachments."""
    run = hook.run
    if run is None:
        return _step_item(hook.status, _HOOK_TEXT[hook.side], None) + _all_attached(generic)
    text = f"{_HOOK_KIND[hook.side]} hook {escape(run.name)} ({escape(run.uri)}:{run.line})"
    item = _step_item(hook.status, text, run.nanos)
    if hook.status != "passed" and run.message:
        item += f'<li class="attachment"><pre>{escape(run.message)}</pre></li>'
    return item + _all_attached(run.attachments)


def _all_attached(attachments: Sequence[Attachment]) -> str:
    return "".join(_attached(a) for a in attachments)


ATTACHMENT_CHARS = 4000  # of a text attachment shown in the page (the Messages hold all of it)


def _attached(attachment: Attachment) -> str:
    """An attachment under its step: name, media type and size; the text of a text one."""
    data = attachment.data()
    label = f"{attachment.name + ' ' if attachment.name else ''}({attachment.media_type}, {len(data)} bytes)"
    text = _attached_text(attachment)
    return f'<li class="attachment"><span class="muted">attached {escape(label)}</span>{text}</li>'


def _attached_text(attachment: Attachment) -> str:
    """A text attachment's text (its first ``ATTACHMENT_CHARS`` characters); nothing for another."""
    if attachment.base64 or not (attachment.media_type.startswith("text/") or attachment.media_type.endswith("json")):
        return ""
    body = attachment.body
    shown = body if len(body) <= ATTACHMENT_CHARS else body[:ATTACHMENT_CHARS] + "…"
    return f"<pre>{escape(shown)}</pre>"
