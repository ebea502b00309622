"""The service under test: start it, wait until its URL answers, stop it; send requests and load.

Pure logic over httpx and subprocess; the step library (``living_checklist.steps.service``) and
its session hooks only call these. The service command is split with ``shlex`` and never run by a
shell. It runs in its own process group with its output in a temporary file (a pipe nobody reads
would block a chatty service), so that a failed start can show what it said and the stop can end
every process it started.
"""

from __future__ import annotations

import contextlib
import math
import os
import shlex
import signal as signals
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

__all__ = [
    "Exchange",
    "Load",
    "Service",
    "ServiceError",
    "answers",
    "generate_load",
    "send",
]

OUTPUT_TAIL = 4000  # characters of the service's output shown when it fails to start
_POLL = 0.05
_STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL


class ServiceError(Exception):
    """The service could not be started, or does not answer: the message says why and what it printed."""


def answers(url: str, timeout: float = 1.0) -> bool:
    """True once anything answers HTTP at ``url`` (any status counts: the server is up)."""
    try:
        httpx.get(url, timeout=timeout)
    except httpx.HTTPError:
        return False
    return True


@dataclass
class Service:
    """A service process started from ``argv``: its own process group, its output in a file."""

    argv: tuple[str, ...]
    url: str
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    _output: IO[bytes] | None = None

    def start(self, wait: float) -> None:
        """Start the service and return once ``url`` answers; ``ServiceError`` if it never does."""
        command = shlex.join(self.argv)
        if answers(self.url, timeout=0.5):
            raise ServiceError(
                f"checklist_url {self.url} already answers before checklist_service started: another process "
                f"holds that address, so the checks would not reach the service started by {command!r}. "
                "Stop that process or choose another port."
            )
        self._output = tempfile.TemporaryFile(prefix="checklist-service-")  # noqa: SIM115 -- closed by stop()
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                start_new_session=True,  # its own process group: stop() ends everything it started
            )
        except OSError as exc:
            self.close_output()
            raise ServiceError(f"cannot start checklist_service {command!r}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + wait
        while True:
            status = self.process.poll()
            if status is not None:
                output = self.output_tail()
                self.stop()
                raise ServiceError(
                    f"checklist_service {command!r} exited with status {status} before {self.url} answered\n"
                    f"its output:\n{output}"
                )
            if answers(self.url, timeout=min(1.0, max(deadline - time.monotonic(), 0.05))):
                return
            if time.monotonic() >= deadline:
                output = self.output_tail()
                self.stop()
                raise ServiceError(
                    f"checklist_service {command!r} started, but {self.url} did not answer within {wait:g} s "
                    f"(checklist_system_timeout); it was stopped\nits output:\n{output}"
                )
            time.sleep(_POLL)

    def output_tail(self) -> str:
        if self._output is None:
            return "(none kept)"
        self._output.flush()
        self._output.seek(0, os.SEEK_END)
        size = self._output.tell()
        self._output.seek(max(size - OUTPUT_TAIL, 0))
        text = self._output.read().decode("utf-8", errors="replace")
        if not text:
            return "(empty)"
        return ("..." if size > OUTPUT_TAIL else "") + text

    def stop(self) -> None:
        """End the service's whole process group: SIGTERM, then SIGKILL after a grace period."""
        process = self.process
        if process is not None and process.returncode is None:
            _signal_group(process.pid, signals.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(_STOP_GRACE)
            _signal_group(process.pid, signals.SIGKILL)  # also children that outlived the leader
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(_STOP_GRACE)
        elif process is not None:
            _signal_group(process.pid, signals.SIGKILL)
        self.close_output()

    def close_output(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None


def _signal_group(pgid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, number)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Exchange:
    """One request and what came back (``status`` None when no response arrived)."""

    method: str
    url: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float  # seconds from sending to the whole body read
    error: str = ""

    @property
    def failed(self) -> bool:
        """No response, or a status outside 2xx/3xx."""
        return self.status is None or not 200 <= self.status < 400

    def describe(self, limit: int = 1000) -> str:
        if self.status is None:
            return f"{self.method} {self.url}: no response ({self.error})"
        body = self.body.decode("utf-8", errors="replace")
        if len(body) > limit:
            body = body[:limit] + f"... ({len(body) - limit} more characters)"
        took = f"{self.elapsed * 1000:.1f} ms"
        return f"{self.method} {self.url}: status {self.status} after {took}\nbody: {body or '(empty)'}"


def send(
    client: httpx.Client, method: str, path: str, *, body: bytes | None = None, headers: Sequence[tuple[str, str]] = ()
) -> Exchange:
    """Send one request; a connection error or timeout is an ``Exchange`` without a status."""
    url = str(client.build_request(method, path).url)
    start = time.perf_counter()
    try:
        response = client.request(method, path, content=body, headers=list(headers))
    except httpx.HTTPError as exc:
        return Exchange(method, url, None, (), b"", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - start
    return Exchange(method, url, response.status_code, tuple(response.headers.multi_items()), response.content, elapsed)


@dataclass(frozen=True)
class Load:
    """The outcome of ``clients`` clients each sending ``each`` requests, one after another."""

    clients: int
    each: int
    exchanges: tuple[Exchange, ...]
    duration: float  # seconds from the first request sent to the last answer

    @property
    def failures(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if e.failed)

    @property
    def failed_percent(self) -> float:
        return 100.0 * len(self.failures) / len(self.exchanges) if self.exchanges else 0.0

    @property
    def rate(self) -> float:
        """Answered requests per second over the whole load."""
        return len(self.exchanges) / self.duration if self.duration > 0 else math.inf


def generate_load(
    base_url: str,
    method: str,
    path: str,
    clients: int,
    each: int,
    *,
    timeout: float,
    headers: Sequence[tuple[str, str]] = (),
) -> Load:
    """``clients`` threads, each with its own connection, send ``each`` requests in a row.

    Times are measured by the client, on the machine running the checks, so they include the
    client's own overhead: keep that machine less loaded than the service's.
    """
    results: list[list[Exchange]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client_run(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            barrier.wait()
            for _ in range(each):
                results[index].append(send(client, method, path, headers=headers))

    threads = [threading.Thread(target=client_run, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    duration = time.perf_counter() - start
    return Load(clients, each, tuple(e for per in results for e in per), duration)
