"""Run the system under test: argv (never a shell), a timeout, its whole output, wall time, peak memory.

What is recorded about a run comes from the harness alone (``launcher.py``, reached over a socket
nothing of the system's tree holds or can open): the exit status and rusage from ``wait4``, the
wall time from the first process's start to the end of the tree's last process, and the peak
memory as the largest resident set of any process of the tree, read at each process's exit stop
(ptrace on Linux; exact, as ``/usr/bin/time -v`` reports it) and naming the process when it was
not the first. Runs are not started in a session of their own (no scheduling advantage); the tree
is owned through a child subreaper and killed whole at the end, a timeout or the harness's death.

Where ptrace is refused, ``wait4`` alone gives the peak: exact when above what a fork of the
launcher carries into its first exec (``floor``, some MiB), else only that upper bound
(``"wait4-bound"``). A traced program cannot itself be traced by a debugger, and a set-user-ID
program runs without its extra privileges: run such a system through a wrapper where ptrace is off.

The output is kept whole (``capture``): the first ``max_output`` bytes of each stream in memory for
messages, everything in a spool file for the checks.
"""

from __future__ import annotations

import errno
import math
import os
import shlex
import signal as signals
import sys
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from living_checklist.core.escape import indented
from living_checklist.live.capture import EMPTY, Captured
from living_checklist.live.series import Series
from living_checklist.live.stats import median, percentile, throughput
from living_checklist.live.supervise import POOL, Exchange, Launcher, LauncherLost

__all__ = [
    "DEFAULT_MAX_OUTPUT",
    "Background",
    "CannotRun",
    "Captured",
    "RunResult",
    "excerpt",
    "median",
    "parse_vmhwm",
    "percentile",
    "prepare",
    "run",
    "series",
    "signal_name",
    "start",
    "throughput",
]

DEFAULT_MAX_OUTPUT = 1 << 20  # bytes of each stream kept in memory (for messages); checks see it all
BACKGROUND_TIMEOUT = 30 * 24 * 3600.0  # other software alongside runs until it is stopped
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB elsewhere

PeakMethod = str  # "tree" and "wait4" (exact), "wait4-bound" (an upper bound), "none"
STREAMS = {"output": "stdout", "error output": "stderr", "stdout": "stdout", "stderr": "stderr"}


class CannotRun(Exception):
    """The command could not be started at all, or the harness lost the record of its run."""


@dataclass(frozen=True)
class RunResult:
    """One finished run of a command. ``out``/``err`` hold each whole stream (head in memory)."""

    argv: tuple[str, ...]
    exit_status: int | None  # None when the process was killed by a signal
    signal: int | None  # the signal that ended it, including our own SIGKILL after the timeout
    timed_out: bool
    timeout: float
    wall_time: float  # seconds, from the first process's start to the end of the tree's last
    peak_rss: int | None  # bytes: the largest resident set of any process of the tree
    peak_method: PeakMethod
    out: Captured = EMPTY
    err: Captured = EMPTY
    peak_process: str | None = None  # the process that had the peak, when it was not the first
    killed: int = 0  # processes still running when the tree was ended (left behind), killed

    @property
    def stdout(self) -> bytes:
        """The first ``max_output`` bytes of standard output (for messages; checks use ``stream``)."""
        return self.out.head

    @property
    def stderr(self) -> bytes:
        return self.err.head

    @property
    def stdout_total(self) -> int:
        return self.out.total

    @property
    def stderr_total(self) -> int:
        return self.err.total

    @property
    def crashed(self) -> bool:
        """Killed by a signal it did not get from us (a timeout is a hang, not a crash)."""
        return self.signal is not None and not self.timed_out

    @property
    def stdout_truncated(self) -> bool:
        return self.out.total > len(self.out.head)

    @property
    def stderr_truncated(self) -> bool:
        return self.err.total > len(self.err.head)

    def stream(self, name: str) -> Captured:
        """``output``/``stdout`` or ``error output``/``stderr``: the whole stream."""
        return self.out if STREAMS[name] == "stdout" else self.err

    def chunks(self, name: str) -> Iterator[bytes]:
        return self.stream(name).chunks()

    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")

    def outcome(self) -> str:
        """``exited with status 1 after 0.031 s``, ``killed by signal 11 (SIGSEGV) ...``, ``timed out ...``"""
        if self.timed_out:
            return f"timed out after {_seconds(self.timeout)} (killed)"
        if self.signal is not None:
            return f"killed by signal {self.signal} ({signal_name(self.signal)}) after {_seconds(self.wall_time)}"
        return f"exited with status {self.exit_status} after {_seconds(self.wall_time)}"

    def describe(self, limit: int = 2000) -> str:
        """The command, how it ended, and excerpts of both streams: the context a failure message needs."""
        lines = [f"command: {shlex.join(self.argv)}", f"outcome: {self.outcome()}"]
        for name, data, total in (
            ("stdout", self.stdout, self.stdout_total),
            ("stderr", self.stderr, self.stderr_total),
        ):
            if total == 0:
                lines.append(f"{name}: (empty)")
                continue
            note = f" (shown: the first {_size(len(data))} of {_size(total)})" if total > len(data) else ""
            lines.append(f"{name}{note}:\n{indented(excerpt(data, limit))}")
        return "\n".join(lines)


