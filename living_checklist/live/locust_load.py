"""The same loads on Locust's master and workers (``checklist_load_workers``), merged exactly.

When ``checklist_load_workers = N`` is set, a load step starts a Locust master and N Locust workers
as separate processes on this machine (the master on 127.0.0.1, the workers connecting to it), all
headless, with a generated locustfile whose users send the scenario's request (Locust's
``FastHttpUser``). Locust's master merges the workers' response-time histograms itself (counts
per rounded millisecond value, not averaged percentiles); the merged histogram, per status, is read
from its ``--json`` summary into the same ``load.Load`` the built-in client gives, so every load
phrase and budget works unchanged. Only answered requests (2xx/3xx) count towards the rate and the
percentiles; the others are counted apart. A load of ``<m> requests each`` ends when the master has
every answer (each user stops after its ``m``); a load ``for <x> s`` is Locust's ``--run-time``.

What differs from the built-in client: response times are Locust's (rounded to 1 ms below 100 ms,
10 ms below 1 s, 100 ms above; connecting included in a connection's first request); bodies are
counted, not hashed; Locust's client adds ``Accept-Encoding: identity`` where the scenario sets no
``Accept-Encoding`` (it would otherwise ask for gzip) and its own ``Accept``/``Connection``
defaults; the client's own CPU is not recorded (Locust warns in its log when a worker's CPU was the
limit). Locust is the optional extra ``load`` (``pip install 'living-checklist[load]'``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from living_checklist.live.load import USER_AGENT, Load, LoadError, Request, url_for

__all__ = ["LOCUSTFILE", "missing", "run_locust", "to_load"]

LOCUSTFILE = """
import json, os, time
import gevent
import locust.runners
from locust import FastHttpUser, events, task
from locust.runners import MasterRunner

SPEC = json.loads(os.environ["CHECKLIST_LOCUST_SPEC"])
locust.runners.WORKER_REPORT_INTERVAL = 0.5  # the master learns of every answer soon after it


class Client(FastHttpUser):
    host = SPEC["host"]
    network_timeout = connection_timeout = SPEC["timeout"]
    max_retries = 0
    insecure = False

    def on_start(self):
        self.sent = 0

    @task
    def send(self):
        if SPEC["each"] is not None and self.sent >= SPEC["each"]:
            gevent.sleep(3600)  # done: the master ends the load once it has every answer
            return
        self.sent += 1
        with self.client.request(SPEC["method"], SPEC["target"], data=SPEC["body"], headers=SPEC["headers"],
                                 allow_redirects=False, catch_response=True) as response:
            status = response.status_code or 0
            if status:
                response.request_meta["name"] = str(status)
                ok = 200 <= status < 400
            else:
                error = response.error
                kind = type(error).__name__
                if "timed out" in str(error).lower() or "Timeout" in kind:
                    kind = "timed out"
                response.request_meta["name"] = "error: " + kind
                ok = False
            response.success() if ok else response.failure(response.request_meta["name"])


def _watch(environment):
    expected = SPEC["clients"] * SPEC["each"]
    while environment.stats.total.num_requests < expected:
        gevent.sleep(0.05)
    environment.runner.quit()


@events.init.add_listener
def _on_init(environment, **_):
    if SPEC["each"] is not None and isinstance(environment.runner, MasterRunner):
        gevent.spawn(_watch, environment)
