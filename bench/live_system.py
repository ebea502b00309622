"""Command-line system bench (issue 25): the checklist's runner against hyperfine and GNU time.

Usage (from the repository root, inside the project's virtualenv):

    python bench/live_system.py              # 3 rounds, about a minute
    python bench/live_system.py --rounds 5

Each row compares, in one go and on the same machine, what ``living_checklist.live.runner``
records with an anchor, and prints PASS or FAIL (or SKIP with the reason when the anchor is not
installed) with every figure; medians over the rounds:

- S1: runs per second of a series of ``true`` (started as the series step does: one request to
  the launcher for all the runs, no peak-memory step after it, so posix_spawn and wait4) against
  hyperfine's (1 / its mean): at least 0.5x; one request per run (``runner.run``) for information;
- S2: wall time of the wrapper ``sh -c 'sleep 0.05; exec true'`` (started as a timing series
  does) against hyperfine's median: within 2 ms (the traced figure is printed beside it, and a
  direct ``posix_spawn`` + ``wait4`` from this process, timed around the two calls);
- S3: peak memory of ``sh -c 'python3 (allocates 200 MiB); true'`` (traced, as when a peak-memory
  step follows) against ``/usr/bin/time -v``'s maximum resident set: within 5 %.

On a machine shared with other work the figures move from round to round; the rows say so by
printing every round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from living_checklist.live import runner  # noqa: E402

ALLOCATE = "b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096])"
FORKING = ["sh", "-c", f'{sys.executable} -c "{ALLOCATE}"; true']
WRAPPER = ["sh", "-c", "sleep 0.05; exec true"]


def hyperfine(command: str, runs: int) -> dict[str, float] | None:
    """hyperfine's mean and median (seconds) for ``command`` (no shell), or None where it is absent."""
    if shutil.which("hyperfine") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "h.json"
        subprocess.run(
            ["hyperfine", "-N", "--warmup", "5", "--runs", str(runs), "--export-json", str(out), command],
            capture_output=True,
            check=True,
        )
        result = json.loads(out.read_text())["results"][0]
    return {"mean": float(result["mean"]), "median": float(result["median"])}


def ours_runs_per_second(runs: int) -> float:
    """A series as the step runs it: one request, ``runs`` runs (the launcher started before)."""
    for _ in runner.series(["true"], 2, timeout=10, trace=False):
        pass
    started = time.perf_counter()
    for _ in runner.series(["true"], runs, timeout=10, trace=False):
        pass
    return runs / (time.perf_counter() - started)


def single_runs_per_second(runs: int) -> float:
    """One request per run (``runner.run``), for information."""
    started = time.perf_counter()
    for _ in range(runs):
        runner.run(["true"], timeout=10, trace=False)
    return runs / (time.perf_counter() - started)


def direct_ms(argv: list[str]) -> float:
    """posix_spawn and wait4 from this process, timed around the two calls: no harness at all."""
    program = shutil.which(argv[0]) or argv[0]
    started = time.perf_counter_ns()
    pid = os.posix_spawn(program, argv, os.environ)
    os.wait4(pid, 0)
    return (time.perf_counter_ns() - started) / 1e6


def series_ms(argv: list[str], runs: int, trace: bool) -> list[float]:
    return [r.wall_time * 1000 for r in runner.series(argv, runs, timeout=10, trace=trace)]


def gnu_time_kib(argv: list[str]) -> int | None:
    if not Path("/usr/bin/time").exists():
        return None
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, text=True, check=True)
    return int(done.stderr.strip().splitlines()[-1])


def row(name: str, verdict: str, text: str) -> None:
    print(f"{name} {verdict:4} {text}")


def s1(rounds: int, runs: int) -> None:
    ratios, ours_all, theirs_all, singles = [], [], [], []
    for _ in range(rounds):
        anchor = hyperfine("true", runs)
        if anchor is None:
            row("S1", "SKIP", "hyperfine is not installed")
            return
        ours = ours_runs_per_second(runs)
        ours_all.append(ours)
        theirs_all.append(1 / anchor["mean"])
        ratios.append(ours * anchor["mean"])
        singles.append(single_runs_per_second(runs // 4) * anchor["mean"])
    ratio = statistics.median(ratios)
    row(
        "S1",
        "PASS" if ratio >= 0.5 else "FAIL",
        f"series of true: {statistics.median(ours_all):.0f} runs/s vs hyperfine {statistics.median(theirs_all):.0f} "
        f"runs/s = {ratio:.2f}x (target >= 0.5x; one request per run {statistics.median(singles):.2f}x); rounds: "
        + ", ".join(f"{r:.2f}x" for r in ratios),
    )


def s2(rounds: int, runs: int) -> None:
    ours_all: list[float] = []
    theirs_all: list[float] = []
    traced_all: list[float] = []
    direct_all: list[float] = []
    for index in range(rounds):
        if shutil.which("hyperfine") is None:
            row("S2", "SKIP", "hyperfine is not installed")
            return
        for job in ("ours", "anchor") if index % 2 else ("anchor", "ours"):  # drift hits both sides alike
            if job == "anchor":
                anchor = hyperfine(" ".join(["sh", "-c", "'sleep 0.05; exec true'"]), runs)
                theirs_all.append((anchor or {"median": 0.0})["median"] * 1000)
            else:  # as a timing series starts it (no peak-memory step after it); traced, for information
                ours_all.append(statistics.median(series_ms(WRAPPER, runs, trace=False)))
                traced_all.append(statistics.median(series_ms(WRAPPER, runs, trace=True)))
                direct_all.append(statistics.median(direct_ms(WRAPPER) for _ in range(runs)))
    ours, theirs = statistics.median(ours_all), statistics.median(theirs_all)
    row(
        "S2",
        "PASS" if abs(ours - theirs) <= 2.0 else "FAIL",
        f"wrapper sleeping 50 ms: median {ours:.1f} ms vs hyperfine {theirs:.1f} ms, "
        f"difference {ours - theirs:+.1f} ms (target within 2 ms; traced {statistics.median(traced_all):.1f} ms, "
        f"direct spawn {statistics.median(direct_all):.1f} ms); rounds (ours/hyperfine): "
        + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(ours_all, theirs_all, strict=True)),
    )


def s3(rounds: int) -> None:
    ours_all, theirs_all = [], []
    for _ in range(rounds):
        anchor = gnu_time_kib(FORKING)
        if anchor is None:
            row("S3", "SKIP", "/usr/bin/time (GNU time) is not installed")
            return
        result = runner.run(FORKING, timeout=60)
        ours_all.append((result.peak_rss or 0) / (1 << 20))
        theirs_all.append(anchor / 1024)
    ours, theirs = statistics.median(ours_all), statistics.median(theirs_all)
    gap = abs(ours - theirs) / theirs
    row(
        "S3",
        "PASS" if gap <= 0.05 else "FAIL",
        f"peak of a forking program: {ours:.1f} MiB vs time -v {theirs:.1f} MiB, {gap:.1%} apart (target within 5%)",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=200, help="runs of true per round (S1)")
    args = parser.parse_args()
    s1(args.rounds, args.runs)
    s2(args.rounds, 20)
    s3(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