def _validate(argv: tuple[str, ...], timeout: float, cwd: str | Path | None) -> None:
    if not argv or not argv[0]:
        raise CannotRun("empty command line")
    _check_timeout(timeout)
    if os.name != "posix":
        raise CannotRun(f"running the system needs a POSIX platform; this is {sys.platform}")
    if cwd is not None and not Path(cwd).is_dir():
        raise CannotRun(f"cannot run {argv[0]!r}: working directory {str(cwd)!r} does not exist")


def _check_timeout(timeout: float) -> None:
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")


def _request(
    argv: tuple[str, ...], timeout: float, cwd: str | Path | None, env: Mapping[str, str] | None, trace: bool = True
) -> dict[str, Any]:
    return {
        "trace": trace,
        "argv": list(argv),
        "env": dict(env) if env is not None else None,
        "cwd": os.fspath(Path(cwd).resolve()) if cwd is not None else None,
        "timeout": timeout,
    }


def run(
    argv: Sequence[str],
    *,
    input_data: bytes | None = None,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    trace: bool = True,
) -> RunResult:
    """Run ``argv`` without a shell; never longer than ``timeout`` seconds (then its tree is killed).

    ``trace`` (Linux): follow every process of the tree to its exit for the exact peak memory and
    the process that had it. Without it the start is a ``posix_spawn`` (the least harness per run)
    and the peak comes from ``wait4`` alone: exact above the launcher's own size, else an upper bound.

    ``input_data`` goes to standard input (else it reads from /dev/null). Each output stream is
    kept whole (its first ``max_output`` bytes in memory) and drained to the end, so a chatty
    program can neither block nor exhaust memory. Raises ``CannotRun`` when the program cannot be
    started, or when the record of its run was lost (the launcher killed from outside).
    """
    argv = tuple(argv)
    _validate(argv, timeout, cwd)
    launcher = POOL.acquire()
    reusable = False
    try:
        exchange = Exchange(launcher, _request(argv, timeout, cwd, env, trace), input_data, max_output)
        try:
            final, out, err = exchange.finish()
        finally:
            exchange.close()
        reusable = True
    except LauncherLost as exc:
        raise CannotRun(f"the harness lost the record of the run of {argv[0]!r}: {exc}") from None
    finally:
        _give_back(launcher, reusable)
    return _result(argv, timeout, final, out, err)


def series(
    argv: Sequence[str],
    count: int,
    *,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    trace: bool = True,
) -> Generator[RunResult, None, None]:
    """Run ``argv`` ``count`` times in a row, standard input from /dev/null; each run as ``run``
    records it (its whole tree, its whole output, its own timeout), yielded as it ends.

    One request to one launcher for all the runs, and a run starts only when the one before was
    taken: the harness's cost per run is a message each way. Stop iterating (or close the
    iterator) to end the series early; ``CannotRun`` as for ``run`` (a run that could not start
    ends the series).
    """
    argv = tuple(argv)
    _validate(argv, timeout, cwd)
    if count < 1:
        raise ValueError(f"a series needs at least one run, got {count!r}")
    return _series(argv, count, timeout, _request(argv, timeout, cwd, env, trace), max_output)


