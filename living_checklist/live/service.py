"""The service under test: start it in a tree the harness owns, wait until its URL answers, stop it.

The service command is split with ``shlex`` and never run by a shell. It is started through a
small launcher (``python -I -S``) that is, on Linux, the service's child subreaper: a process the
service forks that calls ``setsid`` and is orphaned comes back to the launcher, not to init, so
the whole tree stays in view. The launcher is told by ``SIGTERM`` when the test process dies
(``PR_SET_PDEATHSIG``); whenever it is asked to stop, or its parent dies, it sends ``SIGTERM`` to
every process of the tree, waits a grace period and kills what is left. It reports each process
it reaps with its ``ru_maxrss``, on a pipe the service does not inherit.

The service's output (standard output and error together) is read by a thread into a bounded
buffer: the first and the last ``OUTPUT_KEEP`` bytes, with a count of every byte, never a file.
Requests and loads are in ``living_checklist.live.load``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import signal as signals
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from living_checklist.core.escape import indented, terminal_safe
from living_checklist.core.redact import redact_argv, redact_url

__all__ = ["OUTPUT_KEEP", "Output", "Service", "ServiceError", "answers", "indented", "running_peak"]

OUTPUT_KEEP = 1 << 20  # bytes kept of the start and of the end of the service's output
OUTPUT_TAIL = 4000  # characters of the service's output shown when it fails to start
_POLL = 0.05
_STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
_REPORT_DRAIN = 5.0  # seconds to wait for the launcher's last report lines once it ended

# argv[1]: the test process's pid; argv[2]: the report fd; argv[3]: grace seconds; argv[4:]: the service.
_LAUNCHER = r"""
import os, signal, sys, time
parent, report, grace = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
argv = sys.argv[4:]
os.set_inheritable(report, False)
DEFAULTS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

def say(line):
    try:
        os.write(report, line.encode("utf-8", "replace") + b"\n")
    except OSError:
        pass

def tree():
    found, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found

def reap():
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True
        say("exit %d %d %d" % (pid, status, usage.ru_maxrss))

def signal_all(number):
    kids = tree()
    for kid in kids:
        try:
            os.kill(kid, number)
        except OSError:
            pass
    return kids

