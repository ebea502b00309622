"""Run the system under test once: argv (never a shell), a timeout, capped output, wall time, peak memory.

Pure functions and frozen dataclasses; the step libraries in ``steps/`` only call them. POSIX only.

Peak memory is the resident set of the system's *own* process, never the test process's. Linux
folds the memory high-water mark of whatever process called ``exec`` into the new program's
``ru_maxrss`` (``exec_mmap``); a program spawned straight from a 100 MiB pytest process would
report at least 100 MiB, and one spawned by a small Python launcher still reports the launcher's
8-10 MiB. So each run goes through a launcher (``python -I -S``) that, on Linux, forks the
program and seizes it with ptrace before it execs; at the program's exit stop its memory is still
mapped and ``VmHWM`` in ``/proc/<pid>/status`` is exactly the peak of its own memory since exec
(``peak_method == "exit"``; within a few per cent of ``/usr/bin/time -v`` even for 2 MiB programs).
Where ptrace is not allowed (a container's seccomp policy, another OS) the launcher spawns the
program and waits with ``os.wait4``: when its ``ru_maxrss`` exceeds the launcher's own peak it is
exactly the program's own (``"wait4"``); otherwise we use the highest ``VmHWM`` sampled from
``/proc/<pid>/status`` every millisecond or so, or ``psutil`` RSS elsewhere (``"sampled"``: a
lower bound that can miss growth in the last interval), and failing that the ``ru_maxrss`` bound
(``"wait4-bound"``). The wall time runs from the program's exec (ptrace) or from the spawn.
A traced program cannot itself be traced by a debugger, and a set-user-ID program runs without
its extra privileges: run such a system through a wrapper, or where ptrace is off.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import selectors
import shlex
import signal as signals
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_MAX_OUTPUT",
    "CannotRun",
    "RunResult",
    "excerpt",
    "median",
    "parse_vmhwm",
    "percentile",
    "run",
    "signal_name",
    "throughput",
]

DEFAULT_MAX_OUTPUT = 1 << 20  # keep the first MiB of each stream
_CHUNK = 1 << 16
_LAUNCH_GRACE = 10.0  # seconds the launcher may take to start, on top of the timeout
_DRAIN_GRACE = 0.5  # seconds to keep reading pipes after the program exited
_STOP_GRACE = 2.0  # seconds the launcher may take to clean up after our SIGTERM
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB elsewhere

# Runs argv[3:] (inheriting stdin/stdout/stderr), waits for it and reports on fd argv[1]:
# "pid P", then "done WAITSTATUS RU_MAXRSS WALL_NS OWN_PEAK EXIT_PEAK" (KiB; EXIT_PEAK -1 when
# unknown) or "error ERRNO MESSAGE". Where ptrace is allowed (Linux) the program is a forked child
# seized before it execs, with options TRACEEXEC | TRACEEXIT | EXITKILL: the clock starts at its
# exec, and at its exit stop its memory is still mapped, so VmHWM there is the exact peak of its
# own memory since exec, however small the program and whatever the launcher's size. Signals
# meant for the program are passed on; a stop (SIGSTOP, SIGTSTP) stays a stop (PTRACE_LISTEN).
# Elsewhere, or where ptrace is refused, it is posix_spawn and wait4 as before.
# argv[2] is the pid of the test process. On Linux the launcher is also the program's child
# subreaper (a grandchild that calls setsid and is orphaned comes back to it, not to init) and is
# told by SIGTERM when the test process dies (PR_SET_PDEATHSIG). Whenever it ends (the program
# exited, SIGTERM from us, the death of the test process) it first kills what is left of the tree.
_LAUNCHER = r"""
import os, signal, sys, time
report = int(sys.argv[1])
parent = int(sys.argv[2])
os.set_inheritable(report, False)
argv = sys.argv[3:]
DEFAULTS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
STOPS = (signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)

def hwm(pid, default):
    try:
        with open("/proc/%s/status" % pid, "rb") as status_file:
            for line in status_file:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return default

