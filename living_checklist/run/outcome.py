"""What a case's reports say: the pytest phase reports turned into checklist outcomes, carried to the
controller in ``user_properties``; pending becomes xfail without any traceback."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from living_checklist.core.attach import encode as encode_attachments
from living_checklist.core.hooks import encode as encode_hooks
from living_checklist.core.status import (
    AFTER_SCENARIO_REASON,
    CARRIED_ATTRIBUTE,
    CARRIED_PROPERTIES,
    CaseOutcome,
    carry_measurements,
)
from living_checklist.run import _compat
from living_checklist.run.collect import CARRIED_KEY, CaseItem, FeatureErrorItem
from living_checklist.run.definitions import relative_uri
from living_checklist.run.execute import PendingPassed, StepError
from living_checklist.run.hooks import has_fixture_hooks
from living_checklist.run.registry import StepDef

STATUS_PROPERTIES = CARRIED_PROPERTIES
EARLY_XFAIL_KEY = pytest.StashKey[str]()  # why mark_pending made the call an xfail: "lent" an XFailed, "tagged"
REF_SEPARATOR = "\x1f"  # between the fields of a step definition's key (see reports.messages.StepDefRef)


def stepdef_key(stepdef: StepDef, rootdir: Path) -> str:
    """``uri, line, kind, pattern`` of a definition, as one string a worker can send."""
    where, _, line = stepdef.location.rpartition(":")
    if not line.isdigit():
        where, line = stepdef.location, "0"
    uri = relative_uri(where, rootdir)
    kind = type(stepdef.context.parser).__name__
    return REF_SEPARATOR.join((uri, line, kind, stepdef.pattern))


def call_outcome(item: CaseItem, call: pytest.CallInfo[None]) -> CaseOutcome:
    """Classify the call phase of a case."""
    excinfo = call.excinfo
    if excinfo is None:
        return item.pending or CaseOutcome("verified", steps=item.step_codes("."))
    exc = excinfo.value
    if isinstance(exc, StepError):
        if item.pending is not None and item.pending.status == "error":
            return item.pending
        return CaseOutcome("error", "step", str(exc), steps=item.step_codes("E"))
    if isinstance(exc, pytest.skip.Exception | pytest.xfail.Exception):
        return _skipped_or_xfailed(item, exc, exc.msg)
    if isinstance(exc, PendingPassed):
        return CaseOutcome("failing", "", str(exc), steps=item.step_codes("."))
    return _failed(item, exc)


def _skipped_or_xfailed(item: CaseItem, exc: BaseException, msg: str | None) -> CaseOutcome:
    """A step (or a hook) called ``pytest.skip`` (skipped) or ``pytest.xfail`` (a placeholder)."""
    if isinstance(exc, pytest.skip.Exception):
        return CaseOutcome("skipped", "skipped", str(msg or "skipped"), steps=item.step_codes("-"))
    return CaseOutcome("pending", "placeholder", str(msg or "xfail"), steps=item.step_codes("P"))


def _failed(item: CaseItem, exc: BaseException) -> CaseOutcome:
    """Any other exception: failing, or pending when the case is tagged so."""
    if item.tagged:
        # Like xfail: only a pass is strict; a failure is what @pending announced.
        message = f"tagged @pending and fails: {item.failure_message(exc)}"
        return CaseOutcome("pending", "tagged", message, steps=item.step_codes("F"))
    if item.after_codes is not None:  # pytest-bdd's after-scenario hook failed, after the steps
        return CaseOutcome("failing", AFTER_SCENARIO_REASON, item.failure_message(exc), steps=item.after_codes)
    return CaseOutcome("failing", "", item.failure_message(exc), steps=item.step_codes("F"))


def run_pending_fast(item: CaseItem, nextitem: pytest.Item | None) -> bool:
    """Report a case that is pending before any step runs, without fixtures or a call phase.

    Used only when the next item is in the same file, so pytest's stack of set-up collectors
    stays exactly as the next item expects. Returns False when the normal protocol must run.
    """
    if not _may_skip_protocol(item, nextitem):
        return False
    known, _ = item.plan()
    if known is None or known.status != "pending" or item.runnable_prefix():
        return False
    item.pending = known
    item.started = time.time()
    carried = item.carried(known)
    item.user_properties.extend(carried.to_properties(item.requirement.id))
    item.stash[CARRIED_KEY] = carried.to_carried()
    wasxfail = f"pending ({known.reason}): {known.message.splitlines()[0]}"
    _compat.report_unrun(
        item,
        {"setup": ("passed", None), "call": ("skipped", wasxfail), "teardown": ("passed", None)},
        attributes={CARRIED_ATTRIBUTE: item.stash[CARRIED_KEY]},
    )
    return True


def _may_skip_protocol(item: CaseItem, nextitem: pytest.Item | None) -> bool:
    """Whether nothing would notice the case's protocol left out: the next item shares its file, and
    no tag, scenario-hook listener or fixture hook would see its run."""
    if nextitem is None or nextitem.parent is not item.parent or item.tagged:
        return False
    if item.state.bdd_hooks().scenario_observed:
        return False  # a listener of pytest-bdd's scenario hooks hears of pending cases too
    return not has_fixture_hooks(item)  # its fixtures run as hooks, as Cucumber runs hooks around undefined steps


def mark_pending(item: CaseItem, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """A call that ended pending is an xfail, as early as any plugin looks: the wrappers between this
    innermost one and the outermost (allure-pytest-bdd) see it skipped with its reason, as after
    ``pytest.xfail(reason)``. A call that raised nothing gets that XFailed in ``call.excinfo`` (where
    allure-pytest-bdd reads the reason), taken back by ``finish_report``; a tagged ``@pending``
    case that failed keeps its exception."""
    pending = item.pending
    if pending is not None and pending.status == "pending" and report.passed:
        _as_xfail(report, pending)
        if call.excinfo is None:
            call.excinfo = _xfailed(report.wasxfail)
            item.stash[EARLY_XFAIL_KEY] = "lent"
    elif report.failed and item.tagged and call.excinfo is not None:
        outcome = call_outcome(item, call)
        if outcome.status == "pending":
            _as_xfail(report, outcome)
            item.stash[EARLY_XFAIL_KEY] = "tagged"


def _as_xfail(report: pytest.TestReport, pending: CaseOutcome) -> None:
    report.outcome = "skipped"
    report.wasxfail = f"pending ({pending.reason}): {pending.message.splitlines()[0]}"


def _xfailed(reason: str) -> pytest.ExceptionInfo[BaseException]:
    """What ``call.excinfo`` holds after ``pytest.xfail(reason)``."""
    try:
        raise pytest.xfail.Exception(reason)
    except pytest.xfail.Exception:
        return pytest.ExceptionInfo.from_current()


def _early_xfail(item: CaseItem) -> str:
    """Why ``mark_pending`` made this call an xfail ("" when it did not), forgotten for a next attempt."""
    early = item.stash.get(EARLY_XFAIL_KEY, "")
    if early:
        del item.stash[EARLY_XFAIL_KEY]
    return early


def finish_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Give the report its checklist status; pending becomes xfail without any traceback. Every
    report of a case carries the outcome's data for the reports (``CARRIED_ATTRIBUTE``)."""
    if item.stash.get(EARLY_XFAIL_KEY, "") == "lent":
        call.excinfo = None  # the call raised nothing: mark_pending lent the XFailed
    _finish_report(item, call, report)
    carried = item.stash.get(CARRIED_KEY, None)
    if carried is None:
        return
    if isinstance(item, CaseItem):
        _carry_runs(item, carried)
    shown = dict(carried)
    report.user_properties = carry_measurements(report.user_properties, shown)
    setattr(report, CARRIED_ATTRIBUTE, shown)


