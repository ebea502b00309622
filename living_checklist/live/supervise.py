"""The harness's side of ``launcher.py``: a pool of launchers, and one exchange per run.

Each launcher is a small ``python -I -S`` process started once and reused for run after run (no
interpreter per run); copies at the same time take one launcher each. Everything recorded about a
run (exit status, rusage, wall time, peak memory) arrives on the launcher's socket, which nothing
of the system's tree holds or can open; the output arrives on pipes of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from living_checklist.live.capture import Capture, Captured

LAUNCHER = Path(__file__).with_name("launcher.py")
LOST_GRACE = 10.0  # seconds past the run's own timeout before the launcher is presumed lost
DRAIN_GRACE = 0.5  # seconds to keep reading after the tree ended (a descriptor passed outside it)
MAX_IDLE = 8
INLINE_REQUEST = 1 << 15
_CHUNK = 1 << 16
_IDS = itertools.count(1)


class LauncherLost(Exception):
    """The launcher ended or stopped answering: nothing trustworthy is known about the run."""


class Launcher:
    """One supervisor process and the socket to it."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(LAUNCHER), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        self.owner = os.getpid()

    def send(self, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
        data = json.dumps(message).encode()
        try:
            if fds:
                socket.send_fds(self.sock, [data], list(fds))
            else:
                self.sock.send(data)
        except OSError as exc:
            raise LauncherLost(f"the launcher (pid {self.process.pid}) cannot be reached: {exc}") from None

    def receive(self) -> dict[str, Any]:
        try:
            data = self.sock.recv(1 << 16)
        except OSError as exc:
            raise LauncherLost(f"the launcher (pid {self.process.pid}) cannot be read: {exc}") from None
        if not data:
            raise LauncherLost(f"the launcher (pid {self.process.pid}) ended: {self._ending()}")
        message: dict[str, Any] = json.loads(data)
        return message

    def _ending(self) -> str:
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "it closed its socket"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def close(self) -> None:
        """Close the socket (the launcher kills what is left and exits), then reap it."""
        self.sock.close()
        if self.owner != os.getpid():
            return
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Pool:
    """Idle launchers of this process, reused one run at a time each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[Launcher] = []
        self._pid = os.getpid()

    def acquire(self) -> Launcher:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's launchers are not ours
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        return Launcher()

    def release(self, launcher: Launcher) -> None:
        with self._lock:
            if launcher.owner == os.getpid() and len(self._idle) < MAX_IDLE * 8:
                self._idle.append(launcher)
                return
        launcher.close()

    def prepare(self, count: int) -> None:
        """Have ``count`` launchers idle (for copies at once), so that none starts inside a measurement."""
        with self._lock:
            missing = max(min(count, MAX_IDLE * 8) - len(self._idle), 0)
        fresh = [Launcher() for _ in range(missing)]
        with self._lock:
            self._idle.extend(fresh)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for launcher in idle:
            launcher.close()


POOL = Pool()
atexit.register(POOL.close)


def _request_fds(launcher: Launcher, request: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """The message to send, and a descriptor holding the request when it is too large to inline."""
    body = json.dumps(request).encode()
    if len(body) <= INLINE_REQUEST:
        return request, []
    fd = os.memfd_create("checklist-request") if hasattr(os, "memfd_create") else _temp_fd()
    os.write(fd, body)
    os.lseek(fd, 0, os.SEEK_SET)
    return {"body": True}, [fd]


def _send_request(launcher: Launcher, request: dict[str, Any], fds: list[int]) -> None:
    """``request`` with the run's ``fds`` (and a descriptor holding a request too large for a message)."""
    message, extra = _request_fds(launcher, request)
    launcher.send(message, [*fds, *extra])
    for fd in extra:
        os.close(fd)


def _temp_fd() -> int:
    import tempfile

    fd, path = tempfile.mkstemp(prefix="checklist-request-")
    os.unlink(path)
    return fd


class Exchange:
    """One run through one launcher: feed stdin, capture both streams, collect the record."""

    def __init__(
        self,
        launcher: Launcher,
        request: dict[str, Any],
        input_data: bytes | None,
        max_output: int,
        *,
        quiet: bool = False,
    ) -> None:
        self.launcher = launcher
        self.selector = selectors.DefaultSelector()
        self.captures = {"stdout": Capture(max_output), "stderr": Capture(max_output)}
        self.pending = memoryview(input_data or b"")
        self.lost_at = time.monotonic() + float(request["timeout"]) + LOST_GRACE
        self.pid: int | None = None
        self.first_ended = False
        self.end_sent = False
        self.final: dict[str, Any] | None = None
        self.auto_end = not quiet  # a background program's tree lives until it is stopped
        theirs: list[int] = []
        ours: list[int] = []
        try:
            self._pipes(input_data, quiet, theirs, ours)
            self.id = next(_IDS)
            _send_request(launcher, {**request, "tell": quiet, "id": self.id}, theirs)
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self.selector.register(launcher.sock, selectors.EVENT_READ, "launcher")

    def _pipes(self, input_data: bytes | None, quiet: bool, theirs: list[int], ours: list[int]) -> None:
        """The run's stdin, stdout and stderr (``theirs``, in that order) and our ends of them (``ours``)."""
        self._stdin_pipe(input_data, quiet, theirs, ours)
        for name in ("stdout", "stderr"):
            if quiet:
                theirs.append(os.open(os.devnull, os.O_WRONLY))
                continue
            read, write = os.pipe()
            theirs.append(write)
            ours.append(read)
            self.selector.register(read, selectors.EVENT_READ, name)

    def _stdin_pipe(self, input_data: bytes | None, quiet: bool, theirs: list[int], ours: list[int]) -> None:
        """/dev/null, or a pipe we write ``input_data`` to (closed at once when there is none to write)."""
        if input_data is None or quiet:
            theirs.append(os.open(os.devnull, os.O_RDONLY))
        else:
            read, write = os.pipe()
            theirs.append(read)
            ours.append(write)
            os.set_blocking(write, False)
            if self.pending:
                self.selector.register(write, selectors.EVENT_WRITE, "stdin")
            else:
                os.close(write)
                ours.remove(write)

    def started(self) -> int:
        """Wait for the launcher to say the first process exists; its pid."""
        while self.pid is None and self.final is None:
            self.pump(max(min(self.lost_at - time.monotonic(), 1.0), 0.0))
            self._check_lost()
        return self.pid or 0

    def finish(self) -> tuple[dict[str, Any], Captured, Captured]:
        """Pump until the launcher's final word, then drain what is left of the output."""
        while self.final is None:
            self.pump(max(min(self.lost_at - time.monotonic(), 1.0), 0.0))
            self._check_lost()
        until = time.monotonic() + DRAIN_GRACE
        while self._streams_open() and time.monotonic() < until:
            self.pump(until - time.monotonic())
        return self.final, self.captures["stdout"].finish(), self.captures["stderr"].finish()

    def end(self) -> None:
        """Ask the launcher to kill what is left of the tree (a background program's end)."""
        if not self.end_sent and self.final is None:
            self.end_sent = True
            self.launcher.send({"end": self.id})

    def _check_lost(self) -> None:
        if self.final is None and time.monotonic() >= self.lost_at:
            raise LauncherLost(f"the launcher (pid {self.launcher.process.pid}) stopped answering")

    def _streams_open(self) -> bool:
        return any(key.data in self.captures for key in self.selector.get_map().values())

    def pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            if key.data == "launcher":
                self._message(self.launcher.receive())
            elif key.data == "stdin":
                self._write(key.fd)
            else:
                self._read(key.fd, key.data)
        if self.auto_end and self.first_ended and not self._streams_open():
            self.end()  # the first process ended and nothing of the tree holds the output any more

    def _message(self, message: dict[str, Any]) -> None:
        if "started" in message:
            self.pid = int(message["started"])
        elif "exited" in message:
            self.first_ended = True
        else:
            self.final = message
            self.selector.unregister(self.launcher.sock)

    def _write(self, fd: int) -> None:
        try:
            written = os.write(fd, self.pending[:_CHUNK])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):  # it stopped reading; that is its business
            written = len(self.pending)
        self.pending = self.pending[written:]
        if not self.pending:
            self.selector.unregister(fd)
            os.close(fd)

    def _read(self, fd: int, name: str) -> None:
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if data:
            self.captures[name].feed(data)
            return
        self.selector.unregister(fd)
        os.close(fd)

    def close(self) -> None:
        for key in list(self.selector.get_map().values()):
            if key.data != "launcher":
                with contextlib.suppress(OSError):
                    os.close(key.fd)
        self.selector.close()