def _series(
    argv: tuple[str, ...], count: int, timeout: float, request: dict[str, Any], max_output: int
) -> Generator[RunResult, None, None]:
    launcher = POOL.acquire()
    chain: Series | None = None
    reusable = False
    try:
        chain = Series(launcher, request, count, max_output)
        for _ in range(count):
            final, out, err = chain.next()
            yield _result(argv, timeout, final, out, err)
        reusable = True
    except LauncherLost as exc:
        raise CannotRun(f"the harness lost the record of the runs of {argv[0]!r}: {exc}") from None
    finally:
        if chain is not None:
            reusable = reusable or chain.stop()  # stopped between two runs: the launcher is free again
            chain.close()
        _give_back(launcher, reusable)


def _give_back(launcher: Launcher, reusable: bool) -> None:
    """A launcher free for the next run goes back to the pool; any other is closed."""
    if reusable:
        POOL.release(launcher)
    else:
        launcher.close()


def _result(argv: tuple[str, ...], timeout: float, final: dict[str, Any], out: Captured, err: Captured) -> RunResult:
    if "error" in final:
        raise _cannot_run(argv[0], int(final["error"]), str(final.get("message", "")))
    done = final["done"]
    timed_out = bool(done["timed_out"])
    status = int(signals.SIGKILL) if timed_out else int(done["status"])
    code = os.waitstatus_to_exitcode(status)
    peak, method, process = _peak(done)
    return RunResult(
        argv=argv,
        exit_status=code if code >= 0 else None,
        signal=-code if code < 0 else None,
        timed_out=timed_out,
        timeout=timeout,
        wall_time=timeout if timed_out else int(done["wall_ns"]) / 1e9,
        peak_rss=peak,
        peak_method=method,
        out=out,
        err=err,
        peak_process=process,
        killed=int(done.get("killed", 0)),
    )


FLOOR_MARGIN = 1 << 20  # what a fork of the launcher may still grow by before its exec


_Peak = tuple[int | None, PeakMethod, str | None]  # the peak in bytes, how it was measured, whose it was


def _peak(done: dict[str, Any]) -> _Peak:
    """The tree's peak, how exact it is, and the process that had it when not the first."""
    maxrss = int(done["maxrss"]) * _MAXRSS_UNIT  # the first process and the children it waited for
    floor = int(done["floor"]) * 1024
    above = maxrss if floor >= 0 and maxrss > floor + FLOOR_MARGIN else None
    found = int(done["peak"]) * (1024 if done["traced"] else _MAXRSS_UNIT)
    name = None if done["peak_first"] else str(done["peak_name"]) or None
    if done["traced"] and found > 0:
        return _tree_peak(found, above, name)
    return _wait4_peak(maxrss, found, above, name)


def _tree_peak(found: int, above: int | None, name: str | None) -> _Peak:
    """Traced: the highest exit-stop peak, unless the first process's own was higher before an exec."""
    if above is not None and above > found * 1.05:  # an image the first process exec'd away
        return above, "tree", "the first process before an exec, or a process it waited for"
    return found, "tree", name


def _wait4_peak(maxrss: int, found: int, above: int | None, name: str | None) -> _Peak:
    """Untraced: exact above the launcher's floor, else ``maxrss`` as an upper bound (or nothing)."""
    if above is not None:
        return (found, "wait4", name) if found > above else (above, "wait4", None)
    if maxrss > 0:
        return max(maxrss, found), "wait4-bound", None
    return None, "none", None


