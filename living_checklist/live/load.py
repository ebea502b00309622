"""HTTP requests exactly as a scenario writes them, and loads that measure the service, not the client.

Built on aiohttp (its C parser keeps the client's cost per request small). Every request goes as
written: the path and query byte for byte (no ``..`` folding, no ``//`` collapsing), with no
header beyond ``Host``, ``Content-Length`` (when there is a body), a ``User-Agent`` naming this
tool and those the scenario sets; no proxy or credentials from the environment, no cookies kept,
no redirects followed, no decompression (bodies are checked as they came over the wire).

A load runs in worker processes (``python -m living_checklist.live.load``), one asyncio loop each,
one connection per virtual client; a response time runs from just before the request is written
to the last byte of its body. Bodies are counted and hashed, never kept. Each worker records what
it used itself (CPU and the time it waited for a CPU, from ``/proc/self/schedstat``) so that a
load whose client was the limit can say so instead of blaming the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import aiohttp
import yarl

from living_checklist.core.redact import redact_url

__all__ = [
    "BODY_KEEP",
    "USER_AGENT",
    "Exchange",
    "Load",
    "LoadError",
    "Request",
    "header_problem",
    "run_load",
    "send",
    "target_problem",
]

BODY_KEEP = 8 << 20  # bytes of a single response's body kept for the body checks
CLIENTS_PER_PROCESS = 4  # clients per worker process, up to the cores (each process is a share of the CPU)
BUSY_LIMIT = 0.8  # a worker busy (running or waiting for a CPU) this share of the load's window was the limit
DISTINCT_BODIES = 1000  # distinct body digests counted per load
_START_GRACE = 60.0  # seconds the workers may take to start
_SKIP = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _version() -> str:
    try:
        return metadata.version("living-checklist")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"living-checklist/{_version()}"


class LoadError(Exception):
    """The load client itself could not run (a worker did not start or answer): nothing was measured."""


def target_problem(target: str) -> str | None:
    """Why ``target`` cannot be sent byte for byte as a request target, or None."""
    if not target.startswith("/"):
        return "expected a path starting with '/', e.g. \"/health\""
    bad = next((c for c in target if ord(c) <= 0x20 or ord(c) >= 0x7F), None)
    if bad is not None:
        return (
            f"it contains {bad!r}, which cannot be sent as written in a request line: "
            "percent-encode it (%20 for a space)"
        )
    if "#" in target:
        return "it contains '#': a fragment is never sent to a server; percent-encode it (%23) to send it"
    sent = yarl.URL("http://127.0.0.1" + target, encoded=True).raw_path_qs
    if sent != target:
        return f"the HTTP client would send it as {sent!r}, not as written"
    return None


def header_problem(name: str, value: str) -> str | None:
    """Why a header cannot be sent as written, or None (a token name, a visible-ASCII value)."""
    if not name or any(c not in _TOKEN for c in name):
        return f"header name {name!r}: expected an HTTP token such as Authorization"
    bad = next((c for c in value if not (c == "\t" or 0x20 <= ord(c) < 0x7F)), None)
    if bad is not None:
        return f"the value of header {name!r} contains {bad!r}: header values are visible ASCII only"
    return None


@dataclass(frozen=True)
class Request:
    """One request as the scenario writes it; ``target`` is the path and query, sent byte for byte."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def to_json(self) -> dict[str, object]:
        body = None if self.body is None else self.body.decode("latin-1")
        return {"method": self.method, "target": self.target, "headers": list(self.headers), "body": body}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Request:
        body = data.get("body")
        headers = tuple((str(k), str(v)) for k, v in data.get("headers") or ())
        content = None if body is None else str(body).encode("latin-1")
        return cls(str(data["method"]), str(data["target"]), headers, content)


