"""A load worker process: one asyncio loop driving its share of a load's virtual clients.

Run as ``python -m living_checklist.live.load_worker`` by ``load.run_load``: it reads a JSON spec
on standard input, opens one connection per virtual client, says ``ready``, waits for ``go
<monotonic time>``, runs, and writes one JSON result line (``WorkerResult``). It dies with its
parent (``PR_SET_PDEATHSIG``).

Every request of a load is the same, so the bytes aiohttp writes for it are captured once before
the load (``load.request_bytes``: no request reaches the service) and each virtual client writes
them on its own keep-alive connection, reading each response with aiohttp's own response protocol
and parser (``ResponseHandler``: status line, headers, ``Content-Length``, chunked, a body read to
the end of the connection). That costs a third of a ``ClientSession`` request per response, so
the client is not what limits the load. A response time runs from just before the request is
written to the last byte of its body; opening a connection (before the load, or again when the
service closed one) is never part of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import hashlib
import json
import math
import os
import ssl
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import yarl
from aiohttp.client_proto import ResponseHandler
from aiohttp.http_exceptions import HttpProcessingError

from living_checklist.live.load import DISTINCT_BODIES, Exchange, Request, WorkerResult, request_bytes, url_for

FAILURES = (TimeoutError, aiohttp.ClientError, HttpProcessingError, OSError, ValueError)


@dataclass
class _Tally:
    """What one worker saw: response times of the answered requests, counts of the rest."""

    samples: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)  # each sample less the client's own time meanwhile
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    bodies: Counter[str] = field(default_factory=Counter)
    first_failure: str = ""
    cut_off: int = 0
    received: int = 0
    first: float = math.inf
    last: float = -math.inf

    def add(self, exchange: Exchange, sent: float, own: float) -> None:
        self.first = min(self.first, sent)
        if exchange.status is None:
            self.errors[exchange.error if exchange.error.startswith("timed out") else exchange.error.split(":")[0]] += 1
        else:
            self.statuses[exchange.status] += 1
            self.received += exchange.size
            if exchange.digest in self.bodies or len(self.bodies) < DISTINCT_BODIES:
                self.bodies[exchange.digest] += 1
        if exchange.failed:
            self.first_failure = self.first_failure or exchange.describe(200)
        else:
            self.samples.append(exchange.elapsed)
            self.floors.append(max(exchange.elapsed - own, 0.0))
        self.last = max(self.last, time.monotonic())

    def result(self, go: float, end: float, cpu: float, waited: float) -> WorkerResult:
        """What the worker reports; a load without a single request spans ``go`` to ``end``."""
        return WorkerResult(
            samples=self.samples,
            floors=self.floors,
            statuses={str(k): v for k, v in self.statuses.items()},
            errors=dict(self.errors),
            bodies=dict(self.bodies),
            first_failure=self.first_failure,
            cut_off=self.cut_off,
            received=self.received,
            first=self.first if self.first != math.inf else go,
            last=self.last if self.last != -math.inf else end,
            end=end,
            cpu=cpu,
            waited=waited,
        )


@dataclass(frozen=True)
class _Target:
    """Where a load's requests go and what is written for each."""

    url: str
    method: str
    raw: bytes  # the request as aiohttp writes it
    host: str
    port: int
    tls: ssl.SSLContext | None

    @classmethod
    def of(cls, url: str, request: Request, raw: bytes) -> _Target:
        parsed = yarl.URL(url, encoded=True)
        tls = ssl.create_default_context() if parsed.scheme == "https" else None
        return cls(url, request.method, raw, parsed.raw_host or "", parsed.port or 80, tls)

    async def connect(self) -> ResponseHandler:
        loop = asyncio.get_running_loop()
        name = self.host if self.tls else None
        _, protocol = await loop.create_connection(
            lambda: ResponseHandler(loop), self.host, self.port, ssl=self.tls, server_hostname=name
        )
        protocol.set_response_params(skip_payload=self.method == "HEAD", read_until_eof=True, auto_decompress=False)
        return protocol

    async def exchange(self, protocol: ResponseHandler) -> tuple[Exchange, bool]:
        """One request on an open connection, timed from just before it is written to its body's last
        byte; True when the connection cannot carry another."""
        assert protocol.transport is not None
        start = time.perf_counter()
        protocol.transport.write(self.raw)
        message, payload = await protocol.read()
        while 100 <= message.code < 200 and message.code != 101:  # an interim answer: the final one follows
            message, payload = await protocol.read()
        digest, size = hashlib.sha256(), 0
        while chunk := await payload.readany():
            size += len(chunk)
            digest.update(chunk)
        elapsed = time.perf_counter() - start
        answer = Exchange(self.method, self.url, message.code, (), b"", elapsed, "", size, digest.hexdigest())
        return answer, bool(message.should_close or protocol.should_close)

    def failure(self, exc: BaseException, start: float) -> Exchange:
        error = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        return Exchange(self.method, self.url, None, (), b"", time.perf_counter() - start, error)