def end(number, frame):
    signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGTERM, signal.SIGHUP, signal.SIGINT))
    signal_all(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while reap() and time.monotonic() < deadline:
        time.sleep(0.02)
    for _ in range(10000):
        signal_all(signal.SIGKILL)
        if not reap():
            break
        time.sleep(0.002)
    os._exit(0)

try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
except (ImportError, OSError, AttributeError):
    pass
for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(number, end)
if os.getppid() != parent:
    os._exit(125)
try:
    pid = os.posix_spawnp(argv[0], argv, os.environ, setsigdef=DEFAULTS, setpgroup=0)
except OSError as exc:
    say("error %s" % (exc.strerror or exc))
    os._exit(127)
say("pid %d" % pid)
while True:
    try:
        pid, status, usage = os.wait4(-1, 0)
    except ChildProcessError:
        break
    say("exit %d %d %d" % (pid, status, usage.ru_maxrss))
os._exit(0)
"""


class ServiceError(Exception):
    """The service could not be started, or does not answer: the message says why and what it printed."""


def answers(url: str, timeout: float = 1.0) -> bool:
    """True once anything answers HTTP at ``url`` (any status counts: the server is up)."""
    try:
        httpx.get(url, timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return False
    return True


@dataclass
class Output:
    """A bounded view of a stream: its first and last ``keep`` bytes and how many there were."""

    keep: int = OUTPUT_KEEP
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > 2 * self.keep:
                del self.tail[: len(self.tail) - self.keep]

    @property
    def complete(self) -> bool:
        """Whether every byte is still here."""
        return len(self.head) + len(self.tail) == self.total

    def text(self) -> str:
        """What is kept, decoded; a gap is marked when bytes in the middle were dropped."""
        tail = self.tail[-self.keep :] if not self.complete else self.tail
        gap = "" if self.complete else f"\n... ({self.total - len(self.head) - len(tail)} bytes not kept) ...\n"
        return bytes(self.head).decode("utf-8", "replace") + gap + bytes(tail).decode("utf-8", "replace")

    def last(self, limit: int) -> str:
        whole = bytes(self.head + self.tail) if self.complete else bytes(self.tail)
        text = whole[-limit:].decode("utf-8", "replace")
        return ("..." if self.total > limit else "") + text


@dataclass
class Service:
    """A service started from ``argv`` under a launcher that owns its whole process tree."""

    argv: tuple[str, ...]
    url: str
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    output: Output = field(default_factory=Output)
    leader: int | None = None
    exited: dict[int, tuple[int, int]] = field(default_factory=dict)  # pid -> (wait status, maxrss KiB)
    grace: float = _STOP_GRACE  # seconds between SIGTERM and SIGKILL when stopped
    spawn_error: str = ""  # why the command could not be started, as the launcher reported it
    timeout_key: str = "checklist_system_timeout"  # the setting that says how long start() waits
    _reader: threading.Thread | None = None
    _report: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _reports_read: threading.Event = field(default_factory=threading.Event)  # the report pipe reached its end

    @property
    def command(self) -> str:
        """The command line as messages show it, secrets masked."""
        return shlex.join(redact_argv(self.argv))

    def start(self, wait: float) -> None:
        """Start the service and return once ``url`` answers; ``ServiceError`` if it never does."""
        if answers(self.url, timeout=0.5):
            raise ServiceError(
                f"checklist_url {redact_url(self.url)} already answers before checklist_service started: "
                "another process holds that address, so the checks would not reach the service started by "
                f"{self.command!r}. "
                "Stop that process or choose another port."
            )
        self.launch()
        deadline = time.monotonic() + wait
        while not self._answered(deadline, wait):
            time.sleep(_POLL)

    def _answered(self, deadline: float, wait: float) -> bool:
        """Whether ``url`` answers now; ``ServiceError`` (the service stopped) once it ended or the wait is over."""
        status = self.ended()
        if status is not None:
            self.stop()
            raise ServiceError(
                f"checklist_service {self.command!r} {status} before {redact_url(self.url)} answered\n"
                f"its output:\n{self._output_tail()}"
            )
        if answers(self.url, timeout=min(1.0, max(deadline - time.monotonic(), 0.05))):
            return True
        if time.monotonic() >= deadline:
            self.stop()
            raise ServiceError(
                f"checklist_service {self.command!r} started, but {redact_url(self.url)} did not answer "
                f"within {wait:g} s ({self.timeout_key}); it was stopped\n"
                f"its output:\n{self._output_tail()}"
            )
        return False

    def _output_tail(self) -> str:
        return indented(self.output.last(OUTPUT_TAIL) or "(empty)")

    def launch(self) -> None:
        """Start the command in a tree the harness owns, without waiting for anything."""
        report_r, report_w = os.pipe()
        argv = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), str(report_w), str(self.grace)]
        try:
            self.process = subprocess.Popen(
                [*argv, *self.argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                pass_fds=(report_w,),
                process_group=0,  # a Ctrl-C in the terminal reaches pytest, which stops the tree in order
            )
        except OSError as exc:
            os.close(report_r)
            raise ServiceError(f"cannot start checklist_service {self.command!r}: {exc.strerror or exc}") from None
        finally:
            os.close(report_w)
        self._report = report_r
        self._reader = threading.Thread(target=self._read, name="checklist-service-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        process = self.process
        assert process is not None and process.stdout is not None and self._report is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout.fileno(), selectors.EVENT_READ, "output")
            selector.register(self._report, selectors.EVENT_READ, "report")
            pending = b""
            while selector.get_map():
                for key, _ in selector.select():
                    pending = self._take(selector, key, pending)

    def _take(self, selector: selectors.BaseSelector, key: selectors.SelectorKey, pending: bytes) -> bytes:
        """Read what ``key`` has: output is kept, reports are applied; returns the unfinished report line."""
        data = os.read(key.fd, 1 << 16)
        if not data:
            selector.unregister(key.fd)
            if key.data == "report":
                self._reports_read.set()
        elif key.data == "output":
            with self._lock:
                self.output.add(data)
        else:
            return self._reported(pending + data)
        return pending

    def _reported(self, data: bytes) -> bytes:
        *lines, rest = data.split(b"\n")
        with self._lock:
            for line in lines:
                self._report_line(line.decode("utf-8", "replace").split())
        return rest

    def _report_line(self, words: list[str]) -> None:
        """One line of the launcher's report: ``pid P``, ``exit P STATUS MAXRSS`` or ``error TEXT``."""
        if words[:1] == ["pid"] and len(words) == 2 and self.leader is None:
            self.leader = int(words[1])
        elif words[:1] == ["exit"] and len(words) == 4:
            self.exited[int(words[1])] = (int(words[2]), int(words[3]))
        elif words[:1] == ["error"]:
            self.spawn_error = " ".join(words[1:])
            self.output.add(("cannot start: " + self.spawn_error + "\n").encode())

    def wait_started(self, timeout: float) -> bool:
        """Wait until the launcher has started the command (or failed to); False if it took longer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._start_known():
                return True
            time.sleep(0.005)
        return False

    def _start_known(self) -> bool:
        """Whether the launcher reported the leader's pid or a failure, or itself ended."""
        with self._lock:
            if self.leader is not None or self.spawn_error:
                return True
        return self._launcher_done()

    def _launcher_done(self) -> bool:
        """Whether the launcher ended; if so, once every line it reported has been read.

        Only the launcher holds the report pipe, so its end comes soon after the launcher's:
        without this wait an exit reported just before the launcher ended could be missed.
        """
        process = self.process
        if process is None or process.poll() is None:
            return False
        if self._reader is not None and self._reader.is_alive():
            self._reports_read.wait(_REPORT_DRAIN)
        return True

    def ended(self) -> str | None:
        """How the service's first process ended, or None while it runs (or forked and left a daemon)."""
        process = self.process
        assert process is not None
        done = self._launcher_done()
        with self._lock:
            leader = self.leader
            status = self.exited.get(leader) if leader is not None else None
        if status is None and done:
            with self._lock:
                why = self.spawn_error or f"launcher exit status {process.returncode}"
            return f"could not be started ({why})"
        if status is None or self.tree():  # a status is the leader's: it is known by then
            return None  # still running, or it forked the real server into the background and left
        return _how_ended(status[0])

    def tree(self) -> list[int]:
        """The pids of every process of the service's tree now (the launcher not counted)."""
        process = self.process
        if process is None or process.returncode is not None:
            return []
        return _descendants(process.pid)

    def peak_memory(self) -> tuple[int, str]:
        """The largest peak resident set (bytes) of any process of the tree so far, and which one it was.

        Running processes are read from ``/proc/<pid>/status`` (``VmHWM``); processes that ended
        count with the ``ru_maxrss`` their ``wait4`` gave (an upper bound: it includes what the
        launcher held before the service's first process started).
        """
        process = self.process
        running = process is not None and not self._launcher_done()
        best, who = running_peak(process.pid) if process is not None and running else (0, "")
        with self._lock:
            ended = dict(self.exited)
        for pid, (_, maxrss) in ended.items():
            if maxrss * 1024 > best:
                best, who = maxrss * 1024, f"pid {pid}, ended"
        return best, who

    def output_text(self) -> tuple[str, bool]:
        """The service's output so far (decoded) and whether it is complete (nothing dropped)."""
        with self._lock:
            return self.output.text(), self.output.complete

    def stop(self) -> None:
        """Stop the whole tree: SIGTERM to every process, SIGKILL after a grace period."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            _end_launcher(process, self.grace + 5.0)
        self._release(process)

    def _release(self, process: subprocess.Popen[bytes]) -> None:
        """Once the launcher ended: let the reader finish, close the output and (the reader done) the report pipe."""
        if self._reader is not None:
            self._reader.join(2.0)
        if process.stdout is not None:
            process.stdout.close()
        if self._report is not None and (self._reader is None or not self._reader.is_alive()):
            with contextlib.suppress(OSError):
                os.close(self._report)
            self._report = None


def _how_ended(wait_status: int) -> str:
    if os.WIFSIGNALED(wait_status):
        return f"was killed by signal {os.WTERMSIG(wait_status)}"
    return f"exited with status {os.waitstatus_to_exitcode(wait_status)}"


def _end_launcher(process: subprocess.Popen[bytes], wait: float) -> None:
    """SIGTERM to the launcher (it stops the tree in order); when it is stuck past ``wait``
    seconds, SIGKILL to every process it held and to itself."""
    left = _descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signals.SIGTERM)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        for pid in [*left, *_descendants(process.pid)]:  # the launcher is stuck: end what it held
            with contextlib.suppress(OSError):
                os.kill(pid, signals.SIGKILL)
        process.kill()
        process.wait()


def _descendants(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            with contextlib.suppress(OSError, ValueError):
                kids = [int(k) for k in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
                found += kids
                todo += kids
    return found


def _vmhwm(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def _comm(pid: int) -> str:
    with contextlib.suppress(OSError):
        return terminal_safe(Path(f"/proc/{pid}/comm").read_text().strip())
    return "?"


def running_peak(launcher: int) -> tuple[int, str]:
    """The largest ``VmHWM`` (bytes) among the running processes under ``launcher``, and which one."""
    best, who = 0, "no process"
    for pid in _descendants(launcher):
        size = _vmhwm(pid)
        if size is not None and size > best:
            best, who = size, f"pid {pid} ({_comm(pid)}), running"
    return best, who