@dataclass(frozen=True)
class Exchange:
    """One request and what came back (``status`` None when no response arrived)."""

    method: str
    url: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes  # at most BODY_KEEP bytes of it
    elapsed: float  # seconds from writing the request to the last byte of the body
    error: str = ""
    size: int = 0  # bytes of the whole body
    digest: str = ""  # sha256 of the whole body

    @property
    def failed(self) -> bool:
        """No response, or a status outside 2xx/3xx."""
        return self.status is None or not 200 <= self.status < 400

    @property
    def body_complete(self) -> bool:
        return len(self.body) == self.size

    def describe(self, limit: int = 1000) -> str:
        url = redact_url(self.url)
        if self.status is None:
            return f"{self.method} {url}: no response ({self.error})"
        if self.size and not self.body:
            took = f"{self.elapsed * 1000:.1f} ms"
            return f"{self.method} {url}: status {self.status} after {took} (body: {self.size} bytes, not kept)"
        body = self.body.decode("utf-8", errors="replace")
        if len(body) > limit:
            body = body[:limit] + f"... ({self.size - limit} more bytes)"
        took = f"{self.elapsed * 1000:.1f} ms"
        return f"{self.method} {url}: status {self.status} after {took}\nbody: {body or '(empty)'}"


def url_for(base_url: str, target: str) -> str:
    """``checklist_url`` (scheme, authority and any path prefix) followed by the target as written."""
    base = yarl.URL(base_url)
    authority = base_url.split("://", 1)[-1].split("/", 1)[0]
    return f"{base.scheme}://{authority}{base.raw_path.rstrip('/')}{target}"


def session(timeout: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1, enable_cleanup_closed=False),
        auto_decompress=False,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=_SKIP,
        headers={"User-Agent": USER_AGENT},
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


def _no_response(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


async def exchange(session: aiohttp.ClientSession, url: str, request: Request, keep: int) -> Exchange:
    target = yarl.URL(url, encoded=True)
    digest = hashlib.sha256()
    size = 0
    kept = bytearray()
    start = time.perf_counter()
    try:
        async with session.request(
            request.method, target, data=request.body, headers=list(request.headers), allow_redirects=False
        ) as response:
            async for chunk in response.content.iter_any():
                size += len(chunk)
                digest.update(chunk)
                if len(kept) < keep:
                    kept += chunk[: keep - len(kept)]
            elapsed = time.perf_counter() - start
            status = response.status
            raw = response.raw_headers if keep else ()  # a load keeps no headers: no time spent on them
            headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        return Exchange(request.method, url, None, (), b"", time.perf_counter() - start, _no_response(exc))
    return Exchange(request.method, url, status, headers, bytes(kept), elapsed, "", size, digest.hexdigest())


def send(base_url: str, request: Request, *, timeout: float, keep: int = BODY_KEEP) -> Exchange:
    """Send one request; a connection error or timeout is an ``Exchange`` without a status."""

    async def once() -> Exchange:
        async with session(timeout) as client:
            return await exchange(client, url_for(base_url, request.target), request, keep)

    return asyncio.run(once())


class _Capture(asyncio.SelectorEventLoop):
    """An event loop that connects every socket to one local listener, in plain TCP."""

    listener: tuple[str, int] = ("127.0.0.1", 0)

    async def sock_connect(self, sock: Any, address: Any) -> None:
        await super().sock_connect(sock, self.listener)

    async def create_connection(self, protocol_factory: Any, host: Any = None, port: Any = None, **kw: Any) -> Any:
        for name in ("ssl", "server_hostname", "ssl_handshake_timeout", "ssl_shutdown_timeout"):
            kw.pop(name, None)
        if kw.get("sock") is None:
            host, port = self.listener
        return await super().create_connection(protocol_factory, host, port, **kw)


async def _captured(url: str, request: Request) -> bytes:
    heads: list[bytes] = []

    async def listen(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(v) for k, v in _fields(head) if k.lower() == b"content-length"), 0)
        heads.append(head + await reader.readexactly(length))
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(listen, "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    assert isinstance(loop, _Capture)
    loop.listener = server.sockets[0].getsockname()[:2]
    async with server, session(10) as client:
        answer = await exchange(client, url, request, 0)
    if not heads:
        raise LoadError(f"the request could not be prepared: {answer.error or 'nothing was written'}")
    return heads[0]


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    return [(k.strip(), v.strip()) for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])]


