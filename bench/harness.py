"""The bench's harness: running a command, its wall and CPU time and peak memory, rounds, medians, ratios.

Each round runs every measured command once, odd rounds in reverse order, so that drift on a
shared machine hits both sides of a ratio alike; a verdict is a ratio of medians taken in the same
run. Peak memory is ``ru_maxrss`` from ``os.wait4``; a process tree's summed RSS is sampled with
``psutil`` where asked.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

SAMPLE_INTERVAL = 0.05  # seconds between two samples of a process tree's RSS

# ---------------------------------------------------------------------------------------------
# Running and measuring


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its reaped children (xdist workers)
    maxrss_kib: int  # ru_maxrss of the process (the largest one of its tree once children are reaped)
    tree_peak_kib: int | None  # summed RSS of the process tree, sampled (only when asked for)
    returncode: int
    tail: str  # the last line of output, e.g. pytest's summary
    output: str = ""  # the last lines of output (peers print their summary over several lines)


@dataclass(frozen=True)
class Job:
    """One command measured once per round."""

    key: str
    title: str
    cwd: Path
    argv: tuple[str, ...]
    check: Callable[[Sample], str | None]  # an error message when the run is not what we measure
    sample_tree: bool = False
    after: Callable[[int], None] | None = None  # called with the round number after each run
    before: Callable[[int], None] | None = None  # called with the round number before each run
    env: tuple[tuple[str, str], ...] = ()  # added to the environment of this command


@dataclass
class Results:
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def wall(self, key: str) -> float | None:
        runs = self.samples.get(key)
        return statistics.median(s.wall for s in runs) if runs else None

    def cpu(self, key: str) -> float | None:
        runs = self.samples.get(key)
        return statistics.median(s.cpu for s in runs) if runs else None

    def rss(self, key: str) -> float | None:
        runs = self.samples.get(key)
        return statistics.median(s.maxrss_kib for s in runs) / 1024 if runs else None

    def tree(self, key: str) -> float | None:
        values = [s.tree_peak_kib for s in self.samples.get(key, []) if s.tree_peak_kib is not None]
        return statistics.median(values) / 1024 if values else None


def clean_env(pycache: Path | None) -> dict[str, str]:
    """The environment of every measured run: no PYTEST_ADDOPTS and the like; bytecode as asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_", "HYPOTHESIS_"))}
    if pycache is not None:
        # Steady state, as on a developer machine: modules (and pytest's assertion-rewritten plugins)
        # load from a warm bytecode cache of our own instead of being compiled again by every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