def children():
    me = os.getpid()
    try:
        with open("/proc/%d/task/%d/children" % (me, me)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == me:
                found.append(int(name))
    return found

def clean_up():
    # Kill our children (the program and what it left); theirs come to us (subreaper) as they die.
    for _ in range(1000):
        kids = children()
        if not kids:
            break
        for kid in kids:
            try:
                os.kill(kid, signal.SIGKILL)
            except OSError:
                pass
        for kid in kids:
            reap(kid)

def reap(kid):
    # A traced program killed by us may still stop at its exit (ptrace): let it go, then reap it.
    while True:
        try:
            _, status = os.waitpid(kid, 0)
        except OSError:
            return
        if not os.WIFSTOPPED(status):
            return
        tracing = globals().get("ptrace")
        if tracing is None:
            return
        tracing(17, kid, None, None)  # PTRACE_DETACH: the SIGKILL it holds ends it

def stop(number, frame):
    clean_up()
    os._exit(128 + number)

def done(status, usage, wall, exit_peak):
    signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGTERM, signal.SIGHUP, signal.SIGINT))
    clean_up()
    import resource
    own = hwm("self", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    os.write(report, b"done %d %d %d %d %d\n" % (status, usage.ru_maxrss, wall, own, exit_peak))

def failed(exc):
    message = (exc.strerror or str(exc)).encode("utf-8", "replace")
    os.write(report, b"error %d %s\n" % (exc.errno or 0, message))

def tracer():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        call = ctypes.CDLL(None, use_errno=True).ptrace
    except (ImportError, OSError, AttributeError):
        return None
    call.restype = ctypes.c_long
    call.argtypes = (ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p)
    return call

def traced(ptrace):
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(go_w)
            os.close(ready_r)
            for number in DEFAULTS:
                signal.signal(number, signal.SIG_DFL)
            os.write(ready_w, b"r")
            if os.read(go_r, 1) == b"g":
                os.execvp(argv[0], argv)
        except OSError as exc:
            failed(exc)
            os._exit(127)
        os._exit(0)
    os.close(go_r)
    os.close(ready_w)
    os.read(ready_r, 1)
    os.close(ready_r)
    if ptrace(0x4206, pid, None, 0x10 | 0x40 | 0x100000) != 0:  # SEIZE: not allowed here
        os.write(go_w, b"x")
        os.close(go_w)
        os.waitpid(pid, 0)
        return False
    os.write(report, b"pid %d\n" % pid)
    start = time.perf_counter_ns()
    os.write(go_w, b"g")
    os.close(go_w)
    peak = -1
    while True:
        _, status, usage = os.wait4(pid, 0)
        if not os.WIFSTOPPED(status):
            break
        event = status >> 16
        if event == 4:  # exec: the program starts now
            start = time.perf_counter_ns()
            ptrace(7, pid, None, None)
        elif event == 6:  # exit stop: its memory is still there to read
            peak = hwm(pid, -1)
            ptrace(7, pid, None, None)
        elif event == 128 and os.WSTOPSIG(status) in STOPS:  # group stop: stay stopped until SIGCONT
            ptrace(0x4208, pid, None, None)
        elif event == 128:  # woken by SIGCONT (stop signal SIGTRAP): run on
            ptrace(7, pid, None, None)
        else:  # a signal for the program: deliver it
            ptrace(7, pid, None, os.WSTOPSIG(status))
    done(status, usage, time.perf_counter_ns() - start, peak)
    return True

def spawned():
    start = time.perf_counter_ns()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, setsigdef=DEFAULTS)
    except OSError as exc:
        failed(exc)
        sys.exit(127)
    os.write(report, b"pid %d\n" % pid)
    _, status, usage = os.wait4(pid, 0)
    done(status, usage, time.perf_counter_ns() - start, -1)

if sys.platform.startswith("linux"):
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (ImportError, OSError, AttributeError):
        pass
for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(number, stop)
if os.getppid() != parent:  # the test process died before we could ask to be told
    os._exit(125)