"""


def missing() -> str | None:
    """Why Locust cannot run a load here, or None."""
    if importlib.util.find_spec("locust") is None:
        return "checklist_load_workers needs Locust: pip install 'living-checklist[load]' (locust>=2.20)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spec(base_url: str, request: Request, clients: int, each: int | None, timeout: float) -> dict[str, Any]:
    url = url_for(base_url, request.target)
    host, target = url[: len(url) - len(request.target)], request.target
    headers = {"User-Agent": USER_AGENT, **dict(request.headers)}
    if not any(k.lower() == "accept-encoding" for k in headers):
        headers["Accept-Encoding"] = "identity"
    body = None if request.body is None else request.body.decode("latin-1")
    return {"host": host, "target": target, "method": request.method, "headers": headers, "body": body,
            "clients": clients, "each": each, "timeout": timeout}  # fmt: skip


def run_locust(
    base_url: str,
    request: Request,
    clients: int,
    *,
    each: int | None = None,
    seconds: float | None = None,
    timeout: float,
    workers: int,
) -> Load:
    """A Locust master and ``workers`` workers, separate processes on 127.0.0.1, run the load."""
    why = missing()
    if why:
        raise LoadError(why)
    spec = _spec(base_url, request, clients, each, timeout)
    cap = seconds if seconds is not None else (each or 1) * timeout + 60
    with tempfile.TemporaryDirectory(prefix="checklist-locust-") as folder:
        path = Path(folder) / "locustfile.py"
        path.write_text(LOCUSTFILE)
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env["CHECKLIST_LOCUST_SPEC"] = json.dumps(spec)
        port = _free_port()
        base = [sys.executable, "-m", "locust", "-f", str(path), "--skip-log-setup"]
        master_args = _master_args(port, workers, clients, cap)
        master = subprocess.Popen(base + master_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env, cwd=folder)  # fmt: skip
        worker_args = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        started = [subprocess.Popen(base + worker_args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                    cwd=folder) for _ in range(workers)]  # fmt: skip
        try:
            out, err = _summary(master, cap + 120)
        finally:
            _end_workers(started)
    try:
        entries = json.loads(out)
    except json.JSONDecodeError:
        raise LoadError(f"Locust's master gave no summary: {err.strip()[-500:] or 'no output'}") from None
    return to_load(entries, clients, each, seconds, workers)


def _master_args(port: int, workers: int, clients: int, cap: float) -> list[str]:
    """The master's options: headless on 127.0.0.1:``port``, ``clients`` users all at once, ``cap`` seconds."""
    args = ["--master", "--headless", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)]
    args += ["--expect-workers", str(workers), "-u", str(clients), "-r", str(max(clients * 20, 100))]
    return args + ["-t", f"{cap:g}s", "--json", "--stop-timeout", "0"]


def _summary(master: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """The master's output and errors once it ended; killed when it takes longer than ``timeout``."""
    try:
        return master.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        master.kill()
        return master.communicate()


def _end_workers(started: Sequence[subprocess.Popen[bytes]]) -> None:
    """Each worker gets ten seconds to end after the master, then is killed and reaped."""
    for worker in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(10)
        worker.kill()
        worker.communicate()


def _tally(entries: Sequence[Mapping[str, Any]]) -> tuple[Counter[int], Counter[str], list[float], int]:
    """Requests by status, no-responses by kind, the answered ones' response times and the bytes received."""
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    samples: list[float] = []
    received = 0
    for entry in entries:
        name, count = str(entry["name"]), int(entry["num_requests"])
        received += int(entry.get("total_content_length", 0))
        if name.startswith("error: "):
            errors[name.removeprefix("error: ")] += count
            continue
        statuses[int(name)] += count
        if 200 <= int(name) < 400:
            samples += _response_times(entry)
    return statuses, errors, samples, received


def _response_times(entry: Mapping[str, Any]) -> list[float]:
    """An entry's histogram (milliseconds: count) as that many samples in seconds, shortest first."""
    samples: list[float] = []
    for ms, n in sorted(entry.get("response_times", {}).items(), key=lambda kv: float(kv[0])):
        samples += [float(ms) / 1000] * int(n)
    return samples


def _span(entries: Sequence[Mapping[str, Any]]) -> float:
    """Seconds from the first request's start to the last request, over entries that counted any."""
    starts = [float(e["start_time"]) for e in entries if e.get("num_requests")]
    ends = [float(e["last_request_timestamp"]) for e in entries if e.get("num_requests")]
    return max(ends) - min(starts) if starts else 0.0


def to_load(
    entries: Sequence[Mapping[str, Any]], clients: int, each: int | None, seconds: float | None, processes: int
) -> Load:
    """Locust's merged statistics (one entry per status or kind of error) as a ``Load``: the
    answered requests' histogram becomes their response times, exactly as counted."""
    statuses, errors, samples, received = _tally(entries)
    window = seconds if seconds is not None else _span(entries)
    first = next((f"{e['name']}" for e in entries if str(e["name"]).startswith("error: ")), "")
    return Load(
        clients=clients, each=each, seconds=seconds, samples=tuple(samples), floors=tuple(samples),
        statuses=dict(statuses), errors=dict(errors), first_failure=first and f"no response ({first[7:]})",
        cut_off=0, window=max(window, 1e-9), received=received, bodies={}, processes=processes,
        cpu=0.0, waited=0.0, busiest=0.0,
    )  # fmt: skip