def _carry_runs(item: CaseItem, carried: dict[str, str]) -> None:
    """The case's attachments (a teardown's too) and hook runs, into what its reports carry."""
    if item.attachments:
        carried["attachments"] = encode_attachments(tuple(item.attachments))
    if item.hook_runs:
        carried["hooks"] = encode_hooks(tuple(item.hook_runs))
    if item.run_hooks:
        carried["run_hooks"] = encode_hooks(tuple(item.run_hooks))


def _finish_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    if isinstance(item, FeatureErrorItem) and report.when == "call":
        message = "\n".join(str(error) for error in item.doc.errors)
        _attach(item, report, CaseOutcome("error", "gherkin", message), item.doc.path)
    if not isinstance(item, CaseItem):
        return
    outcome = _phase_outcome(item, call, report)
    if outcome is not None:
        _attach(item, report, item.carried(outcome), item.requirement.id)


def _phase_outcome(item: CaseItem, call: pytest.CallInfo[None], report: pytest.TestReport) -> CaseOutcome | None:
    """The outcome a phase's report decides (None: it decides nothing)."""
    if report.when == "call":
        return _called(item, call, report)
    if report.when == "setup":
        return _set_up(report)
    return _torn_down(item, report)


def _set_up(report: pytest.TestReport) -> CaseOutcome | None:
    if report.passed:
        return None
    if report.skipped and hasattr(report, "wasxfail"):
        return CaseOutcome("pending", "tagged", f"xfail: {report.wasxfail}")
    if report.skipped:
        return CaseOutcome("skipped", "skipped", _skip_message(report))
    return CaseOutcome("error", "setup", f"setup failed: {_short(report)}")


