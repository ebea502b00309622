"""The harness's supervisor of the system's runs: one small process that starts each run and records it.

Run by ``living_checklist.live.runner`` as ``python -I -S <this file> FD`` (stdlib only), it serves
runs one at a time over the ``SOCK_SEQPACKET`` socket FD (JSON messages). It is not dumpable (no
one of this user can open its ``/proc/<pid>/fd`` or attach to it; a socket cannot be opened
through ``/proc`` at all), a child subreaper (orphans of the tree come back here), and, with
``trace``, the ptrace tracer of the whole tree (fork, clone, exec and exit events only): each
process's ``VmHWM`` is read at its exit stop. Exit status and rusage come from ``wait4`` here.
Requests: ``{"id", "argv", "env", "cwd", "timeout", "trace", "tell"}`` with stdin, stdout and
stderr (and a fourth descriptor holding a large request); ``{"end": id}`` once the output is
closed. Replies: ``{"started": pid}`` (with ``tell``), ``{"exited": ns}`` (the first process
ended, others run on), then ``{"done": {...}}`` or ``{"error": errno, "message": text}``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any

WALL = 0x40000000  # __WALL: threads and tracees too
SEIZE, LISTEN, CONT, DETACH, GETEVENTMSG, SETOPTIONS, TRACEEXEC = 0x4206, 0x4208, 7, 17, 0x4201, 0x4200, 0x10
OPTIONS = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x100000  # TRACEFORK VFORK CLONE EXEC EXIT, EXITKILL
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC, EVENT_EXIT, EVENT_STOP = 1, 2, 3, 4, 6, 128
STOPS = (signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)
RESET = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGCHLD)
DAEMON_CHECK = 0.05  # seconds between looks at what is left after the first process ended
END_GRACE = 0.1  # seconds the tree may still take to end by itself once its output is closed
KILL_GRACE = 5.0  # seconds to reap a killed tree before giving up on it
MAX_MESSAGE = 1 << 16


class Libc:
    """``prctl`` and ``ptrace`` through ctypes; None where this platform has neither."""

    def __init__(self) -> None:
        self.prctl: Any = None
        self.ptrace: Any = None
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
            self.prctl, self.ptrace = getattr(libc, "prctl", None), getattr(libc, "ptrace", None)
        if self.ptrace is not None:
            self.ptrace.restype = ctypes.c_long
            self.ptrace.argtypes = (ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p)

    def call(self, request: int, pid: int, data: int = 0) -> int:
        return int(self.ptrace(request, pid, None, data))

    def event_message(self, pid: int) -> int:
        value = ctypes.c_ulong(0)
        self.ptrace(GETEVENTMSG, pid, None, ctypes.byref(value))
        return int(value.value)


LIBC = Libc()


def status_field(pid: int, name: bytes) -> int:
    """A number of ``/proc/<pid>/status`` (``VmHWM:`` in KiB, ``Tgid:``); -1 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(name))
    except (OSError, ValueError, IndexError, StopIteration):
        return -1


def hwm_kib(pid: int) -> int:
    return status_field(pid, b"VmHWM:")


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read(512).split(b"\0")
    except OSError:
        return f"process {pid}"
    return " ".join(w.decode("utf-8", "replace") for w in words if w)[:200] or f"process {pid}"


def session(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[3])
    except (OSError, ValueError, IndexError):
        return -1


def children() -> list[int]:
    """This process's children (for the fallback without ptrace, where tracees are not known)."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def resolve(program: str, env: dict[str, str] | None) -> str:
    """The file ``execvp`` would run (searched once here, not tried at every PATH entry in the child)."""
    if "/" in program:
        return program
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    denied = False
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
        denied = denied or os.path.exists(candidate)  # as execvp: a folder or a file without x is EACCES
    if denied:
        raise PermissionError(13, "permission denied")
    raise FileNotFoundError(2, "not found on PATH")


def start_child(request: dict[str, Any], fds: list[int], program: str) -> tuple[int, int, int]:
    """Fork the first process; it waits for ``go`` before it execs. (pid, ready fd, go fd)."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child(request, fds, ready_w, go_r, program)
    os.close(ready_w)
    os.close(go_r)
    return pid, ready_r, go_w


