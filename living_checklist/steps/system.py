"""Live steps for the system under test: behaviour (run it, check what it did) and performance.

The system's command line is the ini option ``checklist_system`` (split with ``shlex``, never run
through a shell, started in the rootdir). While it is ``TBD`` every step that would run it is
pending with reason ``tbd``. Each run is bounded by ``checklist_system_timeout`` seconds (default
60); the checks read each output stream whole (``living_checklist.live.runner``).

Quoted values may use the escapes ``\\n``, ``\\t``, ``\\r``, ``\\"`` and ``\\\\``. A quoted value that
is exactly ``TBD`` (or an argument ``TBD``) keeps the step pending.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, Pending, check, record
from living_checklist.core.measure import Measurement
from living_checklist.live import runner, service
from living_checklist.live.progress import Progress
from living_checklist.run.settings import TBD
from living_checklist.steps.budgets import check_quantile, quantile_figure
from living_checklist.steps.common import (
    bounded_count,
    bounded_seconds,
    brief,
    mib,
    ms,
    output_has,
    positive_number,
    quoted,
    quoted_value,
    run_system,
    run_system_series,
    split_arguments,
    stated_after_this_step,
    system_argv,
    whole_number,
)

EXACT_PEAKS = ("tree", "wait4")
INEXACT_PEAK = (
    "an upper bound, not exact here: ptrace is not allowed on this machine and the tree's peak was below what "
    "the harness's launcher carries into a program it starts"
)
# An exit status as a step writes it: one word, which the step then reads as a number (a word like
# "zero" is an error naming it), except "non-zero", which is a phrase of its own.
STATUS = r"(?P<n>(?!non-zero\Z)\S+)"
PEAK_STEP = re.compile(r"the peak memory is at most \S+ MiB")
EXIT_STATUS_STEP = re.compile(r"the exit status is (?:not )?\S+")
# Steps that record new runs of the system (whose exit statuses a later status step would check).
RUN_STEP = re.compile(
    r"I run the system\b|the system runs\b|\S+ copies of the system run\b|the system (?:reads|opens) every file\b"
    r"|the system is fed\b"
)


@dataclass
class SystemRuns:
    """Per-case state: the runs of the most recent run step (one run, a series, or copies at once)."""

    recent: list[runner.RunResult] = field(default_factory=list)
    # Seconds from the first start to the last end when the runs overlapped (copies at the same
    # time); None for runs one after another, whose throughput is count / sum of wall times.
    elapsed: float | None = None
    env: dict[str, str] = field(default_factory=dict)  # added to the system's environment
    # Runs the most recent single run again, same arguments and input (for determinism checks).
    again: Callable[[], runner.RunResult] | None = None
    warmups: int = 0  # runs before the most recent series, discarded

    def record(
        self,
        runs: list[runner.RunResult],
        elapsed: float | None = None,
        again: Callable[[], runner.RunResult] | None = None,
    ) -> None:
        self.recent, self.elapsed, self.again, self.warmups = runs, elapsed, again, 0

    def over(self) -> str:
        """``over 60 runs`` (``, after 5 warm-up runs, discarded``): the evidence a timing is from."""
        text = f"over {len(self.runs())} runs"
        return text + (f", after {self.warmups} warm-up runs (discarded)" if self.warmups else "")

    def run_once(
        self, request: pytest.FixtureRequest, extra: Sequence[str] = (), input_data: bytes | None = None
    ) -> None:
        """Run the system once and keep how, so that a later step can repeat the run exactly."""

        def again() -> runner.RunResult:
            return run_system(request, extra, input_data=input_data, env=self.env)

        self.record([again()], again=again)

    def throughput(self) -> float:
        runs = self.runs()
        if self.elapsed is not None and self.elapsed > 0:
            return len(runs) / self.elapsed
        return runner.throughput([r.wall_time for r in runs])

    def runs(self) -> list[runner.RunResult]:
        """The runs of the most recent run step; an authoring error (status error) if there was none."""
        if not self.recent:
            raise InvalidValue(
                "no run of the system before this step: start with 'When I run the system with arguments \"...\"' "
                "or 'When the system runs <n> times with arguments \"...\"'"
            )
        return self.recent

    def last_run(self) -> runner.RunResult:
        return self.runs()[-1]


@pytest.fixture
def system_runs() -> SystemRuns:
    """Per-case state shared by the system steps."""
    return SystemRuns()


# -- behaviour -------------------------------------------------------------------------------


@step("I run the system")
def run_without_arguments(request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` once with no extra arguments and nothing on standard input."""
    system_runs.run_once(request)