ptrace = tracer()
if ptrace is None or not traced(ptrace):
    spawned()
"""

PeakMethod = str  # "exit" and "wait4" (exact), "sampled" (lower bound), "wait4-bound" (upper bound), "none"


class CannotRun(Exception):
    """The command could not be started at all (not found, not executable, bad format)."""


@dataclass(frozen=True)
class RunResult:
    """One finished run of a command. Output is capped; ``*_total`` counts every byte produced."""

    argv: tuple[str, ...]
    exit_status: int | None  # None when the process was killed by a signal
    signal: int | None  # the signal that ended it, including our own SIGKILL after the timeout
    timed_out: bool
    timeout: float
    wall_time: float  # seconds, from spawn to exit
    peak_rss: int | None  # bytes; see module docstring
    peak_method: PeakMethod
    stdout: bytes
    stderr: bytes
    stdout_total: int
    stderr_total: int

    @property
    def crashed(self) -> bool:
        """Killed by a signal it did not get from us (a timeout is a hang, not a crash)."""
        return self.signal is not None and not self.timed_out

    @property
    def stdout_truncated(self) -> bool:
        return self.stdout_total > len(self.stdout)

    @property
    def stderr_truncated(self) -> bool:
        return self.stderr_total > len(self.stderr)

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
            note = f" (truncated: kept the first {_size(len(data))} of {_size(total)})" if total > len(data) else ""
            lines.append(f"{name}{note}:\n{excerpt(data, limit)}")
        return "\n".join(lines)


def run(
    argv: Sequence[str],
    *,
    input_data: bytes | None = None,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> RunResult:
    """Run ``argv`` without a shell; never longer than ``timeout`` seconds (then SIGKILL to its group).

    ``input_data`` goes to standard input (else it reads from /dev/null). Each output stream keeps
    its first ``max_output`` bytes and is drained to the end, so a chatty program can neither block
    nor exhaust memory. Raises ``CannotRun`` when the program cannot be started.
    """
    argv = tuple(argv)
    if not argv or not argv[0]:
        raise CannotRun("empty command line")
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if os.name != "posix":
        raise CannotRun(f"running the system needs a POSIX platform; this is {sys.platform}")
    if cwd is not None and not Path(cwd).is_dir():
        raise CannotRun(f"cannot run {argv[0]!r}: working directory {str(cwd)!r} does not exist")
    report_read, report_write = os.pipe()
    try:
        launcher = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report_write), str(os.getpid()), *argv],
            stdin=subprocess.PIPE if input_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(report_write,),
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group, so a timeout kills the program's children too
        )
    except BaseException:
        os.close(report_read)
        raise
    finally:
        os.close(report_write)
    return _Supervisor(launcher, argv, report_read, input_data, timeout, max_output).run()


class _Supervisor:
    """Pumps the pipes of one launched program until it ends or its time is up, sampling its memory."""

    def __init__(
        self,
        launcher: subprocess.Popen[bytes],
        argv: tuple[str, ...],
        report_fd: int,
        input_data: bytes | None,
        timeout: float,
        max_output: int,
    ) -> None:
        self.launcher = launcher
        self.argv = argv
        self.timeout = timeout
        self.streams = _Streams(launcher, report_fd, input_data, max_output)
        self.deadline = time.perf_counter() + timeout + _LAUNCH_GRACE
        self.started: float | None = None  # when the launcher reported the program's pid
        self.sampler: _PeakSampler | None = None
        self.timed_out = False
        self.launcher_status: int | None = None
        self._pidfd = _pidfd_open(launcher.pid)
        if self._pidfd is not None:
            self.streams.selector.register(self._pidfd, selectors.EVENT_READ, "exit")

    def run(self) -> RunResult:
        try:
            self._pump_until_exit()
            # Leftover children of the program would hold the pipes open and outlive the test.
            self._kill()
            grace = _DRAIN_GRACE / 5 if self.timed_out else _DRAIN_GRACE
            self.streams.drain(time.perf_counter() + grace)
        finally:
            self._close()
        return self._result()

    def _pump_until_exit(self) -> None:
        while self.launcher_status is None:
            now = time.perf_counter()
            if now >= self.deadline:
                self.timed_out = True
                self._stop_program()
                self._kill()
                if self.launcher_status is None:
                    self.launcher_status = _wait(self.launcher.pid, block=True)
                return
            # Sample often while the program is young (short runs), less often later.
            age = now - (self.started or now)
            interval = 0.0005 if age < 0.05 else 0.002 if age < 2 else 0.01
            exited = self.streams.pump(min(self.deadline - now, interval))
            self._read_report()
            if self.sampler is not None:
                self.sampler.sample()
            if exited or self._pidfd is None:
                self.launcher_status = _wait(self.launcher.pid, block=exited)

    def _read_report(self) -> None:
        if self.started is None and self.streams.report_lines():
            for line in self.streams.report_lines():
                if line.startswith(b"pid "):
                    self.started = time.perf_counter()
                    self.deadline = self.started + self.timeout
                    self.sampler = _PeakSampler(int(line.split()[1]))
                    self.sampler.sample()

    def _stop_program(self) -> None:
        """Kill the program itself (it may have left the process group) and let the launcher reap it."""
        if self.sampler is None or self._report("done") is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.sampler.pid, signals.SIGKILL)  # not reaped yet (no "done"), so the pid is still its
        until = time.perf_counter() + 0.5
        while self.launcher_status is None and time.perf_counter() < until:
            self.streams.pump(0.01)
            self.launcher_status = _wait(self.launcher.pid, block=False)

    def _kill(self) -> None:
        _kill_group(self.launcher.pid)

    def _terminate_launcher(self) -> None:
        """Ask the launcher to kill the program's whole tree (it knows the setsid grandchildren, we
        do not), then kill its group in any case."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.launcher.pid, signals.SIGTERM)
        until = time.perf_counter() + _STOP_GRACE
        with contextlib.suppress(ChildProcessError):
            while self.launcher_status is None and time.perf_counter() < until:
                self.launcher_status = _wait(self.launcher.pid, block=False)
                if self.launcher_status is None:
                    time.sleep(0.005)
        self._kill()
        with contextlib.suppress(ChildProcessError):
            if self.launcher_status is None:
                self.launcher_status = _wait(self.launcher.pid, block=True)

    def _close(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.streams.selector.unregister(self._pidfd)
            os.close(self._pidfd)
        self.streams.close()
        if self.launcher_status is None:  # an exception escaped (Ctrl-C, SIGTERM): leave nothing running
            self._terminate_launcher()
        # We reaped the launcher ourselves; tell Popen, so that it neither waits again nor warns.
        status = self.launcher_status
        self.launcher.returncode = os.waitstatus_to_exitcode(status) if status is not None else -signals.SIGKILL

    def _report(self, kind: str) -> list[str] | None:
        for line in self.streams.report_lines():
            words = line.decode("utf-8", errors="replace").split(" ", 5 if kind == "done" else 2)
            if words[0] == kind:
                return words[1:]
        return None

    def _result(self) -> RunResult:
        error = self._report("error")
        if error is not None:
            raise _cannot_run(self.argv[0], int(error[0]), error[1] if len(error) > 1 else "")
        done = self._report("done")
        sampled = self.sampler.peak if self.sampler is not None else None
        peak: int | None
        method: PeakMethod
        if done is not None:
            status, maxrss, wall_ns, own, exit_peak = (int(word) for word in done[:5])
            wall_time = wall_ns / 1e9
            if exit_peak > 0:
                peak, method = exit_peak * 1024, "exit"  # VmHWM at the exit stop, always KiB
            else:
                peak, method = _peak(maxrss * _MAXRSS_UNIT, own * _MAXRSS_UNIT, sampled)
        else:  # the launcher was killed before it could report: say what we saw from outside
            status = self.launcher_status if self.launcher_status is not None else signals.SIGKILL
            wall_time = time.perf_counter() - (self.started or time.perf_counter())
            peak, method = (sampled, "sampled") if sampled is not None else (None, "none")
        if self.timed_out:  # we killed it: that is the outcome, whatever the launcher saw
            status, wall_time = int(signals.SIGKILL), self.timeout
        code = os.waitstatus_to_exitcode(status)
        return RunResult(
            argv=self.argv,
            exit_status=code if code >= 0 else None,
            signal=-code if code < 0 else None,
            timed_out=self.timed_out,
            timeout=self.timeout,
            wall_time=wall_time,
            peak_rss=peak,
            peak_method=method,
            stdout=bytes(self.streams.kept["stdout"]),
            stderr=bytes(self.streams.kept["stderr"]),
            stdout_total=self.streams.total["stdout"],
            stderr_total=self.streams.total["stderr"],
        )


def _cannot_run(program: str, number: int, message: str) -> CannotRun:
    if number == errno.ENOENT:
        interpreter = _missing_interpreter(program)
        if interpreter is not None:
            return CannotRun(f"cannot run {program!r}: its interpreter {interpreter!r} (the #! line) does not exist")
        where = "no such file" if os.sep in program else "not found on PATH"
        return CannotRun(f"cannot run {program!r}: {where}")
    if number in (errno.EACCES, errno.EPERM, errno.EISDIR):
        if os.path.isdir(program):
            return CannotRun(f"cannot run {program!r}: is a directory")
        return CannotRun(f"cannot run {program!r}: not executable (permission denied)")
    if number == errno.ENOEXEC:
        return CannotRun(f"cannot run {program!r}: not an executable program (exec format error)")
    return CannotRun(f"cannot run {program!r}: {message or os.strerror(number)}")


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


class _Streams:
    """Non-blocking pump between our pipes and the launched program: feed stdin, keep capped output."""

    def __init__(
        self, proc: subprocess.Popen[bytes], report_fd: int, input_data: bytes | None, max_output: int
    ) -> None:
        self.selector = selectors.DefaultSelector()
        self.caps = {"stdout": max_output, "stderr": max_output, "report": 1 << 16}
        self.kept = {name: bytearray() for name in self.caps}
        self.total = dict.fromkeys(self.caps, 0)
        self._files: list[object] = [f for f in (proc.stdin, proc.stdout, proc.stderr) if f is not None]
        self._report_fd = report_fd
        self._pending = memoryview(input_data or b"")
        if proc.stdout is None or proc.stderr is None:
            raise RuntimeError("the launcher was started without output pipes")
        for name, fd in (("stdout", proc.stdout.fileno()), ("stderr", proc.stderr.fileno()), ("report", report_fd)):
            self.selector.register(fd, selectors.EVENT_READ, name)
        if proc.stdin is not None:
            os.set_blocking(proc.stdin.fileno(), False)
            if self._pending:
                self.selector.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
            else:
                proc.stdin.close()

    def report_lines(self) -> list[bytes]:
        return bytes(self.kept["report"]).splitlines()

    def pump(self, timeout: float) -> bool:
        """Move data for up to ``timeout`` seconds; True once the launcher has exited (pidfd readable)."""
        exited = False
        for key, _ in self.selector.select(max(timeout, 0.0)):
            fd = key.fd
            if not isinstance(fd, int):
                continue
            if key.data == "exit":
                exited = True
            elif key.data == "stdin":
                self._write(fd)
            else:
                self._read(fd, key.data)
        return exited

    def drain(self, until: float) -> None:
        """Read what is left in the pipes, until end of file or ``until``."""
        self._unregister("stdin")
        while any(key.data in self.caps for key in self.selector.get_map().values()):
            remaining = until - time.perf_counter()
            if remaining <= 0:
                return
            self.pump(min(remaining, 0.05))

    def _unregister(self, name: str) -> None:
        for key in list(self.selector.get_map().values()):
            if key.data == name:
                self.selector.unregister(key.fd)
                if name == "stdin":
                    self._close_fd(key.fd)

    def _close_fd(self, fd: object) -> None:
        for f in list(self._files):
            if _fileno(f) == fd:
                self._files.remove(f)
                with contextlib.suppress(OSError):
                    f.close()  # type: ignore[attr-defined]

    def _write(self, fd: int) -> None:
        try:
            written = os.write(fd, self._pending[:_CHUNK])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):  # it stopped reading; that is its business
            written = len(self._pending)
        self._pending = self._pending[written:]
        if not self._pending:
            self._unregister("stdin")

    def _read(self, fd: int, name: str) -> None:
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if not data:
            self.selector.unregister(fd)
            return
        self.total[name] += len(data)
        kept = self.kept[name]
        room = self.caps[name] - len(kept)
        if room > 0:
            kept += data[:room]

    def close(self) -> None:
        self.selector.close()
        for f in self._files:
            with contextlib.suppress(OSError):
                f.close()  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            os.close(self._report_fd)


