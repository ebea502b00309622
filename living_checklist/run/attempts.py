"""A rerun's attempts (pytest-rerunfailures) and what stopped the run outside any case, for the
Cucumber Messages. A plugin object of its own, registered by the session (``run.session``)."""

from __future__ import annotations

import pytest

from living_checklist.core.status import CaseOutcome
from living_checklist.run.collect import CaseItem


class Attempts:
    """The earlier attempts of each rerun case, oldest first, and the exception that stopped the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.retried: dict[str, list[CaseOutcome]] = {}
        self._attempt: dict[str, int] = {}
        self.run_exception: tuple[str, str] | None = None  # type, message

    def next(self, report: pytest.TestReport, outcomes: dict[str, CaseOutcome]) -> None:
        """A report of a later attempt (pytest-rerunfailures numbers them ``report.rerun``): the
        attempt before is over, and its outcome joins the case's earlier attempts."""
        attempt = int(getattr(report, "rerun", 0) or 0)
        if attempt <= self._attempt.get(report.nodeid, 0):
            return
        self._attempt[report.nodeid] = attempt
        earlier = outcomes.pop(report.nodeid, None)
        if earlier is not None:
            self.retried.setdefault(report.nodeid, []).append(earlier)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        if isinstance(item, CaseItem) and self.config.pluginmanager.has_plugin("rerunfailures"):
            known, _ = item.plan()
            if known is not None and known.status == "error":
                # An ambiguous step (or a value no step takes) fails the same way every time: as in
                # Cucumber, such a case is not retried.
                item.add_marker(pytest.mark.flaky(reruns=0))

    def pytest_internalerror(self, excrepr: object, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.run_exception = (type(excinfo.value).__name__, str(excinfo.value))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and self.run_exception is None:
            self.run_exception = collect_exception(report)


def collect_exception(report: pytest.CollectReport) -> tuple[str, str]:
    """The type and message of a collection error, as far as its report tells them."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(report.longrepr).strip()
    kind, colon, rest = text.partition(": ")
    if colon and kind.replace(".", "").isidentifier():
        return kind, rest
    return "CollectError", text
