"""Live checks on how the runs of the most recent run step ended and what they left: an exit status
other than one, any failure status, nothing on an output stream.

They work on the runs ``living_checklist.steps.system`` (or a folder step of ``outputs``) recorded,
like ``the exit status is <n>``, and record what they counted next to what was required.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_bdd import parsers, step

from living_checklist import check
from living_checklist.live import runner
from living_checklist.steps.common import whole_number
from living_checklist.steps.system import STATUS, SystemRuns


@step(parsers.re(rf"the exit status is not {STATUS}"))
def exit_status_is_not(n: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Every run of the most recent run step exited, with any status but this one (a run killed by
    a signal or stopped at the timeout did not exit, and fails); the first that did not is named."""
    unwanted = whole_number(n, "exit status")
    _count_exits(request, system_runs, f"runs exiting {unwanted} or not at all", lambda status: status != unwanted)


@step("the exit status is non-zero")
def exit_status_non_zero(request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Every run of the most recent run step exited with a status other than 0: the documented
    failure, whichever number the program picks for it (a run killed by a signal or stopped at the
    timeout did not exit, and fails); the first that did not is named."""
    _count_exits(request, system_runs, "runs exiting 0 or not at all", lambda status: status != 0)


def _count_exits(
    request: pytest.FixtureRequest, system_runs: SystemRuns, name: str, wanted: Callable[[int], bool]
) -> None:
    runs = system_runs.runs()
    wrong = [
        (index, result)
        for index, result in enumerate(runs, start=1)
        if result.exit_status is None or result.timed_out or not wanted(result.exit_status)
    ]
    context = ""
    if wrong:
        index, result = wrong[0]
        which = f"run {index} of {len(runs)}: " if len(runs) > 1 else ""
        context = f"{which}{result.outcome()}\n{result.describe()}"
    check(request.node, name, float(len(wrong)), f"of {len(runs)}", 0.0, "<=", context)


@step("the output is empty")
def output_is_empty(request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The last run wrote nothing at all to standard output (every byte counted, not only those kept)."""
    _empty(request, "output", system_runs.last_run())


@step("the error output is empty")
def error_output_is_empty(request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The last run wrote nothing at all to standard error (no warning, no diagnostic)."""
    _empty(request, "error output", system_runs.last_run())


def _empty(request: pytest.FixtureRequest, stream: str, result: runner.RunResult) -> None:
    size = result.stdout_total if stream == "output" else result.stderr_total
    check(request.node, f"{stream} size", float(size), "bytes", 0.0, "<=", result.describe())