def _fileno(f: object) -> int:
    try:
        return int(f.fileno())  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return -1


class _PeakSampler:
    """Highest resident set seen for one process: ``VmHWM`` on Linux, ``psutil`` RSS elsewhere."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak: int | None = None
        self._status = Path(f"/proc/{pid}/status")
        self._use_proc = self._status.exists()

    def sample(self) -> None:
        value = self._read_hwm() if self._use_proc else self._read_psutil()
        if value is not None and (self.peak is None or value > self.peak):
            self.peak = value

    def _read_hwm(self) -> int | None:
        try:
            text = self._status.read_text()
        except OSError:
            return None
        return parse_vmhwm(text)

    def _read_psutil(self) -> int | None:
        try:
            return int(psutil.Process(self.pid).memory_info().rss)
        except (psutil.Error, OSError):
            return None


def parse_vmhwm(status_text: str) -> int | None:
    """Bytes from the ``VmHWM:`` line of ``/proc/<pid>/status`` (None for a zombie or kernel thread)."""
    for line in status_text.splitlines():
        if line.startswith("VmHWM:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                factor = 1024 if len(parts) < 3 or parts[2].lower() == "kb" else 1
                return int(parts[1]) * factor
    return None


def _peak(maxrss: int, launcher_peak: int, sampled: int | None) -> tuple[int | None, PeakMethod]:
    """The program's own peak: see the module docstring for why and in what order."""
    if maxrss > launcher_peak:  # more than it could have inherited from the launcher at exec
        return maxrss, "wait4"
    if sampled is not None:
        return min(sampled, maxrss) if maxrss > 0 else sampled, "sampled"
    if maxrss > 0:
        return maxrss, "wait4-bound"
    return None, "none"