def request_bytes(url: str, request: Request) -> bytes:
    """The bytes aiohttp writes for ``request`` to ``url`` (the same as ``send`` writes), captured by
    a local listener its connection is diverted to: nothing reaches the service. A load writes them
    once per request instead of building each request again."""
    with asyncio.Runner(loop_factory=_Capture) as runner:
        return runner.run(_captured(url, request))


@dataclass(frozen=True)
class WorkerResult:
    """What one load worker saw (its JSON result line)."""

    samples: list[float]
    floors: list[float]
    statuses: dict[str, int]
    errors: dict[str, int]
    bodies: dict[str, int]
    first_failure: str
    cut_off: int
    received: int
    first: float
    last: float
    end: float
    cpu: float
    waited: float


@dataclass(frozen=True)
class Load:
    """The outcome of a load: only requests answered with 2xx/3xx count towards rate and times."""

    clients: int
    each: int | None
    seconds: float | None
    samples: tuple[float, ...]  # response times (s) of the answered requests
    floors: tuple[float, ...]  # the same less the client's own time (running or waiting) meanwhile
    statuses: Mapping[int, int]
    errors: Mapping[str, int]  # requests with no response, by kind
    first_failure: str
    cut_off: int  # in flight when a load bounded by time ended
    window: float  # seconds from the first request sent to the end of the load
    received: int  # body bytes received
    bodies: Mapping[str, int]  # sha256 of a body -> how many responses had it
    processes: int
    cpu: float  # seconds the client's workers ran
    waited: float  # seconds they waited for a CPU
    busiest: float  # the highest share of the window one worker was running or waiting

    @property
    def answered(self) -> int:
        return len(self.samples)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def failed(self) -> int:
        return self.requests - self.answered

    @property
    def failed_percent(self) -> float:
        return 100.0 * self.failed / self.requests if self.requests else 0.0

    @property
    def rate(self) -> float:
        """Answered requests per second over the load's own window."""
        return self.answered / self.window if self.window > 0 else 0.0

    @property
    def ideal_rate(self) -> float:
        """The rate these clients would have reached had each request taken only its lower bound
        (its time less the client's own running and waiting): what no client could beat here."""
        total = sum(self.floors)
        if not self.floors:
            return 0.0
        return math.inf if total <= 0 else self.clients * len(self.floors) / total

    @property
    def client_limited(self) -> bool:
        return self.busiest >= BUSY_LIMIT

    @property
    def ceiling(self) -> float:
        """About how many answered requests per second this client could drive here."""
        return self.rate / self.busiest if self.busiest > 0 else math.inf

    def client_note(self) -> str:
        """What the client used, e.g. ``client: 2 processes, CPU 1.20 s, waited for a CPU 0.30 s (busiest 62 %)``."""
        return (
            f"client: {self.processes} process{'es' if self.processes != 1 else ''}, CPU {self.cpu:.2f} s, "
            f"waited for a CPU {self.waited:.2f} s (busiest {self.busiest:.0%} of the load's {self.window:.2f} s)"
        )

    def limit_message(self, why: str = "") -> str:
        why = why or f"it was busy {self.busiest:.0%} of the load's window"
        return (
            f"the load client was the limit, not the service: {why} ({self.client_note()}); it can drive about "
            f"{self.ceiling:,.0f} requests/s on this machine: run the load from a less loaded machine or with "
            "more cores"
        )


_Pooled = tuple[tuple[float, ...], tuple[float, ...], str]


def _processes(clients: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, math.ceil(clients / CLIENTS_PER_PROCESS)))


