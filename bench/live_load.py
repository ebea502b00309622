"""Load client bench (issue 25): the checklist's load client against wrk and Locust, side by side.

Usage (from the repository root, inside the project's virtualenv):

    python bench/live_load.py                        # 3 rounds of 5 s loads, about 3 minutes
    python bench/live_load.py --seconds 4 --rounds 5

Starts a local nginx (a 1 KiB file) and a local asyncio server whose endpoint answers after 200 ms,
then runs, round after round against the same servers, the checklist's load client
(``living_checklist.live.load.run_load``), wrk (``--latency`` plus a Lua ``done`` hook for p50/p95)
and Locust (headless, one process, FastHttpUser) where installed, the tools' order reversed every
other round. Verdicts are on the medians over the rounds, each round's ratio printed beside them:

- L1: 32 connections to nginx: our req/s at least 10,000 or 0.15x wrk's, whichever is lower;
- L2: 8 connections to nginx: our p50 within 1 ms of wrk's;
- L3: 64 connections to the 200 ms endpoint: our p95 within 3 % of wrk's.

Each row prints PASS or FAIL (or SKIP with the reason when a tool is absent) and every figure;
Locust's rows are for information. The client's own CPU and CPU wait are printed too: on a loaded
machine a FAIL whose client note says it was busy most of the window measures the machine, and the
checklist itself would call such a load inconclusive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from living_checklist.live import load  # noqa: E402

NGINX_CONF = """
{user}worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; keepalive_requests 1000000;
  client_body_temp_path {root}/t; proxy_temp_path {root}/t; fastcgi_temp_path {root}/t;
  uwsgi_temp_path {root}/t; scgi_temp_path {root}/t;
  server {{ listen 127.0.0.1:{port}; root {root}/html; }}
}}
"""
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("CHECKLIST %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str) -> None:
    for _ in range(200):
        if load.send(url, load.Request("GET", "/"), timeout=1).status is not None:
            return
        time.sleep(0.05)
    raise SystemExit(f"{url} never answered")


@contextmanager
def nginx(folder: Path) -> Iterator[str | None]:
    if shutil.which("nginx") is None:
        yield None
        return
    port = free_port()
    (folder / "html").mkdir()
    (folder / "t").mkdir()
    (folder / "html" / "file.txt").write_bytes(b"x" * 1024)
    user = "user root; " if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(NGINX_CONF.format(root=folder, port=port, user=user))
    process = subprocess.Popen(
        ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _slow_server(port: int, ready: threading.Event) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(0.2)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def slow_server() -> str:
    """A local endpoint that answers every request after 200 ms (a daemon thread of this process)."""
    port = free_port()
    ready = threading.Event()
    threading.Thread(target=_slow_server, args=(port, ready), daemon=True).start()
    ready.wait(10)
    return f"http://127.0.0.1:{port}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ours(url: str, path: str, clients: int, seconds: float) -> dict[str, float | str]:
    """The checklist's load client, as a load step runs it."""
    result = load.run_load(url, load.Request("GET", path), clients, seconds=seconds, timeout=10)
    samples = list(result.samples)
    return {
        "rate": result.rate,
        "p50": percentile(samples, 50) * 1000,
        "p95": percentile(samples, 95) * 1000,
        "failed": float(result.failed),
        "note": f"{result.client_note()}; service's share p50 >= {percentile(list(result.floors), 50) * 1000:.2f} ms,"
        f" p95 >= {percentile(list(result.floors), 95) * 1000:.2f} ms",
    }


def wrk(url: str, path: str, clients: int, seconds: float, folder: Path) -> dict[str, float | str] | None:
    if shutil.which("wrk") is None:
        return None
    script = folder / "done.lua"
    script.write_text(WRK_SCRIPT)
    threads = min(clients, os.cpu_count() or 1)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "-s", str(script), url + path],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    found = re.search(r"CHECKLIST (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout)
    if not found:
        raise SystemExit(f"wrk said: {done.stdout}{done.stderr}")
    requests, duration_us, p50_us, p95_us, errors = (int(x) for x in found.groups())
    return {
        "rate": requests / (duration_us / 1e6),
        "p50": p50_us / 1000,
        "p95": p95_us / 1000,
        "failed": float(errors),
        "note": f"{threads} threads",
    }


def locust(url: str, path: str, users: int, seconds: float, folder: Path) -> dict[str, float | str] | None:
    if shutil.which("locust") is None and not (Path(sys.executable).parent / "locust").exists():
        return None
    program = shutil.which("locust") or str(Path(sys.executable).parent / "locust")
    (folder / "locustfile.py").write_text(
        "from locust import FastHttpUser, task\n\n"
        "class User(FastHttpUser):\n"
        "    @task\n"
        f"    def get(self):\n        self.client.get({path!r})\n"
    )
    done = subprocess.run(
        [program, "-f", str(folder / "locustfile.py"), "--headless", "-u", str(users), "-r", str(users),
         "-t", f"{seconds:g}s", "-H", url, "--json"],
        capture_output=True, text=True, timeout=seconds + 120, check=False, cwd=folder,
    )  # fmt: skip
    try:
        stats = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"rate": float("nan"), "p50": float("nan"), "p95": float("nan"), "failed": 0.0, "note": "no JSON"}
    row = next((s for s in stats if s.get("name") == path), stats[0] if stats else {})
    counts = {int(k): v for k, v in row.get("response_times", {}).items()}
    times = [float(k) for k, v in sorted(counts.items()) for _ in range(v)]
    elapsed = max(row.get("last_request_timestamp", 0) - row.get("start_time", 0), 1e-9)
    return {
        "rate": row.get("num_requests", 0) / elapsed,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "failed": float(row.get("num_failures", 0)),
        "note": f"1 process, FastHttpUser, {users} users",
    }


