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
A series, ``{..., "series": count}`` without descriptors, is that many runs in a row from one
request: each run's output pipes come first (``{"run": index}`` with their read ends), its reply
says ``"run": index``, and the next starts on ``{"next": id}``; the launcher sees the output
closed by itself (every writer of both pipes gone) instead of waiting for ``end``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Sequence
from typing import Any

if __package__:  # imported as part of the package (tests, type checks)
    from living_checklist.live import launcher_os as host
else:  # run as a file with -I -S: the one module beside it, nothing else of the package
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import launcher_os as host  # type: ignore[import-not-found, no-redef]

DAEMON_CHECK = 0.05  # seconds between looks at what is left after the first process ended
END_GRACE = 0.1  # seconds the tree may still take to end by itself once its output is closed
KILL_GRACE = 5.0  # seconds to reap a killed tree before giving up on it
MAX_MESSAGE = 1 << 16


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
        # A series: the launcher's own copies of the output pipes' read ends (never read here). A
        # hang-up on both says the tree closed its output, which the harness says otherwise ("end").
        self.watch: list[int] | None = None

    def launch(self) -> bool:
        """Start the first process; False (with ``self.error``) when it could not be started."""
        self.request["argv"][0] = program = host.resolve(self.request["argv"][0], self.request.get("env"))
        if self.request.get("trace") and host.LIBC.ptrace is not None:
            return self._traced(program)
        return self._spawned(program)

    def _spawned(self, program: str) -> bool:
        """posix_spawn: the fastest start; peak memory from wait4 alone (exact above the floor)."""
        actions = self._file_actions()
        env = self.request.get("env")
        try:
            if self.request.get("cwd"):
                os.chdir(self.request["cwd"])
            self.floor = host.hwm_kib(os.getpid())  # a vfork shares our memory: its exec starts from our peak
            self.start = time.perf_counter_ns()
            self.pid = os.posix_spawn(
                program,
                self.request["argv"],
                env if env is not None else self.server.environ,
                file_actions=actions,
                setsigdef=host.RESET,
                setsigmask=(),
            )
        except OSError as exc:
            self.error = b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode("utf-8", "replace"))
            return False
        finally:
            os.chdir("/")
        self._tell()
        return True

    def _file_actions(self) -> list[tuple[int, ...]]:
        """The child's stdin, stdout and stderr from ``fds``, and no other of them left open."""
        actions: list[tuple[int, ...]] = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(self.fds[:3])]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in set(self.fds) if fd > 2]
        return actions

    def _tell(self) -> None:
        if self.request.get("tell"):
            self.server.send({"started": self.pid})

    def _traced(self, program: str) -> bool:
        """fork, seize before its exec: every process of the tree stops at its exit for its peak."""
        self.pid, self.ready, go = host.start_child(self.request, self.fds, program)
        first = os.read(self.ready, 1)
        if first != b"r":  # its set-up failed (a working directory that went away)
            self.error = first + self._read_error()
            os.close(go)
            return False
        self.traced = host.LIBC.call(host.SEIZE, self.pid, host.OPTIONS) == 0  # it waits for go
        self.floor = host.hwm_kib(self.pid)  # what it will carry into its exec (a fork of us)
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
            readable = self.server.wait((self.server.sock.fileno(),), self._wait(), self.watch or ())
            if self.server.sock.fileno() in readable:
                self._message()
            if self.watch is not None:
                self._closed([fd for fd in readable if fd in self.watch])
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
        elif self.watch is None and not self.tree_empty():
            self.server.send({"exited": self.first_end - self.start})

    def _only_daemons_left(self) -> bool:
        ours = os.getsid(0)
        sessions = {host.session(pid) for pid in [*self.known, *host.children()]} - {-1}
        return bool(sessions) and ours not in sessions

    def _closed(self, hung: list[int]) -> None:
        assert self.watch is not None
        self.watch = [fd for fd in self.watch if fd not in hung]
        if not self.watch and self.first_end and not self.end_by:
            self.end_by = time.monotonic() + END_GRACE  # as on the harness's "end" (below)

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
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT | host.WALL)
        except ChildProcessError:
            return True
        return False

    def kill(self) -> None:
        if not self.killing:
            self.killing = True
            self.killing_until = time.monotonic() + KILL_GRACE
        for pid in [*self.known, *host.children()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue

    def reap(self) -> None:
        """Every event waiting: stops are answered, ends recorded; never blocks."""
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG | host.WALL)
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
            host.LIBC.call(host.DETACH if event == host.EVENT_EXIT else host.CONT, pid)
            return
        if event in (host.EVENT_FORK, host.EVENT_VFORK, host.EVENT_CLONE):
            new = host.LIBC.event_message(pid)
            self.known.add(new)
            if event == host.EVENT_CLONE and host.status_field(new, b"Tgid:") not in (new, -1):
                self.threads.add(new)
        elif event == host.EVENT_EXIT:
            self._exit_stop(pid)
        elif event == host.EVENT_EXEC and pid == self.pid and self.ready >= 0:
            self._exec_stop()
        elif event == host.EVENT_STOP and number in host.STOPS:  # a group stop: stays stopped until SIGCONT
            host.LIBC.call(host.LISTEN, pid)
            return
        elif event == 0:  # a signal for the process: deliver it
            host.LIBC.call(host.CONT, pid, number)
            return
        host.LIBC.call(host.CONT, pid)

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
        host.LIBC.call(host.SETOPTIONS, self.pid, host.OPTIONS & ~host.TRACEEXEC)  # later execs: no stop

    def _exit_stop(self, pid: int) -> None:
        self.exiting.add(pid)
        value = host.hwm_kib(pid)
        if value > self.peak:
            self.peak, self.peak_pid = value, pid
            self.peak_name = host.command_line(pid)

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
        self.environ = dict(os.environ)  # converted at each spawn: a dict of str is converted fastest
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def wait(self, fds: tuple[int, ...], timeout: float, hangups: Sequence[int] = ()) -> list[int]:
        """Those of ``fds`` that are readable and those of ``hangups`` whose every writer is gone
        (polled for nothing else: what is in the pipe stays for the harness to read)."""
        poller = select.poll()
        for fd in (*fds, self.wake_r):
            poller.register(fd, select.POLLIN)
        for fd in hangups:
            poller.register(fd, 0)
        ready = [fd for fd, _ in poller.poll(timeout * 1000)]
        if self.wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake_r, 4096)
        return [fd for fd in ready if fd != self.wake_r]

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
            request = _request(data, fds)
            if "series" in request:
                self.series(request, fds)
            elif "argv" in request:
                self.one(Run(self, request, fds), fds)
            else:  # an "end" or "next" that crossed our "done" on the way
                _close_all(fds)

    def series(self, request: dict[str, Any], fds: list[int]) -> None:
        """``series`` runs one after another from one request, each on pipes of its own that come
        with the request (the first) or with ``{"next": id}`` (each later one, sent once the harness
        has the one before whole): the harness's work is never beside a run's."""
        stdin = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            for index in range(int(request["series"])):
                if index:
                    fds = self._next(request.get("id"))
                if len(fds) != 4:
                    _close_all(fds)
                    return
                if not self._one_of_series(request, index, stdin, fds):
                    return
        finally:
            os.close(stdin)

    def _one_of_series(self, request: dict[str, Any], index: int, stdin: int, fds: list[int]) -> bool:
        """One run on ``fds``: the read ends (watched for the output's end, never read) and the write ends."""
        out_r, err_r, out_w, err_w = fds
        for fd in (out_r, err_r):
            os.set_inheritable(fd, False)
        try:
            run = Run(self, request, [stdin, out_w, err_w])  # argv[0] is resolved by the first run
            run.watch = [out_r, err_r]
            return self.one(run, [out_w, err_w], {"run": index})
        except OSError:  # the harness is gone
            return False
        finally:
            os.close(out_r)
            os.close(err_r)

    def _next(self, ident: object) -> list[int]:
        """The next run's pipes, on ``{"next": id}``; none on anything else (``stop``) or the harness's end."""
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 4)
        except OSError:
            return []
        if data and json.loads(data).get("next") == ident:
            return fds
        _close_all(fds)
        return []

    def one(self, run: Run, fds: list[int], where: dict[str, Any] | None = None) -> bool:
        """Start, serve and record ``run``; ``fds`` are closed once it started. False after an error."""
        launched = _launched(run, fds)
        try:
            if launched:
                run.serve()
        finally:
            if run.ready >= 0:
                os.close(run.ready)
            self.finish(run)
        reply = _error_reply(run.error) if run.error else {"done": run.outcome()}
        self.send({**reply, **(where or {})})
        return not run.error

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