def _split(clients: int, parts: int) -> list[int]:
    return [clients // parts + (1 if i < clients % parts else 0) for i in range(parts)]


def run_load(
    base_url: str,
    request: Request,
    clients: int,
    *,
    each: int | None = None,
    seconds: float | None = None,
    timeout: float,
) -> Load:
    """``clients`` virtual clients, each on its own connection, send ``each`` requests or for ``seconds``."""
    shares = _split(clients, _processes(clients))
    workers: list[subprocess.Popen[str]] = []
    try:
        for share in shares:
            workers.append(_start_worker(base_url, request, share, each, seconds, timeout))
        for worker in workers:
            _expect_ready(worker)
        _go(workers, time.monotonic() + 0.05)
        limit = _START_GRACE + (seconds if seconds is not None else (each or 1) * timeout) + timeout
        results = [_result(worker, limit) for worker in workers]
    finally:
        for worker in workers:
            _end_worker(worker)
    return _merge(clients, each, seconds, results)


def _go(workers: Sequence[subprocess.Popen[str]], go: float) -> None:
    """Tell every ready worker the moment (monotonic clock) its clients start together."""
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"go {go!r}\n")
        worker.stdin.flush()


def _end_worker(worker: subprocess.Popen[str]) -> None:
    """Kill and reap ``worker`` (done or not) and close its pipes."""
    with contextlib.suppress(OSError):
        worker.kill()
    worker.wait()
    for stream in (worker.stdin, worker.stdout, worker.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _start_worker(
    base_url: str, request: Request, clients: int, each: int | None, seconds: float | None, timeout: float
) -> subprocess.Popen[str]:
    spec = {"base_url": base_url, "request": request.to_json(), "clients": clients, "each": each}
    spec |= {"seconds": seconds, "timeout": timeout}
    worker = subprocess.Popen(
        [sys.executable, "-m", "living_checklist.live.load_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
    )
    assert worker.stdin is not None
    worker.stdin.write(json.dumps(spec) + "\n")
    worker.stdin.flush()
    return worker


def _read_line(worker: subprocess.Popen[str], limit: float) -> str:
    import selectors

    assert worker.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ)
        if not selector.select(limit):
            raise LoadError(f"a load worker did not answer within {limit:g} s")
    line = worker.stdout.readline()
    if not line:
        worker.kill()
        _, err = worker.communicate()
        raise LoadError(f"a load worker ended without a result: {err.strip()[-500:] or 'no output'}")
    return line


def _expect_ready(worker: subprocess.Popen[str]) -> None:
    if _read_line(worker, _START_GRACE).strip() != "ready":
        raise LoadError("a load worker did not start")


def _result(worker: subprocess.Popen[str], limit: float) -> WorkerResult:
    data = json.loads(_read_line(worker, limit))
    return WorkerResult(**{f.name: data[f.name] for f in dataclasses.fields(WorkerResult)})


def _pooled(results: Sequence[WorkerResult]) -> tuple[dict[int, int], dict[str, int], dict[str, int], _Pooled]:
    """Answers by status, no-responses by kind and bodies by digest, summed over the workers; their
    samples and floors, in the workers' order, and the first worker's first failure."""
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    bodies: Counter[str] = Counter()
    samples: list[float] = []
    floors: list[float] = []
    first_failure = ""
    for r in results:
        statuses.update({int(k): v for k, v in r.statuses.items()})
        errors.update(r.errors)
        bodies.update(r.bodies)
        samples += r.samples
        floors += r.floors
        first_failure = first_failure or r.first_failure
    return dict(statuses), dict(errors), dict(bodies), (tuple(samples), tuple(floors), first_failure)


def _merge(clients: int, each: int | None, seconds: float | None, results: Sequence[WorkerResult]) -> Load:
    statuses, errors, bodies, (samples, floors, first_failure) = _pooled(results)
    first = min(r.first for r in results)
    end = max(r.last if seconds is None else r.end for r in results)
    window = max(end - first, 1e-9)
    total = {name: sum(getattr(r, name) for r in results) for name in ("cut_off", "received", "cpu", "waited")}
    return Load(
        clients=clients, each=each, seconds=seconds, samples=samples, floors=floors, statuses=statuses,
        errors=errors, first_failure=first_failure, cut_off=int(total["cut_off"]), window=window,
        received=int(total["received"]), bodies=bodies, processes=len(results), cpu=float(total["cpu"]),
        waited=float(total["waited"]), busiest=max((r.cpu + r.waited) / window for r in results),
    )  # fmt: skip