def _pidfd_open(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _wait(pid: int, *, block: bool) -> int | None:
    """The wait status of ``pid`` once it has ended; None if it is still running and not ``block``."""
    got, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    return None if got == 0 else status


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signals.SIGKILL)


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


def median(values: Sequence[float]) -> float:
    """The median (``statistics.median``); raises ``ValueError`` on no data."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile, 0 <= q <= 100, interpolating between order statistics.

    Same definition as ``statistics.quantiles(method="inclusive")`` (and numpy's default):
    ``percentile(v, 50) == median(v)``, ``percentile(v, 0) == min(v)``, ``percentile(v, 100) == max(v)``.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q!r}")
    ordered = sorted(float(v) for v in values)
    if len(ordered) == 1 or q == 0:
        return ordered[0]
    if q == 100:
        return ordered[-1]
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    # Interpolate from the lower neighbour and clamp: the weighted mean statistics.quantiles uses
    # can round just outside [low, high] (two equal values gave a result below both).
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return min(max(value, ordered[low]), ordered[high])


def throughput(wall_times: Sequence[float]) -> float:
    """Runs per second over a series of sequential runs: count / total wall time."""
    total = math.fsum(wall_times)
    if not wall_times or total <= 0:
        raise ValueError("throughput needs at least one run with a positive wall time")
    return len(wall_times) / total