async def _open(target: _Target, timeout: float) -> ResponseHandler | BaseException:
    try:
        async with asyncio.timeout(timeout):
            return await target.connect()
    except FAILURES as exc:
        return exc


def _close(protocol: ResponseHandler | BaseException | None) -> None:
    if isinstance(protocol, ResponseHandler) and protocol.transport is not None:
        protocol.transport.close()


async def _client(
    target: _Target, each: int | None, timeout: float, tally: _Tally, opened: ResponseHandler | BaseException
) -> None:
    """One virtual client: its requests one after another on its own connection (opened again only
    when the service closed it or a request failed)."""
    connection: ResponseHandler | BaseException | None = opened
    done, in_flight = 0, False
    try:
        while each is None or done < each:
            if connection is None:
                connection = await _open(target, timeout)
            sent, before = time.monotonic(), _own_time()
            start = time.perf_counter()
            if isinstance(connection, BaseException):  # it could not connect: this request failed
                answer, spent = target.failure(connection, start), True
            else:
                in_flight = True
                try:
                    async with asyncio.timeout(timeout):
                        answer, spent = await target.exchange(connection)
                except FAILURES as exc:
                    answer, spent = target.failure(exc, start), True
                in_flight = False
            tally.add(answer, sent, _own_time() - before)
            done += 1
            if spent:
                _close(connection)
                connection = None
    except asyncio.CancelledError:
        tally.cut_off += in_flight  # in flight when the load's time was up: neither answered nor failed
        raise
    finally:
        _close(connection)


_SCHEDSTAT: list[int] = []  # the open /proc/thread-self/schedstat of this worker's only thread


def _own_time() -> float:
    """Seconds this thread has run or waited for a CPU: while neither, it was blocked on the network.

    So a response time less what this grew by meanwhile is a lower bound of what the service took
    (the client could have held the response back for at most that long)."""
    if not _SCHEDSTAT:
        try:
            _SCHEDSTAT.append(os.open("/proc/thread-self/schedstat", os.O_RDONLY))
        except OSError:
            _SCHEDSTAT.append(-1)
    if _SCHEDSTAT[0] >= 0:
        try:
            ran, waited, _ = os.pread(_SCHEDSTAT[0], 128, 0).split()
            return (int(ran) + int(waited)) / 1e9
        except (OSError, ValueError):
            pass
    return time.thread_time()


def _schedstat() -> tuple[float, float]:
    """Seconds this thread ran and waited for a CPU (``/proc/self/schedstat``), or CPU time only."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            ran, waited, _ = f.read().split()
        return int(ran) / 1e9, int(waited) / 1e9
    except (OSError, ValueError):
        return time.thread_time(), 0.0


async def _run_clients(
    target: _Target, spec: Mapping[str, Any], go: float, opened: list[ResponseHandler | BaseException], tally: _Tally
) -> float:
    """Run the clients from ``go`` on; the time they ended (a load bounded by time ends at its cap)."""
    seconds, each = spec.get("seconds"), spec.get("each")
    count = None if each is None else int(each)
    deadline = None if seconds is None else go + float(seconds)
    clients = [_client(target, count, float(spec["timeout"]), tally, connection) for connection in opened]
    try:
        async with asyncio.timeout_at(deadline):
            await asyncio.gather(*clients)
    except TimeoutError:
        pass  # the load's time was up: what was in flight is cut off
    return time.monotonic() if deadline is None else min(time.monotonic(), deadline)


def _ready() -> float:
    """Say ``ready`` and wait for ``go`` with the start time; the worker ends quietly on anything else."""
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        raise SystemExit(0)
    return float(line[1])


async def _work(spec: Mapping[str, Any], raw: bytes, go: float | None = None) -> WorkerResult:
    """Open the connections, say ``ready``, wait for ``go`` (read from stdin unless given), run."""
    request = Request.from_json(spec["request"])
    target = _Target.of(url_for(str(spec["base_url"]), request.target), request, raw)
    opened = list(await asyncio.gather(*(_open(target, float(spec["timeout"])) for _ in range(int(spec["clients"])))))
    if go is None:
        go = _ready()
    await asyncio.sleep(max(go - time.monotonic(), 0.0))
    tally = _Tally()
    ran0, waited0 = _schedstat()
    end = await _run_clients(target, spec, go, opened, tally)
    ran, waited = _schedstat()
    return tally.result(go, end, ran - ran0, waited - waited0)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL: no worker outlives the test process


def worker_main() -> None:
    """A load worker: a JSON spec on stdin, ``ready``, then ``go`` with a start time, then a JSON result."""
    _die_with_parent()
    spec = json.loads(sys.stdin.readline())
    request = Request.from_json(spec["request"])
    raw = request_bytes(url_for(str(spec["base_url"]), request.target), request)
    result = asyncio.run(_work(spec, raw))
    sys.stdout.write(json.dumps(dataclasses.asdict(result)) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    worker_main()
