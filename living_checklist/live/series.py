"""A series of runs from one launcher request: the harness's side of ``{"series": count}``.

The launcher starts each run once the harness has the one before whole (its record from the
launcher, both output streams read to their end), so the harness's cost per run is a message each
way and the reading of two pipes, never beside a run, and no earlier run's output is open in the
harness while a run goes on. What is recorded about each run comes from the launcher as for a
single run (``supervise``); the output arrives on pipes of that run's own, which go to the
launcher with the request (the first run) or with ``{"next": id}`` (each later one): the read
ends, for the launcher to see the output's end (it never reads them), and the write ends.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from typing import Any

from living_checklist.live.capture import Capture, Captured
from living_checklist.live.supervise import _CHUNK, _IDS, DRAIN_GRACE, LOST_GRACE, Launcher, LauncherLost, _request_fds

Record = tuple[dict[str, Any], Captured, Captured]


class Series:
    """``count`` runs of one request through one launcher, taken one at a time with ``next``."""

    def __init__(self, launcher: Launcher, request: dict[str, Any], count: int, max_output: int) -> None:
        self.launcher = launcher
        self.max_output = max_output
        self.timeout = float(request["timeout"])
        self.id = next(_IDS)
        self.taken = 0  # runs whose record and output the harness has
        self.idle = False  # the launcher waits for "next" (or "stop"): no run is going on
        self.selector = selectors.DefaultSelector()
        self.streams: dict[int, str] = {}
        self.selector.register(launcher.sock, selectors.EVENT_READ, "launcher")
        self.first = _request_fds(launcher, {**request, "series": count, "id": self.id})

    def _send(self, message: dict[str, Any], extra: list[int]) -> None:
        """``message`` with the next run's pipes (the harness keeps the read ends)."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        for fd, name in ((out_r, "stdout"), (err_r, "stderr")):
            os.set_blocking(fd, False)
            self.streams[fd] = name
            self.selector.register(fd, selectors.EVENT_READ, name)
        try:
            self.launcher.send(message, [out_r, err_r, out_w, err_w, *extra])
        finally:
            for fd in (out_w, err_w, *extra):
                os.close(fd)

    def next(self) -> Record:
        """The record and the whole output of the next run; the launcher starts it only now."""
        self.idle = False
        if self.taken:
            self._send({"next": self.id}, [])
        else:
            self._send(*self.first)
        captures = {"stdout": Capture(self.max_output), "stderr": Capture(self.max_output)}
        final = self._collect(captures)
        self._close_streams()
        self.taken += 1
        self.idle = True
        return final, captures["stdout"].finish(), captures["stderr"].finish()

    def _collect(self, captures: dict[str, Capture]) -> dict[str, Any]:
        """Both streams into ``captures`` until the run's final word, then until they close (a grace)."""
        final: dict[str, Any] | None = None
        lost_at = time.monotonic() + self.timeout + LOST_GRACE
        drain_until = 0.0
        while final is None or self.streams:
            now = time.monotonic()
            if final is None and now >= lost_at:
                raise LauncherLost(f"the launcher (pid {self.launcher.process.pid}) stopped answering")
            if final is not None and now >= drain_until:
                break  # a descriptor passed outside the tree: what came until now is the output
            for key, _ in self.selector.select(max(min((drain_until or lost_at) - now, 1.0), 0.0)):
                if key.data != "launcher":
                    self._read(key.fd, captures[key.data])
                elif (message := self._message()) is not None:
                    final, drain_until = message, time.monotonic() + DRAIN_GRACE
        return final

    def _message(self) -> dict[str, Any] | None:
        """The run's final word (``done`` or ``error``); None for anything else."""
        message = self.launcher.receive()
        return message if message.get("run") == self.taken and ("done" in message or "error" in message) else None

    def _read(self, fd: int, capture: Capture) -> None:
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if data:
            capture.feed(data)
            return
        self.selector.unregister(fd)
        del self.streams[fd]
        os.close(fd)

    def _close_streams(self) -> None:
        for fd in list(self.streams):
            self.selector.unregister(fd)
            os.close(fd)
        self.streams.clear()

    def stop(self) -> bool:
        """End the series between two runs (the launcher serves other requests after it); False
        while a run is going on, whose launcher is then closed instead."""
        if not self.idle:
            return False
        try:
            self.launcher.send({"stop": self.id})
        except LauncherLost:
            return False
        return True

    def close(self) -> None:
        self._close_streams()
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.launcher.sock)
        self.selector.close()
