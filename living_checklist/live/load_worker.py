"""A load worker process: one asyncio loop driving its share of a load's virtual clients.

Run as ``python -m living_checklist.live.load_worker`` by ``load.run_load``: it reads a JSON spec
on standard input, says ``ready``, waits for ``go <monotonic time>``, runs, and writes one JSON
result line (``WorkerResult``). It dies with its parent (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from living_checklist.live.load import DISTINCT_BODIES, Exchange, Request, WorkerResult, exchange, session, url_for


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


async def _client(
    url: str, request: Request, each: int | None, deadline: float | None, timeout: float, tally: _Tally
) -> None:
    async with session(timeout) as client:
        done = 0
        while (each is None or done < each) and (deadline is None or time.monotonic() < deadline):
            sent = time.monotonic()
            before = _own_time()
            attempt = exchange(client, url, request, 0)
            if deadline is None:
                answer = await attempt
            else:
                try:
                    answer = await asyncio.wait_for(attempt, max(deadline - time.monotonic(), 0.0))
                except TimeoutError:
                    tally.cut_off += 1  # in flight when the load's time was up: neither answered nor failed
                    break
            tally.add(answer, sent, _own_time() - before)
            done += 1


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


async def _work(spec: Mapping[str, Any], go: float) -> WorkerResult:
    request = Request.from_json(spec["request"])
    url = url_for(str(spec["base_url"]), request.target)
    seconds, each = spec.get("seconds"), spec.get("each")
    timeout = float(spec["timeout"])
    tally = _Tally()
    ran0, waited0 = _schedstat()
    deadline = go + float(seconds) if seconds is not None else None
    count = None if each is None else int(each)
    clients = int(spec["clients"])
    await asyncio.gather(*(_client(url, request, count, deadline, timeout, tally) for _ in range(clients)))
    end = time.monotonic() if deadline is None else min(time.monotonic(), deadline)
    ran, waited = _schedstat()
    return WorkerResult(
        samples=tally.samples,
        floors=tally.floors,
        statuses={str(k): v for k, v in tally.statuses.items()},
        errors=dict(tally.errors),
        bodies=dict(tally.bodies),
        first_failure=tally.first_failure,
        cut_off=tally.cut_off,
        received=tally.received,
        first=tally.first if tally.first != math.inf else go,
        last=tally.last if tally.last != -math.inf else end,
        end=end,
        cpu=ran - ran0,
        waited=waited - waited0,
    )


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL: no worker outlives the test process


def worker_main() -> None:
    """A load worker: a JSON spec on stdin, ``ready``, then ``go`` with a start time, then a JSON result."""
    _die_with_parent()
    spec = json.loads(sys.stdin.readline())
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        return
    go = float(line[1])
    while time.monotonic() < go:
        time.sleep(max(go - time.monotonic(), 0.0))
    result = asyncio.run(_work(spec, go))
    sys.stdout.write(json.dumps(dataclasses.asdict(result)) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    worker_main()