@step(parsers.re(rf'I run the system with arguments "{quoted("args")}"'))
def run_with_arguments(args: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` once with these extra arguments (split like a shell would, not run by one)."""
    system_runs.run_once(request, split_arguments(args))


@step(parsers.re(rf'I run the system with input "{quoted("text")}"'))
def run_with_input(text: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` once with this text (UTF-8, escapes like ``\\n`` allowed) on standard input."""
    data = quoted_value(text, "the input").encode("utf-8")
    system_runs.run_once(request, input_data=data)


@step(parsers.re(rf'I run the system with arguments "{quoted("args")}" and input "{quoted("text")}"'))
def run_with_arguments_and_input(args: str, text: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` once with these extra arguments and this text (UTF-8, escapes like
    ``\\n`` allowed) on standard input (``jq -c .a`` reading a document, ``sqlite3 -safe`` a script)."""
    extra = split_arguments(args)
    data = quoted_value(text, "the input").encode("utf-8")
    system_runs.run_once(request, extra, input_data=data)


@step("I run the system with input:")
def run_with_docstring_input(docstring: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` once with the step's doc string (plus a final newline) on standard input."""
    if docstring.strip() == TBD:
        raise Pending("the input is TBD: write it in the feature file", reason="tbd")
    data = (docstring + "\n").encode("utf-8")
    system_runs.run_once(request, input_data=data)


@step(parsers.re(rf'the environment variable "{quoted("name")}" is "{quoted("value")}"'))
def environment_variable(name: str, value: str, system_runs: SystemRuns) -> None:
    """Later runs of the system in this scenario get this environment variable (a setting changed
    without changing code, or a dependency pointed at an address where nothing answers)."""
    key = quoted_value(name, "the variable's name")
    if not key or "=" in key or "\0" in key:
        raise InvalidValue(f"environment variable name {name!r}: expected a name without '=' or NUL")
    system_runs.env[key] = quoted_value(value, f"the value of {key}")


@step(parsers.re(rf"the exit status is {STATUS}"))
def exit_status_is(n: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Every run of the most recent run step ended with this exit status (a run killed by a signal
    has none, and fails); the first that did not is named."""
    required = whole_number(n, "exit status")
    runs = system_runs.runs()
    for index, result in enumerate(runs, start=1):
        if result.exit_status == required:
            continue
        measured: float | str = float(result.exit_status) if result.exit_status is not None else result.outcome()
        which = f"run {index} of {len(runs)}\n" if len(runs) > 1 else ""
        check(request.node, "exit status", measured, "", float(required), "==", which + result.describe())
    check(request.node, "exit status", float(required), "", float(required), "==")


def _contains(stream: str, result: runner.RunResult, wanted: str, present: bool) -> None:
    """Searched in the whole stream (not only the part kept in memory for messages)."""
    found = output_has(result, stream, wanted.encode("utf-8"))
    if found == present:
        return
    verb = "does not contain" if present else "contains"
    raise AssertionError(
        f"the {stream} {verb} {wanted!r} (all {result.stream(stream).total} bytes searched)\n{result.describe()}"
    )


@step(parsers.re(rf'the output contains "{quoted("text")}"'))
def output_contains(text: str, system_runs: SystemRuns) -> None:
    """The last run's standard output (decoded as UTF-8) contains this text."""
    _contains("output", system_runs.last_run(), quoted_value(text, "the expected output"), True)


@step(parsers.re(rf'the error output contains "{quoted("text")}"'))
def error_output_contains(text: str, system_runs: SystemRuns) -> None:
    """The last run's standard error (decoded as UTF-8) contains this text."""
    _contains("error output", system_runs.last_run(), quoted_value(text, "the expected error output"), True)


@step(parsers.re(rf'the output does not contain "{quoted("text")}"'))
def output_lacks(text: str, system_runs: SystemRuns) -> None:
    """The last run's standard output does not contain this text."""
    _contains("output", system_runs.last_run(), quoted_value(text, "the unwanted output"), False)


@step(parsers.re(rf'the error output does not contain "{quoted("text")}"'))
def error_output_lacks(text: str, system_runs: SystemRuns) -> None:
    """The last run's standard error does not contain this text."""
    _contains("error output", system_runs.last_run(), quoted_value(text, "the unwanted error output"), False)


# -- performance -----------------------------------------------------------------------------


@step(parsers.re(rf'the system runs (?P<n>\S+) times with arguments "{quoted("args")}"'))
def run_series(n: str, args: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` n times in a row with these arguments and record every figure.

    Records the runs, median / 95th percentile / min / max wall time (ms), peak memory (MiB, the
    largest per-run peak of the system's own process) and throughput (runs per second of wall
    time). A run that crashes or times out fails the step; exit statuses are checked separately.
    """
    _run_series(request, system_runs, bounded_count(n, "run count"), split_arguments(args))


@step(parsers.re(rf'the system runs (?P<n>\S+) times after (?P<w>\S+) warm-up runs with arguments "{quoted("args")}"'))
def run_series_after_warmup(n: str, w: str, args: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run ``checklist_system`` w times to warm it up (caches, JIT, page cache), discard those runs,
    then n times as ``the system runs <n> times with arguments``; only the n runs are figures. The
    warm-up count is recorded (``warm-up runs``) and named beside every timing; a warm-up run that
    crashes or times out fails the step."""
    count = bounded_count(n, "run count")
    warmups = bounded_count(w, "warm-up run count", minimum=0)
    extra = split_arguments(args)
    _run_series(request, system_runs, count, extra, warmups)


def _runs(
    request: pytest.FixtureRequest, system_runs: SystemRuns, count: int, extra: list[str], what: str, trace: bool
) -> list[runner.RunResult]:
    """``count`` runs in a row (one request to the harness's launcher); one that crashes or times
    out fails the step at once, naming it (``run 3 of 10``)."""
    series: list[runner.RunResult] = []
    progress = Progress(request.node, what, count)
    with contextlib.closing(run_system_series(request, extra, count, env=system_runs.env, trace=trace)) as runs:
        for index, result in enumerate(runs):
            series.append(result)
            progress.update(index + 1, brief(result))
            if result.crashed or result.timed_out:
                raise AssertionError(f"{what} {index + 1} of {count} {result.outcome()}\n{result.describe()}")
    return series


def _run_series(
    request: pytest.FixtureRequest, system_runs: SystemRuns, count: int, extra: list[str], warmups: int | None = None
) -> None:
    trace = _stated_for_this_step(request, PEAK_STEP)  # exact memory costs a stop per process: only when checked
    if warmups:  # run as the runs they warm up
        _runs(request, system_runs, warmups, extra, "warm-up run", trace)
    series = _runs(request, system_runs, count, extra, "run", trace)
    system_runs.record(series)
    if warmups is not None:  # the warm-up phrase: say how many, even 0
        system_runs.warmups = warmups
        record(request.node, Measurement("warm-up runs", float(warmups), "runs (discarded)", None, ">="))
    _check_exits(request, series)
    _record_series(request.node, series, system_runs)


def _check_exits(request: pytest.FixtureRequest, runs: list[runner.RunResult]) -> None:
    """A run that exited non-zero fails the series, unless the scenario states the exit status it
    expects for *this* run step (``Then the exit status is <n>`` after it, before the next run
    step), which then checks every run: timing an error path is not timing the task. A status an
    earlier step or a Background stated belongs to its own run, never to this one."""
    if _stated_for_this_step(request, EXIT_STATUS_STEP):
        return
    for index, result in enumerate(runs, start=1):
        if result.exit_status != 0:
            raise AssertionError(
                f"run {index} of {len(runs)} {result.outcome()}: a series times the system doing its task, "
                "so every run must succeed (write 'Then the exit status is <n>' after it if this status is "
                "expected)\n" + result.describe()
            )


def _stated_for_this_step(request: pytest.FixtureRequest, phrase: re.Pattern[str]) -> bool:
    """True when a step of this ``phrase`` follows the running step before any other run step."""
    return stated_after_this_step(request, (phrase,), RUN_STEP)


def _record_series(node: pytest.Item, series: list[runner.RunResult], system_runs: SystemRuns) -> None:
    count = len(series)
    walls = [r.wall_time for r in series]
    # Every figure, with no requirement yet (a later check replaces it); the comparison says
    # which way the figure is judged.
    for name, value, unit, comparison in (
        ("runs", float(count), "runs", ">="),
        ("min wall time", ms(min(walls)), "ms", "<="),
        ("max wall time", ms(max(walls)), "ms", "<="),
        ("throughput", round(system_runs.throughput(), 3), "runs/s", ">="),
    ):
        record(node, Measurement(name, value, unit, None, comparison))
    record(node, quantile_figure("median wall time", walls, 0.5))
    record(node, quantile_figure("95th percentile wall time", walls, 0.95))
    peaks = [r.peak_rss for r in series if r.peak_rss is not None and r.peak_method in EXACT_PEAKS]
    if len(peaks) == count:  # a figure of every run, each exact
        record(node, Measurement("peak memory", mib(max(peaks)), "MiB", None, "<="))


@step(parsers.re(r"the median wall time is at most (?P<x>\S+) ms"))
def median_wall_time(x: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The median wall time of the runs (the series, or the single last run) is at most x ms: with
    ``checklist_confidence`` (default 0.95) its upper confidence bound is, see ``steps.budgets``."""
    required = positive_number(x, "median wall time")
    walls = [r.wall_time for r in system_runs.runs()]
    check_quantile(request, "median wall time", walls, 0.5, required, system_runs.over())


@step(parsers.re(r"the 95th percentile wall time is at most (?P<x>\S+) ms"))
def p95_wall_time(x: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The 95th percentile wall time of the runs is at most x ms: with ``checklist_confidence``
    (default 0.95) its upper confidence bound is, which needs at least 59 runs (see ``steps.budgets``)."""
    required = positive_number(x, "95th percentile wall time")
    walls = [r.wall_time for r in system_runs.runs()]
    check_quantile(request, "95th percentile wall time", walls, 0.95, required, system_runs.over())


@step(parsers.re(r"the peak memory is at most (?P<n>\S+) MiB"))
def peak_memory(n: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The largest resident memory of any process of the system's tree, over the runs, is at most n MiB.

    Read at each process's exit (ptrace, exact, as ``/usr/bin/time -v``), or from ``os.wait4``
    where that is exact; an upper bound otherwise, which the message then says (see
    ``living_checklist.live.runner``); skipped where nothing works.
    """
    required = positive_number(n, "peak memory")
    runs = system_runs.runs()
    measured = [r for r in runs if r.peak_rss is not None]
    if not measured:
        pytest.skip("peak memory of the system cannot be measured on this platform")
    top = max(measured, key=lambda r: r.peak_rss or 0)
    context = f"largest of {len(runs)} runs (measured by {top.peak_method}): {shlex.join(top.argv)}"
    if top.peak_process is not None:
        context += f"\nthe peak was in a process the system started: {top.peak_process}"
    if top.peak_method not in EXACT_PEAKS:
        context += f"\n{INEXACT_PEAK}"
    check(request.node, "peak memory", mib(top.peak_rss or 0), "MiB", required, "<=", context)


@step(parsers.re(r"the throughput is at least (?P<n>\S+) runs per second"))
def throughput_at_least(n: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Runs completed per second is at least n: count / summed wall time for runs one after
    another, count / elapsed time for copies run at the same time."""
    required = positive_number(n, "throughput")
    runs = system_runs.runs()
    measured = round(system_runs.throughput(), 3)
    check(request.node, "throughput", measured, "runs/s", required, ">=", f"over {len(runs)} runs")


@step(parsers.re(rf'(?P<n>\S+) copies of the system run at the same time with arguments "{quoted("args")}"'))
def run_copies(n: str, args: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Start n copies of ``checklist_system`` together and wait for all of them.

    Then the timing and memory steps apply to these runs: wall time per copy, the largest peak
    memory of any copy (each copy's own, not their sum), and throughput as copies per second of
    elapsed time. As for a series, a copy that does not exit 0 fails the step unless the scenario
    states the expected exit status.
    """
    count = bounded_count(n, "number of copies", concurrent=True)
    extra = split_arguments(args)
    system_argv(request)  # pending while the system is TBD, before any thread starts
    trace = _stated_for_this_step(request, PEAK_STEP)
    try:
        runner.prepare(count)  # the harness's own start-up is not the copies' time
    except runner.CannotRun as exc:
        raise InvalidValue(str(exc)) from None
    results: list[runner.RunResult | None] = [None] * count
    problems: list[BaseException | None] = [None] * count
    barrier = threading.Barrier(count, timeout=COPIES_START_TIMEOUT)

    def one(index: int) -> None:
        try:
            barrier.wait()
            results[index] = run_system(request, extra, env=system_runs.env, trace=trace)
        except BaseException as exc:  # handed to the test's thread below
            problems[index] = exc

    threads = [
        threading.Thread(target=one, args=(i,), name=f"checklist-copy-{i + 1}", daemon=True) for i in range(count)
    ]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
    except RuntimeError as exc:  # the machine refused a thread: the others must not wait for it
        barrier.abort()
        raise InvalidValue(f"{count} copies cannot be started at once here: {exc}") from None
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for problem in problems:
        if isinstance(problem, threading.BrokenBarrierError):
            raise InvalidValue(f"the {count} copies could not all start within {COPIES_START_TIMEOUT:g} s") from None
        if problem is not None:
            raise problem
    runs = [r for r in results if r is not None]
    for index, result in enumerate(runs, start=1):
        if result.crashed or result.timed_out:
            raise AssertionError(f"copy {index} of {count} {result.outcome()}\n{result.describe()}")
    system_runs.record(runs, elapsed)
    _check_exits(request, runs)
    _record_series(request.node, runs, system_runs)


# -- long runs, and other software alongside -------------------------------------------------

ALSO_RUNS_START = 30.0  # seconds the launcher may take to start it on a loaded machine
COPIES_START_TIMEOUT = 60.0  # seconds for every copy's thread to be ready before they start together
ALSO_RUNS_SETTLE = 0.5  # seconds the other software must stay up before the measurements start
DURATION_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}


@step(
    parsers.re(
        r'the system runs continuously for (?P<x>\S+) (?P<unit>seconds|minutes|hours) with arguments "(?P<args>.*)"'
    )
)
def run_continuously(x: str, unit: str, args: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Start the system once and let it run for this long, then stop it (a soak run); it must not
    end by itself before. The peak memory step then applies to the whole run."""
    seconds = bounded_seconds(x, "duration", DURATION_UNITS[unit]) * DURATION_UNITS[unit]
    result = run_system(request, split_arguments(args), timeout=seconds, env=system_runs.env)
    system_runs.record([result])
    if not result.timed_out:
        raise AssertionError(
            f"the system ended by itself before the {x} {unit} were up: {result.outcome()}\n{result.describe()}"
        )


@step(parsers.re(rf'the machine also runs "{quoted("command")}"'))
def also_runs(command: str, request: pytest.FixtureRequest) -> None:
    """Start this other software (split with shlex, no shell) for the rest of the scenario, so the
    budgets that follow are measured while it competes for the machine; it is stopped, with every
    process it started, when the scenario ends. One that exits within its first half second fails
    the step: the budgets would be measured without it. It runs in a tree the harness owns (as
    the system's runs do), so a child that calls setsid is killed with it."""
    text = quoted_value(command, "the other software")
    argv = split_arguments(text)
    if not argv:
        raise InvalidValue("the other software is empty: write the command that starts it")
    other = service.Service(tuple(argv), "", request.config.rootpath, grace=0.0)
    try:
        other.launch()
    except service.ServiceError as exc:
        raise InvalidValue(f"the other software {text!r} cannot be started: {exc}") from None
    stop = other.stop  # its whole tree: a child that called setsid too
    if not other.wait_started(ALSO_RUNS_START):
        other.stop()
        raise InvalidValue(f"the other software {text!r} did not start within {ALSO_RUNS_START:g} s")
    request.addfinalizer(stop)
    settle = time.monotonic() + ALSO_RUNS_SETTLE
    while time.monotonic() < settle:  # it must get going, and stay up, before the measurements
        ended = other.ended()
        if ended is not None and ended.startswith("could not be started"):
            raise InvalidValue(f"the other software {text!r} {ended}")
        if ended is not None:
            raise AssertionError(f"the other software {text!r} {ended.replace('exited with', 'exited at once with')}")
        time.sleep(0.02)