def child(request: dict[str, Any], fds: list[int], ready: int, go: int, program: str) -> None:  # pragma: no cover
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target, inheritable=True)
        close_others(keep=(0, 1, 2, ready, go))
        signal.set_wakeup_fd(-1)
        for number in RESET:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        if LIBC.prctl is not None:
            LIBC.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: its parent may trace it; exec resets it anyway
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.write(ready, b"r")  # dumpable now, so it can be seized (this process is not)
        if os.read(go, 1) == b"g":
            env = request.get("env")
            os.execve(program, request["argv"], env if env is not None else os.environ)
    except OSError as exc:
        try:
            os.write(ready, b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode("utf-8", "replace")))
        finally:
            os._exit(127)
    os._exit(0)


def close_others(keep: tuple[int, ...]) -> None:
    """Close every descriptor but ``keep`` (the open ones, as /proc lists them; else the first 1024)."""
    try:
        open_fds = {int(name) for name in os.listdir("/proc/self/fd")}
    except OSError:
        open_fds = set(range(1024))
    for fd in open_fds - set(keep):
        with contextlib.suppress(OSError):
            os.close(fd)


class Run:
    """One run of the system's tree, from ``go`` to the reaping of its last process."""

    def __init__(self, server: Server, request: dict[str, Any], fds: list[int]) -> None:
        self.server = server
        self.request = request
        self.known: set[int] = set()  # every task of the tree seen so far, while it lives
        self.deadline = time.monotonic() + float(request["timeout"])
        self.fds = fds
        self.pid, self.ready, self.traced, self.floor = 0, -1, False, -1
        self.start = self.end = self.first_end = 0  # perf_counter_ns
        self.status: int | None = None
        self.maxrss, self.peak, self.peak_pid, self.peak_name = 0, -1, 0, ""
        self.killing, self.killing_until = False, 0.0
        self.end_by = 0.0  # when the harness said the output is closed: the grace's end
        self.exiting: set[int] = set()  # tasks past their exit stop: ending by themselves
        self.threads: set[int] = set()  # tasks that are threads of another (not processes)
        self.killed, self.timed_out = 0, False
        self.error: bytes = b""

    def launch(self) -> bool:
        """Start the first process; False (with ``self.error``) when it could not be started."""
        self.request["argv"][0] = program = resolve(self.request["argv"][0], self.request.get("env"))
        if self.request.get("trace") and LIBC.ptrace is not None:
            return self._traced(program)
        return self._spawned(program)

    def _spawned(self, program: str) -> bool:
        """posix_spawn: the fastest start; peak memory from wait4 alone (exact above the floor)."""
        actions: list[tuple[int, ...]] = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(self.fds[:3])]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in set(self.fds) if fd > 2]
        env = self.request.get("env")
        try:
            if self.request.get("cwd"):
                os.chdir(self.request["cwd"])
            self.floor = hwm_kib(os.getpid())  # a vfork shares our memory: its exec starts from our peak
            self.start = time.perf_counter_ns()
            self.pid = os.posix_spawn(
                program,
                self.request["argv"],
                env if env is not None else os.environ,
                file_actions=actions,
                setsigdef=RESET,
                setsigmask=(),
            )
        except OSError as exc:
            self.error = b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode("utf-8", "replace"))
            return False
        finally:
            os.chdir("/")
        self._tell()
        return True

    def _tell(self) -> None:
        if self.request.get("tell"):
            self.server.send({"started": self.pid})

    def _traced(self, program: str) -> bool:
        """fork, seize before its exec: every process of the tree stops at its exit for its peak."""
        self.pid, self.ready, go = start_child(self.request, self.fds, program)
        first = os.read(self.ready, 1)
        if first != b"r":  # its set-up failed (a working directory that went away)
            self.error = first + self._read_error()
            os.close(go)
            return False
        self.traced = LIBC.call(SEIZE, self.pid, OPTIONS) == 0  # it waits for "go": traced from the start
        self.floor = hwm_kib(self.pid)  # what it will carry into its exec (a fork of us)
        self._tell()
        self.start = time.perf_counter_ns()
        os.write(go, b"g")
        os.close(go)
        if not self.traced:  # the classic check: end of file at exec, a message when it failed
            self.error = self._read_error()
        return not self.error

    def _read_error(self) -> bytes:
        with os.fdopen(os.dup(self.ready), "rb") as pipe:  # to its end: the exec, or the message of its failure
            return pipe.read()

    def serve(self) -> None:
        while True:
            self.reap()
            if self.status is not None and not self.first_end:
                self.first_end = time.perf_counter_ns()
                self._first_ended()
            if self.tree_empty():
                return
            if self.first_end and not self.end_by and self._only_daemons_left():
                self.end_by = time.monotonic()  # what is left has left the session (setsid): daemons
            readable = self.server.wait((self.server.sock.fileno(),), self._wait())
            if self.server.sock.fileno() in readable:
                self._message()
            if not self._on_time():
                return  # unkillable (uninterruptible sleep): say what we know

    def _wait(self) -> float:
        """Seconds to wait for the next event: until the deadline or the end of a grace."""
        if self.killing:
            return 0.05
        until = min(self.deadline, self.end_by or self.deadline)
        if self.first_end:  # what is left may call setsid any moment
            until = min(until, time.monotonic() + DAEMON_CHECK)
        return min(max(until - time.monotonic(), 0.0), 3600.0)

    def _on_time(self) -> bool:
        """Kill at the end of the grace or at the deadline; False once killing has taken too long."""
        now = time.monotonic()
        if self.end_by and not self.killing and now >= self.end_by:
            self.kill()
        if not self.killing and now >= self.deadline:
            self.timed_out = True
            self.kill()
        return not (self.killing and now > self.killing_until)

    def _first_ended(self) -> None:
        if self.traced and self.ready >= 0:  # end of file at its exec; a message when the exec failed
            self.error = self._read_error()
        if self.error:
            self.kill()
        elif not self.tree_empty():
            self.server.send({"exited": self.first_end - self.start})

    def _only_daemons_left(self) -> bool:
        ours = os.getsid(0)
        sessions = {session(pid) for pid in [*self.known, *children()]} - {-1}
        return bool(sessions) and ours not in sessions

    def _message(self) -> None:
        message = self.server.receive()
        if message is None:  # the harness is gone
            self.kill()
        elif message.get("end") == self.request.get("id") and not self.end_by:  # not a late one, for an earlier run
            # The output is closed; what still runs gets a moment to end by itself (a program closes
            # its streams just before it exits), then it is a process left behind, and killed.
            self.end_by = time.monotonic() + END_GRACE

    def tree_empty(self) -> bool:
        if self.status is None and self.pid:
            return False
        try:
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT | WALL)
        except ChildProcessError:
            return True
        return False

    def kill(self) -> None:
        if not self.killing:
            self.killing = True
            self.killing_until = time.monotonic() + KILL_GRACE
        for pid in [*self.known, *children()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue

    def reap(self) -> None:
        """Every event waiting: stops are answered, ends recorded; never blocks."""
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG | WALL)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if os.WIFSTOPPED(status):
                self.stopped(pid, status)
                continue
            self.ended(pid, status, usage.ru_maxrss)

    def ended(self, pid: int, status: int, maxrss: int) -> None:
        self.known.discard(pid)
        if not self.killing or pid in self.exiting:  # it ended by itself (its exit stop came first)
            self.end = time.perf_counter_ns()
        elif pid not in self.threads:
            self.killed += 1
        self.exiting.discard(pid)
        if pid == self.pid:
            self.status, self.maxrss = status, maxrss
        elif maxrss > self.peak and not self.traced:  # an orphan we reaped (its own tree's peak)
            self.peak, self.peak_pid, self.peak_name = maxrss, pid, f"process {pid}"

    def stopped(self, pid: int, status: int) -> None:
        event, number = status >> 16, os.WSTOPSIG(status)
        self.known.add(pid)
        if self.killing:
            os.kill(pid, signal.SIGKILL)
            LIBC.call(DETACH if event == EVENT_EXIT else CONT, pid)
            return
        if event in (EVENT_FORK, EVENT_VFORK, EVENT_CLONE):
            new = LIBC.event_message(pid)
            self.known.add(new)
            if event == EVENT_CLONE and status_field(new, b"Tgid:") not in (new, -1):
                self.threads.add(new)
        elif event == EVENT_EXIT:
            self._exit_stop(pid)
        elif event == EVENT_EXEC and pid == self.pid and self.ready >= 0:
            self._exec_stop()
        elif event == EVENT_STOP and number in STOPS:  # a group stop: stays stopped until SIGCONT
            LIBC.call(LISTEN, pid)
            return
        elif event == 0:  # a signal for the process: deliver it
            LIBC.call(CONT, pid, number)
            return
        LIBC.call(CONT, pid)

    def _exec_stop(self) -> None:
        """The first exec succeeded (end of file on the close-on-exec pipe): close that pipe before
        the program runs a single instruction, so nothing it does can fake an exec error."""
        os.set_blocking(self.ready, False)
        try:
            self.error = os.read(self.ready, 4096)
        except BlockingIOError:
            self.error = b""
        os.close(self.ready)
        self.ready = -1
        LIBC.call(SETOPTIONS, self.pid, OPTIONS & ~TRACEEXEC)  # later execs, its children's too: no stop

    def _exit_stop(self, pid: int) -> None:
        self.exiting.add(pid)
        value = hwm_kib(pid)
        if value > self.peak:
            self.peak, self.peak_pid = value, pid
            self.peak_name = command_line(pid)

    def outcome(self) -> dict[str, Any]:
        wall = (self.end or time.perf_counter_ns()) - self.start
        return {
            "status": self.status if self.status is not None else signal.SIGKILL,
            "wall_ns": wall,
            "first_ns": (self.first_end or self.end) - self.start,
            **{"maxrss": self.maxrss, "floor": self.floor, "peak": self.peak, "peak_name": self.peak_name},
            **{"peak_first": self.peak_pid == self.pid, "traced": self.traced, "killed": self.killed},
            **{"timed_out": self.timed_out, "complete": self.tree_empty()},
        }


