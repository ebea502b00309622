"""Cucumber Messages' step and hook runs (part of ``reports.messages``): timestamps and durations, a
testStepResult, a test step's ``testStepStarted`` / attachments / ``testStepFinished``, a hook step's
run, and the test-run hooks' ``testRunHookStarted`` / ``testRunHookFinished``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gherkin.stream.id_generator import IdGenerator

from living_checklist.core.attach import Attachment
from living_checklist.core.hooks import HookRun
from living_checklist.reports.results import MESSAGE_STATUS, HookStep, StepStatus


def timestamp(seconds: float) -> dict[str, int]:
    nanos = int(round(seconds * 1e9))
    return {"seconds": nanos // 1_000_000_000, "nanos": nanos % 1_000_000_000}


def duration(nanos: int) -> dict[str, int]:
    return {"seconds": nanos // 1_000_000_000, "nanos": nanos % 1_000_000_000}


def hook_run(
    where: tuple[str, str], clock: float, hook: HookStep, generic: Sequence[Attachment], exception: str
) -> Iterator[dict[str, Any]]:
    """A hook step's envelopes: its own run's result and attachments, or the generic hook's."""
    run = hook.run
    if run is None:
        yield from step_run(where, clock, 0, result(hook.status, hook.message, exception), generic)
        return
    outcome = result(run.status, run.message, run.exception, run.nanos)
    yield from step_run(where, hook_start(clock, hook), run.nanos, outcome, run.attachments)


def hook_start(clock: float, hook: HookStep) -> float:
    """When a hook step began: when its run did, but not before the step before it ended."""
    return max(clock, hook.run.started) if hook.run is not None else clock


def hook_end(clock: float, hook: HookStep) -> float:
    return hook_start(clock, hook) + (hook.run.nanos / 1e9 if hook.run is not None else 0.0)


def result(status: StepStatus, message: str, exception: str, nanos: int = 0) -> dict[str, Any]:
    """A testStepResult: the status, how long, and the message (and exception) of the one that stopped."""
    out: dict[str, Any] = {"status": MESSAGE_STATUS[status], "duration": duration(nanos)}
    if message:
        out["message"] = message
        if status == "failed" and exception:
            out["exception"] = {"type": exception, "message": message}
    return out


def step_run(
    where: tuple[str, str],
    clock: float,
    nanos: int,
    result: dict[str, Any],
    attachments: Sequence[Attachment] = (),
    suggestion: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """testStepStarted, the suggestion for an undefined step, its attachments, testStepFinished."""
    started_id, step_id = where
    yield {"testStepStarted": {"testCaseStartedId": started_id, "testStepId": step_id, "timestamp": timestamp(clock)}}
    if suggestion is not None:
        yield {"suggestion": suggestion}
    for attachment in attachments:
        yield {
            "attachment": {"testCaseStartedId": started_id, "testStepId": step_id, **attachment_body(attachment, clock)}
        }
    yield {
        "testStepFinished": {
            "testCaseStartedId": started_id,
            "testStepId": step_id,
            "testStepResult": result,
            "timestamp": timestamp(clock + nanos / 1e9),
        }
    }


def attachment_body(attachment: Attachment, clock: float) -> dict[str, Any]:
    body: dict[str, Any] = {
        "body": attachment.body,
        "contentEncoding": "BASE64" if attachment.base64 else "IDENTITY",
        "mediaType": attachment.media_type,
        "timestamp": timestamp(clock),
    }
    if attachment.name:
        body["fileName"] = attachment.name
    return body


def test_run_hook_envelopes(
    ids: IdGenerator, runs: Sequence[HookRun], hooks: dict[Any, str], run_id: str
) -> Iterator[dict[str, Any]]:
    """testRunHookStarted, its attachments, testRunHookFinished for each run."""
    for run in runs:
        started_id = ids.get_next_id()
        clock = run.started
        yield {
            "testRunHookStarted": {
                "id": started_id, "testRunStartedId": run_id, "hookId": hooks[run.key], "timestamp": timestamp(clock),
            }
        }  # fmt: skip
        for attachment in run.attachments:
            yield {"attachment": {"testRunHookStartedId": started_id, **attachment_body(attachment, clock)}}
        finished = {
            "testRunHookStartedId": started_id,
            "timestamp": timestamp(clock + run.nanos / 1e9),
            "result": result(run.status, run.message, run.exception, run.nanos),
        }
        yield {"testRunHookFinished": finished}