class Background:
    """Other software run alongside, in a tree the harness owns: ``stop`` kills all of it."""

    def __init__(self, argv: Sequence[str], *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None):
        self.argv = tuple(argv)
        _validate(self.argv, BACKGROUND_TIMEOUT, cwd)
        self._launcher = POOL.acquire()
        try:
            request = _request(self.argv, BACKGROUND_TIMEOUT, cwd, env)
            self._exchange = Exchange(self._launcher, request, None, 0, quiet=True)
            self.pid = self._exchange.started()
        except LauncherLost as exc:
            self._launcher.close()
            raise CannotRun(f"the harness lost the run of {self.argv[0]!r}: {exc}") from None
        except BaseException:
            self._launcher.close()
            raise
        final = self._exchange.final
        if final is not None and "error" in final:
            self._exchange.close()
            POOL.release(self._launcher)
            raise _cannot_run(self.argv[0], int(final["error"]), str(final.get("message", "")))
        self._stopped = False

    def running(self) -> bool:
        """False once its first process has ended (what is left of its tree is still owned)."""
        if self._stopped:
            return False
        try:
            self._exchange.pump(0)
        except LauncherLost:
            return False
        return not self._exchange.first_ended and self._exchange.final is None

    def status(self) -> str:
        final = self._exchange.final
        if final is None or "done" not in final:
            return "ended" if self._exchange.first_ended else "running"
        code = os.waitstatus_to_exitcode(int(final["done"]["status"]))
        return f"status {code}" if code >= 0 else f"signal {-code} ({signal_name(-code)})"

    def stop(self) -> None:
        """Kill every process of its tree (setsid ones included) and wait for them; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self._exchange.end()
            self._exchange.finish()
        except LauncherLost:
            self._exchange.close()
            self._launcher.close()
            return
        self._exchange.close()
        POOL.release(self._launcher)


def prepare(count: int) -> None:
    """Start the launchers ``count`` runs at the same time will need, before anything is timed."""
    try:
        POOL.prepare(count)
    except OSError as exc:
        raise CannotRun(f"cannot start {count} launchers for runs at the same time: {exc}") from None


def start(argv: Sequence[str], *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None) -> Background:
    """Start other software in the background (output discarded); ``CannotRun`` when it cannot start."""
    return Background(argv, cwd=cwd, env=env)


def _cannot_run(program: str, number: int, message: str) -> CannotRun:
    if number == errno.ENOENT:
        return CannotRun(f"cannot run {program!r}: {_not_found(program)}")
    if number in (errno.EACCES, errno.EPERM, errno.EISDIR):
        why = "is a directory" if os.path.isdir(program) else "not executable (permission denied)"
        return CannotRun(f"cannot run {program!r}: {why}")
    if number == errno.ENOEXEC:
        return CannotRun(f"cannot run {program!r}: not an executable program (exec format error)")
    return CannotRun(f"cannot run {program!r}: {message or os.strerror(number)}")


def _not_found(program: str) -> str:
    """What is missing when the exec of ``program`` found no such file: it, or its interpreter."""
    interpreter = _missing_interpreter(program)
    if interpreter is not None:
        return f"its interpreter {interpreter!r} (the #! line) does not exist"
    return "no such file" if os.sep in program else "not found on PATH"


def _missing_interpreter(program: str) -> str | None:
    """The ``#!`` interpreter of a script that exists, when that interpreter does not."""
    if os.sep not in program or not os.path.isfile(program):
        return None
    try:
        with open(program, "rb") as handle:
            first = handle.readline(256)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", errors="replace").split()
    return words[0] if words and not os.path.exists(words[0]) else None


def parse_vmhwm(status_text: str) -> int | None:
    """Bytes from the ``VmHWM:`` line of ``/proc/<pid>/status`` (None for a zombie or kernel thread)."""
    values = (_vmhwm_bytes(line.split()) for line in status_text.splitlines() if line.startswith("VmHWM:"))
    return next((value for value in values if value is not None), None)


def _vmhwm_bytes(parts: list[str]) -> int | None:
    """``VmHWM: 13720 kB`` (split in words) in bytes; None when it holds no number."""
    if len(parts) >= 2 and parts[1].isdigit():
        factor = 1024 if len(parts) < 3 or parts[2].lower() == "kb" else 1
        return int(parts[1]) * factor
    return None


def signal_name(number: int) -> str:
    """``SIGSEGV`` for 11; ``signal 99`` for numbers this platform does not name."""
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"signal {number}"


def excerpt(data: bytes, limit: int = 2000) -> str:
    """Readable text of at most ``limit`` characters: head and tail around an elision."""
    text = data.decode("utf-8", errors="backslashreplace")
    if len(text) <= limit:
        return text
    half = max(limit // 2, 1)
    return f"{text[:half]}\n... ({len(text) - 2 * half} characters left out) ...\n{text[-half:]}"


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"