class Server:
    """The loop over requests; one run at a time."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.sock.set_inheritable(False)
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def wait(self, fds: tuple[int, ...], timeout: float) -> list[int]:
        readable, _, _ = select.select([*fds, self.wake_r], [], [], timeout)
        if self.wake_r in readable:
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake_r, 4096)
        return [fd for fd in readable if fd != self.wake_r]

    def send(self, message: dict[str, Any]) -> None:
        self.sock.send(json.dumps(message).encode())

    def receive(self) -> dict[str, Any] | None:
        try:
            data = self.sock.recv(MAX_MESSAGE)
        except OSError:
            return None
        return json.loads(data) if data else None

    def serve(self) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 4)
            except InterruptedError:
                continue
            if not data:
                return
            request = json.loads(data)
            if request.get("body") and len(fds) > 3:
                with os.fdopen(fds.pop(), "rb") as body:
                    request = json.loads(body.read())
            if "argv" in request:
                self.one(request, fds)
            else:  # an "end" that crossed our "done" on the way
                for fd in fds:
                    os.close(fd)

    def one(self, request: dict[str, Any], fds: list[int]) -> None:
        run = Run(self, request, fds)
        try:
            launched = run.launch()
        except OSError as exc:
            launched, run.error = False, b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode())
        finally:
            for fd in fds:
                os.close(fd)
        try:
            if launched:
                run.serve()
        finally:
            if run.ready >= 0:
                os.close(run.ready)
            self.finish(run)
        if run.error:
            text = run.error.decode("utf-8", "replace")
            words = text.split(" ", 2)
            number = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
            self.send({"error": number, "message": words[2] if len(words) > 2 else text})
        else:
            self.send({"done": run.outcome()})

    def finish(self, run: Run) -> None:
        """Nothing of this run may outlive it: kill and reap what is left, bounded in time."""
        if run.tree_empty():
            return
        run.kill()
        until = time.monotonic() + KILL_GRACE
        while not run.tree_empty() and time.monotonic() < until:
            run.reap()
            run.kill()
            self.wait((), 0.01)


def main(argv: list[str]) -> int:
    """No parent-death signal (it follows the thread that started us): the socket's end tells us."""
    fd = int(argv[1])
    if LIBC.prctl is not None:
        LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no /proc/<pid>/fd, no attaching, for anyone of this user
        LIBC.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the system and pytest; pytest ends us
    Server(fd).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