def _torn_down(item: CaseItem, report: pytest.TestReport) -> CaseOutcome | None:
    if not report.failed:
        return None
    own = any(r.status == "failed" and r.type == "AFTER_TEST_CASE" for r in item.hook_runs)
    if item.run_hook_failed and not own:
        return None  # a session fixture's teardown failed: the run's AfterAll hook, not this case's
    ran = CaseOutcome.from_properties(item.user_properties, item.stash.get(CARRIED_KEY, None))  # the call's steps
    return _after_call(ran, f"teardown failed: {_short(report)}")


def _after_call(ran: CaseOutcome | None, message: str) -> CaseOutcome:
    """A failed teardown after the call's outcome ``ran``: an error, unless the call already failed."""
    if ran is not None and ran.status in ("failing", "error"):
        # The call's verdict stands, the teardown's failure after it: pytest's JUnit XML writes a
        # failed call as a testcase of its own, which says what the call said.
        return dataclasses.replace(ran, message=f"{ran.message}\n{message}")
    return CaseOutcome("error", "teardown", message, steps=ran.steps if ran else "")


def _called(item: CaseItem, call: pytest.CallInfo[None], report: pytest.TestReport) -> CaseOutcome:
    if call.excinfo is not None and not isinstance(call.excinfo.value, StepError | PendingPassed):
        item.exception = type(call.excinfo.value).__name__
    outcome = call_outcome(item, call)
    marked = None if _early_xfail(item) else getattr(report, "wasxfail", None)
    if marked is not None and item.pending is None:
        return _xfail_marked(report, marked, outcome)
    if report.failed and outcome.status == "verified":
        # Another plugin failed a case whose steps all passed (e.g. pytest's XPASS(strict)).
        return CaseOutcome("failing", "", str(report.longrepr), steps=outcome.steps)
    if outcome.status == "pending":
        report.outcome = "skipped"
        report.wasxfail = f"pending ({outcome.reason}): {outcome.message.splitlines()[0]}"
        report.longrepr = None
    return outcome


def _xfail_marked(report: pytest.TestReport, marked: str, outcome: CaseOutcome) -> CaseOutcome:
    """pytest's own xfail marker (an @xfail tag) already decided the outcome: follow it."""
    if report.skipped:
        return CaseOutcome("pending", "tagged", f"xfail: {marked or outcome.message}", steps=outcome.steps)
    if report.failed:
        message = f"passes although marked xfail (strict): {marked}"
        return CaseOutcome("failing", "", message, steps=outcome.steps)
    return outcome


def _attach(item: pytest.Item, report: pytest.TestReport, outcome: CaseOutcome, requirement: str) -> None:
    kept: list[tuple[str, object]] = [prop for prop in item.user_properties if prop[0] not in STATUS_PROPERTIES]
    item.user_properties[:] = [*kept, *outcome.to_properties(requirement)]
    item.stash[CARRIED_KEY] = outcome.to_carried()
    report.user_properties = list(item.user_properties)


def _skip_message(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _short(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "unknown error"