def _request(data: bytes, fds: list[int]) -> dict[str, Any]:
    """The request ``data`` says, or the large one it came with in its last descriptor (taken off ``fds``)."""
    request: dict[str, Any] = json.loads(data)
    if request.get("body") and fds:  # the last descriptor
        with os.fdopen(fds.pop(), "rb") as body:
            request = json.loads(body.read())
    return request


def _launched(run: Run, fds: list[int]) -> bool:
    """Start ``run``'s first process, then close ``fds`` (the child has its copies); False when it could not start."""
    try:
        return run.launch()
    except OSError as exc:
        run.error = b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode())
        return False
    finally:
        _close_all(fds)


def _error_reply(error: bytes) -> dict[str, Any]:
    """``{"error": errno, "message": text}`` from ``e ERRNO TEXT`` (errno 0 and the whole text otherwise)."""
    text = error.decode("utf-8", "replace")
    words = text.split(" ", 2)
    number = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
    return {"error": number, "message": words[2] if len(words) > 2 else text}


def _close_all(fds: Sequence[int]) -> None:
    for fd in fds:
        os.close(fd)


def main(argv: list[str]) -> int:
    """No parent-death signal (it follows the thread that started us): the socket's end tells us."""
    fd = int(argv[1])
    if host.LIBC.prctl is not None:
        host.LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no /proc/<pid>/fd, no attaching, for anyone of this user
        host.LIBC.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the system and pytest; pytest ends us
    Server(fd).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