Row = dict[str, float | str]
ROWS = (("L1", 32, "nginx"), ("L2", 8, "nginx"), ("L3", 64, "slow"))
TOOLS = ("checklist", "wrk", "locust")


def show(label: str, figures: Row | None) -> None:
    if figures is None:
        print(f"    {label:<10} not installed")
        return
    print(
        f"    {label:<10} {figures['rate']:>9,.0f} req/s  p50 {figures['p50']:7.2f} ms  p95 {figures['p95']:7.2f} ms"
        f"  failed {figures['failed']:.0f}  ({figures['note']})"
    )


def verdict(name: str, ok: bool | None, text: str) -> bool | None:
    word = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
    print(f"  {name}: {word}  {text}")
    return ok


def measure(tool: str, url: str, path: str, clients: int, seconds: float, folder: Path) -> Row | None:
    if tool == "checklist":
        return ours(url, path, clients, seconds)
    if tool == "wrk":
        return wrk(url, path, clients, seconds, folder)
    return locust(url, path, clients, seconds, folder)


def median(rows: list[Row], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows)


def judge(name: str, mine: list[Row], theirs: list[Row]) -> bool | None:
    """A row's verdict on the medians over the rounds, with each round's ratio beside it."""
    if not theirs:
        return verdict(name, None, "wrk is not installed")
    if name == "L1":
        rate, anchor = median(mine, "rate"), median(theirs, "rate")
        target = min(10_000.0, 0.15 * anchor)
        each = ", ".join(f"{float(a['rate']) / float(b['rate']):.2f}x" for a, b in zip(mine, theirs, strict=True))
        text = f"median {rate:,.0f} req/s, target >= {target:,.0f} (0.15x wrk's {anchor:,.0f} or 10,000); rounds {each}"
        return verdict(name, rate >= target, text)
    key, limit = ("p50", 1.0) if name == "L2" else ("p95", 1.03)
    ours_, wrk_ = median(mine, key), median(theirs, key)
    if name == "L2":
        gaps = ", ".join(f"{float(a[key]) - float(b[key]):+.2f}" for a, b in zip(mine, theirs, strict=True))
        gap = ours_ - wrk_
        text = f"median p50 {ours_:.2f} ms vs wrk {wrk_:.2f} ms, gap {gap:+.2f} ms (target <= 1 ms); rounds {gaps}"
        return verdict(name, abs(ours_ - wrk_) <= limit, text)
    ratios = ", ".join(f"{float(a[key]) / float(b[key]):.3f}x" for a, b in zip(mine, theirs, strict=True))
    text = f"median p95 {ours_:.1f} ms vs wrk {wrk_:.1f} ms: {ours_ / wrk_:.3f}x (target <= 1.03x); rounds {ratios}"
    return verdict(name, ours_ / wrk_ <= limit, text)


def run_rows(seconds: float = 5.0, rounds: int = 3) -> int:
    """Every row's tools side by side against the same servers, ``rounds`` times (the order of the
    tools reversed every other round), then verdicts on the medians."""
    print(f"load client bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    got: dict[tuple[str, str], list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="checklist-load-bench-") as temp, nginx(Path(temp)) as url:
        folder = Path(temp)
        servers = {"nginx": url, "slow": slow_server()}
        for round_ in range(rounds):
            print(f"round {round_ + 1} of {rounds} (load average {os.getloadavg()[0]:.2f})")
            for name, clients, server in ROWS:
                base = servers[server]
                if base is None:
                    continue
                path = "/file.txt" if server == "nginx" else "/slow"
                what = "nginx 1 KiB file" if server == "nginx" else "an endpoint answering after 200 ms"
                print(f"  {name}: {clients} connections, {what}, {seconds:g} s")
                for tool in TOOLS if round_ % 2 == 0 else reversed(TOOLS):
                    figures = measure(tool, base, path, clients, seconds, folder)
                    show(tool, figures)
                    if figures is not None:
                        got.setdefault((name, tool), []).append(figures)
    print(f"medians over {rounds} rounds (load average {os.getloadavg()[0]:.2f} at the end):")
    results: list[bool | None] = []
    for name, _, server in ROWS:
        if (name, "checklist") not in got:
            results.append(verdict(name, None, f"{server} is not installed"))
            continue
        for tool in TOOLS:
            if (name, tool) in got:
                mine = got[(name, tool)]
                med = {k: median(mine, k) for k in ("rate", "p50", "p95", "failed")}
                show(tool, {**med, "note": f"median of {len(mine)}"})
        results.append(judge(name, got[(name, "checklist")], got.get((name, "wrk"), [])))
    return 1 if any(r is False for r in results) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every row (default 3)")
    args = parser.parse_args()
    return run_rows(args.seconds, args.rounds)


if __name__ == "__main__":
    raise SystemExit(main())