class TreeSampler(threading.Thread):
    """Highest summed RSS of a process and all its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.wait(SAMPLE_INTERVAL):
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        total += int(proc.memory_info().rss)
                    except psutil.Error:
                        continue
            except psutil.Error:
                return
            self.peak = max(self.peak, total // 1024)


def measure(job: Job, env: dict[str, str], number: int = 0) -> Sample:
    if job.before is not None:
        job.before(number)
    if job.env:
        env = {**env, **dict(job.env)}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(job.argv, cwd=job.cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid) if job.sample_tree else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
        if sampler is not None:
            sampler.stop.set()
            sampler.join()
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_kib=int(usage.ru_maxrss),
        tree_peak_kib=sampler.peak if sampler is not None else None,
        returncode=proc.returncode,
        tail=lines[-1].strip() if lines else "(no output)",
        output="\n".join(lines[-20:]),
    )


def warm_up(jobs: Sequence[Job], env: dict[str, str]) -> list[str]:
    """Untimed runs that fill the bytecode cache and the file-system cache, and check the set-up."""
    problems = []
    for job in jobs:
        problem = job.check(measure(job, env))
        if problem:
            problems.append(f"warm-up, {job.title}: {problem}")
            print(f"  {problems[-1]}")
    return problems


def run_rounds(jobs: Sequence[Job], rounds: int, env: dict[str, str], verbose: bool) -> Results:
    results = Results()
    for number in range(rounds):
        order = list(jobs) if number % 2 == 0 else list(reversed(jobs))
        print(f"round {number + 1}/{rounds}", flush=True)
        for job in order:
            sample = measure(job, env, number)
            results.samples.setdefault(job.key, []).append(sample)
            problem = job.check(sample)
            if problem:
                results.problems.append(f"{job.title} (round {number + 1}): {problem}")
            if job.after is not None:
                job.after(number)
            if verbose or problem:
                mark = "  !! " + problem if problem else ""
                print(
                    f"  {sample.wall:8.2f} s {sample.cpu:7.2f} s CPU {sample.maxrss_kib / 1024:5.0f} MiB  "
                    f"{job.title}: {sample.tail}{mark}"
                )
    return results


# ---------------------------------------------------------------------------------------------
# What each run must report (so that we time the thing we mean to time)

_COUNT = re.compile(r"(\d+) (passed|failed|xfailed|xpassed|skipped|errors?|deselected)")


def summary_counts(tail: str) -> dict[str, int]:
    counts = {kind.rstrip("s") if kind == "errors" else kind: int(n) for n, kind in _COUNT.findall(tail)}
    return counts


def expect(counts: dict[str, int], returncodes: tuple[int, ...] = (0,)) -> Callable[[Sample], str | None]:
    def check(sample: Sample) -> str | None:
        found = summary_counts(sample.tail)
        if found != counts:
            return f"expected {counts}, found {found or sample.tail!r}"
        if sample.returncode not in returncodes:
            return f"exit status {sample.returncode}, expected {returncodes}"
        return None

    return check


def expect_text(text: str, returncodes: tuple[int, ...] = (0,)) -> Callable[[Sample], str | None]:
    """For the peers: their summary (somewhere in the last lines) must say ``text``."""

    def check(sample: Sample) -> str | None:
        if text not in sample.output:
            return f"expected {text!r} in the summary, found {sample.tail!r}"
        if sample.returncode not in returncodes:
            return f"exit status {sample.returncode}, expected {returncodes}"
        return None

    return check


def expect_exit(*returncodes: int) -> Callable[[Sample], str | None]:
    def check(sample: Sample) -> str | None:
        return None if sample.returncode in returncodes else f"exit status {sample.returncode}: {sample.tail}"

    return check


# ---------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Verdict:
    target: str
    text: str
    ok: bool | None  # None: not measured (n/a), or a figure without a target (info)
    info: bool = False


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def verdict(target: str, text: str, value: float | None, limit: float, *, at_least: bool = False) -> Verdict:
    if value is None:
        return Verdict(target, f"{text}: n/a", None)
    ok = value >= limit if at_least else value <= limit
    sign = ">=" if at_least else "<="
    return Verdict(target, f"{text} = {value:.2f} (target {sign} {limit:g})", ok)


def timed(
    target: str,
    text: str,
    r: Results,
    a: str,
    b: str,
    limit: float,
    *,
    at_least: bool = False,
    cpu: bool = True,
) -> Verdict:
    """The verdict on the ratio of median wall times; the per-round ratios and the CPU-time ratio as context."""
    result = verdict(target, text, ratio(r.wall(a), r.wall(b)), limit, at_least=at_least)
    if result.ok is None:
        return result
    rounds = [x.wall / y.wall for x, y in zip(r.samples[a], r.samples[b], strict=False) if y.wall]
    extra = f"per round {', '.join(f'{v:.2f}' for v in rounds)}"
    cpu_ratio = ratio(r.cpu(a), r.cpu(b))
    if cpu and cpu_ratio is not None:
        extra += f"; CPU time {cpu_ratio:.2f}"
    return Verdict(target, f"{result.text} [{extra}]", result.ok)


def info(target: str, text: str, r: Results, a: str, b: str) -> Verdict:
    """A ratio shown for context (peers, the cold variant), without a target."""
    value = ratio(r.wall(a), r.wall(b))
    if value is None:
        return Verdict(target, f"{text}: n/a", None, info=True)
    rounds = [x.wall / y.wall for x, y in zip(r.samples[a], r.samples[b], strict=False) if y.wall]
    cpu_ratio = ratio(r.cpu(a), r.cpu(b))
    extra = f"per round {', '.join(f'{v:.2f}' for v in rounds)}"
    if cpu_ratio is not None:
        extra += f"; CPU time {cpu_ratio:.2f}"
    rss = ratio(r.rss(a), r.rss(b))
    if rss is not None:
        extra += f"; peak RSS {rss:.2f}"
    return Verdict(target, f"{text} = {value:.2f} [{extra}]", None, info=True)


def report_statuses(path: Path) -> dict[str, Any]:
    """The parts of a JSON report that must not depend on -n: statuses, reasons, messages; no timings."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        "complete": data.get("complete"),
        "totals": data.get("totals"),
        "requirements": sorted(
            (
                req.get("id"),
                req.get("status"),
                req.get("reason"),
                req.get("message"),
                tuple(
                    (case.get("nodeid"), case.get("status"), case.get("reason"), case.get("message"), case.get("steps"))
                    for case in req.get("cases", ())
                ),
            )
            for req in data.get("requirements", ())
        ),
    }
