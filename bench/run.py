"""Benchmarks of issues 7 and 15: the checklist against bare pytest-bdd, pytest and its peers, side by side.

Usage (from the repository root, inside the project's virtualenv):

    python bench/run.py                 # full sizes, 3 rounds (5-8 minutes on 2 cores, more when busy)
    python bench/run.py --quick         # W1k-size workloads, about 1-2 minutes
    python bench/run.py --rounds 5 --targets 1,4

Every workload is generated into a fresh temporary folder (one small project per side). Each round
runs every measured command once, alternating the order between rounds so that drift on a shared
machine hits both sides alike. Times are wall-clock medians over the rounds; every target is a
ratio of medians taken in the same run, so machines of different speed give comparable verdicts.
Peak memory is ``ru_maxrss`` of the pytest process from ``os.wait4``; for ``-n 2`` that is the
largest single process of the tree (controller or a worker), and the summed RSS of the whole tree
is sampled every 50 ms as well.

Stdlib only, plus ``psutil`` (a dependency of the project) for the process-tree sample.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
# Issue 15's runs keep pytest's cache provider, as a developer's plain `pytest` does: the inventory
# cache lives in pytest's cache folder, shared by the full run and the dry run.
PYTEST_CACHED = [sys.executable, "-m", "pytest", "-q"]
STATUS = [sys.executable, "-m", "living_checklist", "status"]
STATUS_TITLE = "python -m living_checklist status"
# Every report of one run (F2), with the suffix of its file; options this version lacks are skipped.
REPORT_OPTIONS = {
    "--checklist-json": ".json",
    "--checklist-md": ".md",
    "--checklist-html": ".html",
    "--checklist-cucumber": ".cucumber.json",
    "--checklist-messages": ".ndjson",
}
ALL_TARGETS = ("1", "2", "3", "4", "5", "F1", "F2", "F3", "F4", "peers")
DEFAULT_TARGETS = ("1", "2", "3", "4", "5", "F1", "F2", "F3", "peers")
BEHAVE_ARGS = ("--format", "progress")
BEHAVE_NOTE = "pip install behave into this environment, or pass --behave CMD"
CUCUMBER_JS_NOTE = "npm install --prefix bench/.peers @cucumber/cucumber, or pass --cucumber-js PATH"
CUCUMBER_JS_ARGS = ("--format", "progress")
NO_CHECKLIST = ["-p", "no:living_checklist"]  # the pytest11 entry-point name of our plugin
STEPS_PER_SCENARIO = 3
SCENARIOS_PER_FILE = 100
STEP_WORK_MS = 5.0
SAMPLE_INTERVAL = 0.05


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Sizes:
    big_files: int  # W10k: big_files x 100 scenarios x 3 steps
    small_files: int  # W1k
    lookup_scenarios: int  # target 4: scenarios, each with its own step definition
    work_scenarios: int  # target 5: scenarios whose steps sleep (or burn CPU) 5 ms each

    @property
    def big(self) -> int:
        return self.big_files * SCENARIOS_PER_FILE

    @property
    def small(self) -> int:
        return self.small_files * SCENARIOS_PER_FILE


FULL = Sizes(big_files=100, small_files=10, lookup_scenarios=2000, work_scenarios=1000)
QUICK = Sizes(big_files=10, small_files=1, lookup_scenarios=500, work_scenarios=300)


def label_of(scenarios: int) -> str:
    return f"W{scenarios // 1000}k" if scenarios >= 1000 and scenarios % 1000 == 0 else f"W{scenarios}"


# ---------------------------------------------------------------------------------------------
# Workload generation (pure text; written by ``Project``)

PROJECT_INI = """\
[tool.pytest.ini_options]
testpaths = ["features"]
checklist_features = "features"
checklist_require_ids = false
"""

# The bare pytest-bdd side must not see the checklist_* keys (unknown ini keys warn without our plugin).
BARE_INI = """\
[tool.pytest.ini_options]
testpaths = ["test_bdd.py"]
"""

BARE_TEST_MODULE = """\
from pytest_bdd import scenarios

scenarios("features")
"""

TRIVIAL_STEPS = """\
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("the counter starts at {start:d}"), target_fixture="counter")
def _(start: int) -> int:
    return start


@when(parsers.parse("the counter is increased by {step:d}"), target_fixture="counter")
def _(counter: int, step: int) -> int:
    return counter + step


@then(parsers.parse("the counter is {total:d}"))
def _(counter: int, total: int) -> None:
    assert counter == total
"""

LOOKUP_SHARED_TAIL = """\


@when("the shared action runs")
def _() -> None:
    pass


@then("the shared outcome holds")
def _() -> None:
    pass
"""

LOOKUP_DISTINCT_STEPS = (
    """\
from pytest_bdd import given, parsers, then, when


def _precondition(value: int) -> None:
    pass


# One definition per scenario, each with its own literal text before the argument.
for _number in range({count}):
    given(parsers.parse(f"the precondition {{_number:04d}} holds with {{{{value:d}}}}"))(_precondition)
"""
    + LOOKUP_SHARED_TAIL
)

LOOKUP_DISTINCT_STRING_STEPS = (
    """\
from pytest_bdd import given, parsers, then, when


def _precondition() -> None:
    pass


# One plain-text definition per scenario: no regular expression to compile.
for _number in range({count}):
    given(f"the precondition {{_number:04d}} holds with {{_number % 7}}")(_precondition)
"""
    + LOOKUP_SHARED_TAIL
)

LOOKUP_TITLES = {
    "distinct": "one parsers.parse definition per scenario",
    "distinct-string": "one plain-text definition per scenario",
    "shared": "one shared definition",
}

LOOKUP_ONE_SHARED_STEP = (
    """\
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("the precondition {number:d} holds with {value:d}"))
def _(number: int, value: int) -> None:
    pass
"""
    + LOOKUP_SHARED_TAIL
)

WORK_STEPS = """\
import time

import pytest
from pytest_bdd import given, parsers, then, when

import living_checklist as checklist

BURN = {burn}


def work(ms: int) -> None:
    if BURN:  # CPU time, so that it cannot overlap on a busy machine
        end = time.process_time() + ms / 1000
        while time.process_time() < end:
            pass
    else:
        time.sleep(ms / 1000)


@given(parsers.parse("a job that takes {{ms:d}} ms"), target_fixture="job")
def _(ms: int) -> dict[str, int]:
    work(ms)
    return {{"ms": ms, "done": 0}}


@given("a job that needs a GPU")
def _() -> None:
    pytest.skip("no GPU on this machine")


@when(parsers.parse("the job runs for {{ms:d}} ms"))
def _(job: dict[str, int], ms: int) -> None:
    work(ms)
    job["done"] += ms


@then(parsers.parse("the job is done after {{ms:d}} ms"))
def _(job: dict[str, int], ms: int) -> None:
    work(ms)
    assert job["done"] == job["ms"] == ms


@then(parsers.parse("the job fails after {{ms:d}} ms"))
def _(job: dict[str, int], ms: int) -> None:
    work(ms)
    assert job["done"] == ms + 1, f"measured {{job['done']}} ms of work, required {{ms + 1}}"


@then("the job result is not decided")
def _() -> None:
    checklist.pending("the expected result is not known yet")
"""

GHERKIN_FLOOR = """\
import sys
import time
from pathlib import Path

start = time.perf_counter()
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

pickles = 0
for path in sorted(Path(sys.argv[1]).rglob("*.feature")):
    document = Parser().parse(path.read_text(encoding="utf-8"))
    document["uri"] = str(path)
    pickles += len(Compiler().compile(document))
print(f"{pickles} pickles parsed and compiled in {time.perf_counter() - start:.3f} s (in-process)")
"""


def counter_features(files: int) -> dict[str, str]:
    """``files`` x 100 scenarios x 3 steps, matched by the three trivial definitions."""
    out = {}
    for f in range(files):
        lines = [f"Feature: Workload area {f:03d}", "  Generated by bench/run.py.", ""]
        for s in range(SCENARIOS_PER_FILE):
            lines += [
                f"  Scenario: Counter {f:03d}-{s:03d}",
                f"    Given the counter starts at {s}",
                f"    When the counter is increased by {f}",
                f"    Then the counter is {s + f}",
                "",
            ]
        out[f"area_{f:03d}.feature"] = "\n".join(lines)
    return out


def lookup_features(scenarios: int) -> dict[str, str]:
    """Scenario n's Given matches definition n (distinct) or the one shared definition."""
    out = {}
    for f in range(0, scenarios, SCENARIOS_PER_FILE):
        lines = [f"Feature: Lookup {f // SCENARIOS_PER_FILE:03d}", ""]
        for n in range(f, min(f + SCENARIOS_PER_FILE, scenarios)):
            lines += [
                f"  Scenario: Lookup {n:04d}",
                f"    Given the precondition {n:04d} holds with {n % 7}",
                "    When the shared action runs",
                "    Then the shared outcome holds",
                "",
            ]
        out[f"lookup_{f // SCENARIOS_PER_FILE:03d}.feature"] = "\n".join(lines)
    return out


def work_features(scenarios: int, ms: int) -> dict[str, str]:
    """Mostly passing scenarios doing real work, with a few of every other status for the report check."""
    per_file = 50
    out = {}
    for f in range(0, scenarios, per_file):
        lines = [f"Feature: Jobs {f // per_file:03d}", ""]
        for n in range(f, min(f + per_file, scenarios)):
            given = f"a job that takes {ms} ms" if n % 50 != 13 else "a job that needs a GPU"
            when = f"the job runs for {ms} ms" if n % 50 != 9 else "the job is not written yet"
            then = {7: f"the job fails after {ms} ms", 11: "the job result is not decided"}.get(
                n % 50, f"the job is done after {ms} ms"
            )
            lines += [f"  Scenario: Job {n:04d}", f"    Given {given}", f"    When {when}", f"    Then {then}", ""]
        out[f"jobs_{f // per_file:03d}.feature"] = "\n".join(lines)
    return out


def work_expected(scenarios: int) -> dict[str, int]:
    """What the work suite must report, by the same rule as ``work_features``."""
    counts = {"failed": 0, "skipped": 0, "xfailed": 0, "passed": 0}
    for n in range(scenarios):
        kind = {7: "failed", 9: "xfailed", 11: "xfailed", 13: "skipped"}.get(n % 50, "passed")
        counts[kind] += 1
    return {k: v for k, v in counts.items() if v}


# -- issue 15: pytest's own floor, the corpus, the peers ---------------------------------------

PARAM_INI = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
"""

PARAM_MODULE = """\
import pytest


@pytest.mark.parametrize(("start", "step", "total"), [(s, {f}, s + {f}) for s in range({n})])
def test_counter(start: int, step: int, total: int) -> None:
    assert start + step == total
"""


def param_modules(files: int) -> dict[str, str]:
    """pytest's own floor: ``files`` modules x 100 trivial parametrized tests, the W10k shape without Gherkin."""
    return {f"test_area_{f:03d}.py": PARAM_MODULE.format(f=f, n=SCENARIOS_PER_FILE) for f in range(files)}


# The corpus of issue 15 (F2): the shape of a real requirements corpus, not of a micro-benchmark.
# Thousands of scenarios with ids, a Background per file, long step texts, some data tables and doc
# strings, outlines with many rows, a few TBD values, and most steps undefined.
CORPUS_FILES = 38
CORPUS_SCENARIOS = 95  # plain scenarios per file
CORPUS_OUTLINES = 3  # outlines per file
CORPUS_ROWS = 23  # Examples rows per outline
CORPUS_DEFINED_EVERY = 10  # every 10th plain scenario has every step defined (and passes)
CORPUS_TBD_EVERY = 17  # every 17th plain scenario has a TBD value (pending, reason tbd)

CORPUS_STEPS = """\
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("the subsystem {area:d} is deployed with the reference configuration of the operations "
                     "handbook, section {section}, including its retention, replication and alerting settings"))
def _(area: int, section: str) -> None:
    pass


@given(parsers.parse("a client that sends request {number:d} with a payload of {size:d} bytes over a warm "
                     "connection from the same region as the primary replica"), target_fixture="request_size")
def _(number: int, size: int) -> int:
    return size


@when(parsers.parse("the system handles the request while the nightly compaction and the backup of "
                    "subsystem {area:d} run at their scheduled times"))
def _(area: int) -> None:
    pass


@then(parsers.parse("the response arrives within {ms:d} milliseconds and carries the whole payload of "
                    "{size:d} bytes"))
def _(request_size: int, ms: int, size: int) -> None:
    assert request_size == size
"""


def corpus_features(files: int = CORPUS_FILES) -> dict[str, str]:
    out = {}
    for f in range(files):
        lines = [
            f"@area-{f:02d}",
            f"Feature: Subsystem {f:02d} keeps its service levels under the load profiles agreed with operations",
            "  The requirements below were collected from the service-level agreement, the operations",
            "  handbook and the incident reviews of the last two years; each one names its source document.",
            "",
            "  Background:",
            f"    Given the subsystem {f} is deployed with the reference configuration of the operations handbook, "
            f"section {f}.2, including its retention, replication and alerting settings",
            "",
        ]
        for n in range(CORPUS_SCENARIOS):
            rid = f"CORP-{f:02d}{n:03d}"
            lines += [f"  @{rid}", f"  Scenario: Request {n} of subsystem {f} is answered in time"]
            if n % CORPUS_DEFINED_EVERY == 0:
                size = 1000 + n
                lines += [
                    f"    Given a client that sends request {n} with a payload of {size} bytes over a warm connection "
                    "from the same region as the primary replica",
                    f"    When the system handles the request while the nightly compaction and the backup of "
                    f"subsystem {f} run at their scheduled times",
                    f"    Then the response arrives within {200 + n} milliseconds and carries the whole payload of "
                    f"{size} bytes",
                ]
            else:
                limit = "TBD" if n % CORPUS_TBD_EVERY == 0 else str(50 + n)
                lines += [
                    f"    Given an operator who has enabled audit logging for tenant {n} with a retention of "
                    f"{30 + n % 60} days and forwarding to the central archive of region {f % 4}",
                    f"    And the tenant {n} has {n * 13 % 997} active users whose sessions were opened in the last "
                    "hour from at least three different client applications",
                    f"    When the operator exports the audit trail of tenant {n} for the last {1 + n % 28} days as "
                    "a signed archive while the nightly compaction runs",
                    f"    Then the export of tenant {n} completes within {limit} seconds and the archive verifies "
                    "against the published signing key of the archive service",
                ]
                if n % 7 == 3:
                    lines += [
                        "    And the archive lists these fields for every entry:",
                        "      | field      | type      | required |",
                        "      | timestamp  | RFC 3339  | yes      |",
                        "      | actor      | user id   | yes      |",
                        "      | action     | verb      | yes      |",
                        "      | resource   | URN       | no       |",
                    ]
                if n % 11 == 5:
                    lines += [
                        "    And the summary of the export reads:",
                        '      """',
                        f"      Audit export for tenant {n}: every entry is signed, ordered by time and complete;",
                        "      entries older than the retention window are listed as expired, not dropped.",
                        '      """',
                    ]
            lines.append("")
        for o in range(CORPUS_OUTLINES):
            rid = f"CORP-{f:02d}9{o:02d}"
            lines += [
                f"  @{rid}",
                f"  Scenario Outline: Throughput {o} of <kind> requests of subsystem {f} under sustained load",
                "    Given a load profile of <rate> requests per second sustained for <minutes> minutes against the "
                "<kind> endpoint with payloads of <size> bytes",
                "    When the system processes the load while the background compaction and the replication jobs "
                "run at their nightly schedule",
                "    Then at least <ratio> percent of the <kind> requests complete within <ms> milliseconds as "
                "measured at the client",
                "",
                "    Examples:",
                "      | kind   | rate | minutes | size  | ratio | ms   |",
            ]
            kinds = ("read", "write", "search", "export")
            for r in range(CORPUS_ROWS):
                lines.append(
                    f"      | {kinds[r % 4]:<6} | {100 * (r + 1):<4} | {5 + r % 30:<7} | {512 * (1 + r % 9):<5} | "
                    f"{90 + r % 10:<5} | {50 * (1 + r % 20):<4} |"
                )
            lines.append("")
        out[f"subsystem_{f:02d}.feature"] = "\n".join(lines)
    return out


def corpus_expected(files: int = CORPUS_FILES) -> dict[str, int]:
    """What a run of the corpus reports: the defined scenarios pass, every other case is pending (xfail)."""
    passed = files * len(range(0, CORPUS_SCENARIOS, CORPUS_DEFINED_EVERY))
    cases = files * (CORPUS_SCENARIOS + CORPUS_OUTLINES * CORPUS_ROWS)
    return {"passed": passed, "xfailed": cases - passed}


BEHAVE_STEPS = """\
from behave import given, then, when


@given("the counter starts at {start:d}")
def _(context, start):
    context.counter = start


@when("the counter is increased by {step:d}")
def _(context, step):
    context.counter += step


@then("the counter is {total:d}")
def _(context, total):
    assert context.counter == total
"""

CUCUMBER_JS_STEPS = """\
const { Given, When, Then } = require("@cucumber/cucumber");
const assert = require("node:assert");

Given("the counter starts at {int}", function (start) {
  this.counter = start;
});

When("the counter is increased by {int}", function (step) {
  this.counter += step;
});

Then("the counter is {int}", function (total) {
  assert.strictEqual(this.counter, total);
});
"""


@dataclass(frozen=True)
class Project:
    """A throw-away project folder: feature files plus configuration and step definitions."""

    root: Path

    def write(self, features: dict[str, str], *, ini: str, conftest: str | None, test_module: bool = False) -> Project:
        (self.root / "features").mkdir(parents=True, exist_ok=True)
        for name, text in features.items():
            (self.root / "features" / name).write_text(text, encoding="utf-8")
        (self.root / "pyproject.toml").write_text(ini, encoding="utf-8")
        if conftest is not None:
            (self.root / "conftest.py").write_text(conftest, encoding="utf-8")
        if test_module:
            (self.root / "test_bdd.py").write_text(BARE_TEST_MODULE, encoding="utf-8")
        return self

    def files(self, files: dict[str, str]) -> Project:
        """Write ``files`` (relative path -> text) under the project folder."""
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return self

    def clear_cache(self, _round: int = 0) -> None:
        """Forget pytest's cache folder (and the inventory cache in it): the next run starts cold."""
        shutil.rmtree(self.root / ".pytest_cache", ignore_errors=True)

    def forget_snapshot(self, _round: int = 0) -> None:
        """Forget the dry run's saved output (kept: the inventory cache): as after a change."""
        shutil.rmtree(self.root / ".pytest_cache" / "d" / "living_checklist" / "status", ignore_errors=True)


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


class Bench:
    def __init__(
        self,
        sizes: Sizes,
        workdir: Path,
        targets: set[str],
        burn: bool,
        bare_undefined: bool,
        *,
        env: dict[str, str],
        behave: list[str] | None = None,
        cucumber_js: str | None = None,
    ) -> None:
        self.sizes = sizes
        self.workdir = workdir
        self.targets = targets
        self.burn = burn
        self.bare_undefined = bare_undefined
        self.has_cli = importlib.util.find_spec("living_checklist.__main__") is not None
        self.jobs: list[Job] = []
        self.warm_runs: list[Job] = []  # untimed runs before the rounds (fill caches)
        self.behave = behave
        self.cucumber_js = cucumber_js
        self.env = env
        self.report_options: list[str] = []
        self.report_bytes: dict[str, list[int]] = {}

    # -- building the jobs ----------------------------------------------------------------

    def project(self, name: str) -> Project:
        return Project(self.workdir / name)

    def build(self) -> list[Job]:
        s = self.sizes
        big, small = label_of(s.big), label_of(s.small)
        if self.targets & {"1", "2", "3", "F3"}:
            for files, label in ((s.big_files, big), (s.small_files, small)):
                if label == small and "3" not in self.targets:
                    continue  # the small workload only serves the growth ratios
                n = files * SCENARIOS_PER_FILE
                features = counter_features(files)
                undefined = self.project(f"{label}-ours-undefined").write(features, ini=PROJECT_INI, conftest=None)
                if self.targets & {"1", "3"}:
                    self.add(
                        f"{label}:ours:undefined",
                        f"{label} ours, every step undefined",
                        undefined.root,
                        PYTEST,
                        expect({"xfailed": n}),
                    )
                if self.targets & {"2", "3", "F3"}:
                    floor = undefined.root / "gherkin_floor.py"
                    floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
                    self.add(
                        f"{label}:floor",
                        f"{label} gherkin-official parse+compile",
                        undefined.root,
                        [sys.executable, str(floor), "features"],
                        expect_exit(0),
                    )
                    if self.has_cli:
                        # Cold: pytest's cache folder (and the inventory cache in it) is removed first.
                        self.add(
                            f"{label}:status",
                            f"{label} {STATUS_TITLE}, cold",
                            undefined.root,
                            STATUS,
                            expect_exit(0),
                            before=undefined.clear_cache,
                        )
                if label == big and self.targets & {"1", "3"}:
                    bare = self.project(f"{label}-bare-defined").write(
                        features, ini=BARE_INI, conftest=TRIVIAL_STEPS, test_module=True
                    )
                    self.add(
                        f"{label}:bare:defined",
                        f"{label} bare pytest-bdd, trivial steps",
                        bare.root,
                        [*PYTEST, *NO_CHECKLIST],
                        expect({"passed": n}),
                    )
                    if self.bare_undefined:
                        bare_u = self.project(f"{label}-bare-undefined").write(
                            features, ini=BARE_INI, conftest=None, test_module=True
                        )
                        self.add(
                            f"{label}:bare:undefined",
                            f"{label} bare pytest-bdd, every step undefined",
                            bare_u.root,
                            [*PYTEST, *NO_CHECKLIST],
                            expect({"failed": n}, (1,)),
                        )
                if "3" in self.targets:
                    defined = self.project(f"{label}-ours-defined").write(
                        features, ini=PROJECT_INI, conftest=TRIVIAL_STEPS
                    )
                    self.add(
                        f"{label}:ours:defined",
                        f"{label} ours, trivial steps",
                        defined.root,
                        PYTEST,
                        expect({"passed": n}),
                    )
        if "4" in self.targets:
            n = s.lookup_scenarios
            features = lookup_features(n)
            variants = {
                "distinct": LOOKUP_DISTINCT_STEPS.format(count=n),
                "distinct-string": LOOKUP_DISTINCT_STRING_STEPS.format(count=n),
                "shared": LOOKUP_ONE_SHARED_STEP,
            }
            for side, kinds in (("ours", variants), ("bare", ("distinct", "shared"))):
                is_bare = side == "bare"
                for kind in kinds:
                    project = self.project(f"lookup-{side}-{kind}").write(
                        features, ini=BARE_INI if is_bare else PROJECT_INI, conftest=variants[kind], test_module=is_bare
                    )
                    self.add(
                        f"lookup:{side}:{kind}",
                        f"{n} scenarios, {side}, {LOOKUP_TITLES[kind]}",
                        project.root,
                        [*PYTEST, *NO_CHECKLIST] if is_bare else PYTEST,
                        expect({"passed": n}),
                    )
        if "5" in self.targets:
            n = s.work_scenarios
            project = self.project("work").write(
                work_features(n, int(STEP_WORK_MS)), ini=PROJECT_INI, conftest=WORK_STEPS.format(burn=self.burn)
            )
            counts = work_expected(n)
            for key, extra in (("serial", []), ("n2", ["-n", "2"])):
                report = project.root / f"report-{key}.json"
                self.add(
                    f"work:{key}",
                    f"{n} working scenarios, {'-n 2' if key == 'n2' else 'serial'}",
                    project.root,
                    [*PYTEST, *extra, f"--checklist-json={report}"],
                    expect(counts, (1,)),
                    sample_tree=True,
                    after=self.keep_report(key),
                )
        self.build_issue15()
        return self.jobs

    def build_issue15(self) -> None:
        """F1-F4 and the peers: each compared pair is added next to each other (so it runs back to back)."""
        s = self.sizes
        big = label_of(s.big)
        n = s.big
        features = counter_features(s.big_files)
        if self.targets & {"F1", "F3", "peers"}:
            # The full run writes the inventory cache (the untimed warm-up fills it); the dry run reads it.
            cached = self.project(f"{big}-ours-cached").write(features, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
            self.warm_runs.append(
                Job("warm:cached", "ours, fills the cache", cached.root, tuple(PYTEST_CACHED), expect({"passed": n}))
            )
            if "F3" in self.targets and self.has_cli:
                # Warm: nothing changed since the last dry run (its warm-up): served from its snapshot.
                # (Twice: a dry run that starts right after something it reads was modified, here the
                # cache folder the full run made, saves no snapshot; the second one does.)
                self.warm_runs += [Job("warm:status-cached", "status", cached.root, tuple(STATUS), expect_exit(0))] * 2
                self.add(f"{big}:status:warm", f"{big} {STATUS_TITLE}, warm", cached.root, STATUS, expect_exit(0))
                # The first dry run after a change: no snapshot, the inventory cache of the full run.
                self.add(
                    f"{big}:status:after-run",
                    f"{big} {STATUS_TITLE}, warm after a full run only",
                    cached.root,
                    STATUS,
                    expect_exit(0),
                    before=cached.forget_snapshot,
                )
                # What any dry run pays before reading a feature file: pytest's start-up in this venv
                # (plugins, configuration, the project's conftest.py), collecting nothing.
                empty = self.project("startup").write({}, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
                self.add(
                    "startup",
                    "pytest start-up, conftest, no feature file (--collect-only)",
                    empty.root,
                    [*PYTEST_CACHED, "--collect-only"],
                    expect_exit(5),
                )
        if self.targets & {"F1", "peers"}:
            param = self.project(f"{big}-pytest-param").files(
                {"pyproject.toml": PARAM_INI, **{f"tests/{k}": v for k, v in param_modules(s.big_files).items()}}
            )
            self.warm_runs.append(
                Job("warm:param", "pytest alone", param.root, tuple(PYTEST_CACHED), expect({"passed": n}))
            )
            self.add(
                f"{big}:pytest:param",
                f"{big} pytest alone, {n} trivial parametrized tests",
                param.root,
                PYTEST_CACHED,
                expect({"passed": n}),
            )
            self.add(
                f"{big}:ours:cached",
                f"{big} ours, trivial steps, warm cache",
                cached.root,
                PYTEST_CACHED,
                expect({"passed": n}),
            )
        if "peers" in self.targets:
            self.build_peers(features, n)
        if self.targets & {"F2", "F3"}:
            files = corpus_features()
            corpus = self.project("corpus").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
            counts = corpus_expected()
            self.warm_runs.append(Job("warm:corpus", "corpus", corpus.root, tuple(PYTEST_CACHED), expect(counts)))
            if "F3" in self.targets and self.has_cli:
                # Cold on a copy (its cache removed before each run); warm where the full runs wrote the cache.
                cold = self.project("corpus-cold").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
                floor = corpus.root / "gherkin_floor.py"
                floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
                self.add(
                    "corpus:floor",
                    "corpus gherkin-official parse+compile",
                    corpus.root,
                    [sys.executable, str(floor), "features"],
                    expect_exit(0),
                )
                self.add(
                    "corpus:status",
                    f"corpus {STATUS_TITLE}, cold",
                    cold.root,
                    STATUS,
                    expect_exit(0),
                    before=cold.clear_cache,
                )
                # Warm on a copy of its own: the reports of F2's runs land in corpus.root, which is a change.
                warm = self.project("corpus-warm").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
                self.warm_runs.append(
                    Job("warm:corpus-warm", "corpus, warm copy", warm.root, tuple(PYTEST_CACHED), expect(counts))
                )
                self.warm_runs += [Job("warm:status-corpus", "status", warm.root, tuple(STATUS), expect_exit(0))] * 2
                self.add("corpus:status:warm", f"corpus {STATUS_TITLE}, warm", warm.root, STATUS, expect_exit(0))
                self.add(
                    "corpus:status:after-run",
                    f"corpus {STATUS_TITLE}, warm after a full run only",
                    warm.root,
                    STATUS,
                    expect_exit(0),
                    before=warm.forget_snapshot,
                )
            if "F2" in self.targets:
                self.add(
                    "corpus:plain",
                    "corpus ours, no report",
                    corpus.root,
                    PYTEST_CACHED,
                    expect(counts),
                    sample_tree=True,
                )
                options = [opt for opt in REPORT_OPTIONS if opt in self.help_text(corpus.root)]
                self.report_options = options
                argv = [*PYTEST_CACHED]
                for option in options:
                    argv += [option, str(corpus.root / f"report{REPORT_OPTIONS[option]}")]
                self.add(
                    "corpus:reports",
                    f"corpus ours, {len(options)} reports",
                    corpus.root,
                    argv,
                    expect(counts),
                    sample_tree=True,
                    after=self.report_sizes(corpus.root, options),
                )
        if "F4" in self.targets:
            small = self.project(f"{big}-ours-cold").write(features, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
            files = s.big_files * 10
            huge = self.project(f"{label_of(files * SCENARIOS_PER_FILE)}-ours-cold").write(
                counter_features(files), ini=PROJECT_INI, conftest=TRIVIAL_STEPS
            )
            for project, count in ((small, n), (huge, files * SCENARIOS_PER_FILE)):
                label = label_of(count)
                self.add(
                    f"{label}:ours:cold",
                    f"{label} ours, trivial steps, cold cache",
                    project.root,
                    PYTEST_CACHED,
                    expect({"passed": count}),
                    before=project.clear_cache,
                )

    def build_peers(self, features: dict[str, str], n: int) -> None:
        """behave and cucumber-js on the same feature files and the same three definitions."""
        big = label_of(n)
        if self.behave is not None:
            project = self.project(f"{big}-behave").files(
                {**{f"features/{k}": v for k, v in features.items()}, "features/steps/steps.py": BEHAVE_STEPS}
            )
            warm = self.project("warm-up-behave").files(
                {"features/area_000.feature": features["area_000.feature"], "features/steps/steps.py": BEHAVE_STEPS}
            )
            self.warm_runs.append(Job("warm:behave", "behave", warm.root, (*self.behave, *BEHAVE_ARGS), expect_exit(0)))
            self.add(
                f"{big}:behave",
                f"{big} behave",
                project.root,
                [*self.behave, *BEHAVE_ARGS],
                expect_text(f"{n} scenarios passed, 0 failed"),
            )
            self.add(
                f"{big}:behave:dry",
                f"{big} behave --dry-run",
                project.root,
                [*self.behave, "--dry-run", *BEHAVE_ARGS],
                expect_text(f"{n} untested"),
            )
        if self.cucumber_js is not None:
            modules = Path(os.path.realpath(self.cucumber_js)).parents[3]
            project = self.project(f"{big}-cucumber-js").files(
                {**{f"features/{k}": v for k, v in features.items()}, "features/steps.js": CUCUMBER_JS_STEPS}
            )
            (project.root / "node_modules").symlink_to(modules, target_is_directory=True)
            self.add(
                f"{big}:cucumber-js",
                f"{big} cucumber-js",
                project.root,
                [self.cucumber_js, *CUCUMBER_JS_ARGS],
                expect_text(f"{n} scenarios ({n} passed)"),
            )
            self.add(
                f"{big}:cucumber-js:dry",
                f"{big} cucumber-js --dry-run",
                project.root,
                [self.cucumber_js, "--dry-run", *CUCUMBER_JS_ARGS],
                expect_text(f"{n} scenarios ({n} skipped)"),
            )

    def help_text(self, cwd: Path) -> str:
        done = subprocess.run([*PYTEST, "--help"], cwd=cwd, capture_output=True, text=True, check=False, env=self.env)
        return done.stdout

    def report_sizes(self, root: Path, options: Sequence[str]) -> Callable[[int], None]:
        """After a run with every report: note the size of each report file, then remove them."""

        def note(_number: int) -> None:
            for option in options:
                path = root / f"report{REPORT_OPTIONS[option]}"
                if path.exists():
                    self.report_bytes.setdefault(option, []).append(path.stat().st_size)
                    path.unlink()

        return note

    def warm_up_jobs(self) -> list[Job]:
        """One tiny run of every kind of command, on a suite with every status, before the rounds."""
        work = self.project("warm-up").write(
            work_features(50, 1), ini=PROJECT_INI, conftest=WORK_STEPS.format(burn=False)
        )
        bare = self.project("warm-up-bare").write(
            counter_features(1), ini=BARE_INI, conftest=TRIVIAL_STEPS, test_module=True
        )
        floor = work.root / "gherkin_floor.py"
        floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
        report = str(work.root / "report.json")
        jobs = [
            Job(
                "warm:serial",
                "ours",
                work.root,
                (*PYTEST, f"--checklist-json={report}"),
                expect(work_expected(50), (1,)),
            ),
            Job("warm:n2", "ours -n 2", work.root, (*PYTEST, "-n", "2", f"--checklist-json={report}"), expect_exit(1)),
            Job("warm:bare", "bare", bare.root, (*PYTEST, *NO_CHECKLIST), expect({"passed": SCENARIOS_PER_FILE})),
            # Proves that the bare side really runs without our plugin: the same feature files collect nothing.
            Job(
                "warm:no-checklist",
                "-p no:living_checklist collects no .feature file",
                work.root,
                (*PYTEST, *NO_CHECKLIST, "--collect-only", "features"),
                expect_exit(5),
            ),
            Job("warm:floor", "floor", work.root, (sys.executable, str(floor), "features"), expect_exit(0)),
        ]
        if self.has_cli:
            jobs.append(Job("warm:status", "status", work.root, tuple(STATUS), expect_exit(0, 1)))
        return jobs + self.warm_runs

    def add(
        self,
        key: str,
        title: str,
        cwd: Path,
        argv: Sequence[str],
        check: Callable[[Sample], str | None],
        sample_tree: bool = False,
        after: Callable[[int], None] | None = None,
        before: Callable[[int], None] | None = None,
    ) -> None:
        self.jobs.append(Job(key, title, cwd, tuple(argv), check, sample_tree, after, before))

    def keep_report(self, key: str) -> Callable[[int], None]:
        """After a run of the working suite: keep its JSON report under the round's number."""

        def keep(number: int) -> None:
            report = self.workdir / "work" / f"report-{key}.json"
            if report.exists():
                report.replace(report.with_name(f"report-{key}-{number}.json"))

        return keep

    def compare_reports(self, rounds: int) -> tuple[bool, str]:
        """Serial and -n 2 reports of the same round must agree on every status, reason and message."""
        root = self.workdir / "work"
        problems = []
        for number in range(rounds):
            serial, parallel = (root / f"report-{key}-{number}.json" for key in ("serial", "n2"))
            if not serial.exists() or not parallel.exists():
                problems.append(f"round {number + 1}: a JSON report is missing")
                continue
            a, b = report_statuses(serial), report_statuses(parallel)
            if a != b:
                problems.append(f"round {number + 1}: they differ in {', '.join(k for k in a if a[k] != b[k])}")
        if not rounds:
            return False, "not run"
        return not problems, "; ".join(problems) or f"identical in {rounds} of {rounds} rounds"

    # -- verdicts --------------------------------------------------------------------------

    def verdicts(self, r: Results) -> list[Verdict]:
        s = self.sizes
        big, small = label_of(s.big), label_of(s.small)
        out: list[Verdict] = []
        if "1" in self.targets:
            text = f"{big} ours all-undefined / bare pytest-bdd trivial-defined"
            out.append(timed("1", text, r, f"{big}:ours:undefined", f"{big}:bare:defined", 0.6))
        if "2" in self.targets:
            text = f"{big} `python -m living_checklist status` / gherkin-official parse floor"
            out.append(timed("2", text, r, f"{big}:status", f"{big}:floor", 2.0))
        if "3" in self.targets:
            for key, text in (("ours:undefined", "run, all undefined"), ("ours:defined", "run, trivial steps")):
                out.append(timed("3", f"{text}: {big} / {small}", r, f"{big}:{key}", f"{small}:{key}", 11))
            out.append(timed("3", f"dry run: {big} / {small}", r, f"{big}:status", f"{small}:status", 11))
            bare_rss = r.rss(f"{big}:bare:defined")
            for kind in ("undefined", "defined"):
                text = f"peak RSS {big} ours ({kind}) / bare pytest-bdd (trivial steps)"
                out.append(verdict("3", text, ratio(r.rss(f"{big}:ours:{kind}"), bare_rss), 1.0))
        if "4" in self.targets:
            for kind in ("distinct", "distinct-string"):
                text = f"ours, {s.lookup_scenarios} {kind} definitions / one shared"
                out.append(timed("4", text, r, f"lookup:ours:{kind}", "lookup:ours:shared", 1.3))
            text = "bare pytest-bdd distinct / ours distinct"
            out.append(timed("4", text, r, "lookup:bare:distinct", "lookup:ours:distinct", 3.0, at_least=True))
        if "5" in self.targets:
            text = f"{s.work_scenarios} working scenarios: serial / -n 2"
            out.append(timed("5", text, r, "work:serial", "work:n2", 1.7, at_least=True, cpu=False))
            same, detail = self.compare_reports(len(r.samples.get("work:n2", [])))
            out.append(Verdict("5", f"JSON report serial vs -n 2 (statuses, reasons, messages): {detail}", same))
        return out + self.verdicts_issue15(r)

    def verdicts_issue15(self, r: Results) -> list[Verdict]:
        s = self.sizes
        big = label_of(s.big)
        out: list[Verdict] = []
        if "F1" in self.targets:
            text = f"{big} ours, trivial steps (warm cache) / pytest alone, {s.big} trivial parametrized tests"
            out.append(timed("F1", text, r, f"{big}:ours:cached", f"{big}:pytest:param", 1.1))
            if f"{big}:ours:defined" in r.samples:
                text = f"{big} ours, trivial steps (no cache provider) / pytest alone"
                out.append(info("F1", text, r, f"{big}:ours:defined", f"{big}:pytest:param"))
        if "F2" in self.targets:
            missing = [opt for opt in REPORT_OPTIONS if opt not in self.report_options]
            text = f"corpus peak RSS with {len(self.report_options)} reports / without"
            if missing:
                text += f" (not in this version: {', '.join(missing)})"
            out.append(verdict("F2", text, ratio(r.rss("corpus:reports"), r.rss("corpus:plain")), 1.25))
            out.append(info("F2", "corpus wall time with the reports / without", r, "corpus:reports", "corpus:plain"))
            sizes = self.report_bytes.get("--checklist-json")
            mib = statistics.median(sizes) / 1e6 if sizes else None
            out.append(verdict("F2", "corpus JSON report size, MB", mib, 10.0))
            for option, found in self.report_bytes.items():
                if option != "--checklist-json":
                    out.append(
                        Verdict(
                            "F2", f"corpus {option} report: {statistics.median(found) / 1e6:.1f} MB", None, info=True
                        )
                    )
        if "F3" in self.targets:
            out.append(info("F3", f"{big} pytest start-up alone / parse floor", r, "startup", f"{big}:floor"))
            for label in (big, "corpus"):
                out.append(
                    timed("F3", f"{label} dry run, cold / parse floor", r, f"{label}:status", f"{label}:floor", 1.3)
                )
                out.append(
                    timed(
                        "F3", f"{label} dry run, warm / parse floor", r, f"{label}:status:warm", f"{label}:floor", 0.5
                    )
                )
                text = f"{label} dry run, warm after a full run only (no snapshot) / parse floor"
                out.append(info("F3", text, r, f"{label}:status:after-run", f"{label}:floor"))
        if "F4" in self.targets:
            huge = label_of(s.big * 10)
            text = f"run, trivial steps, cold cache: {huge} / {big}"
            out.append(timed("F4", text, r, f"{huge}:ours:cold", f"{big}:ours:cold", 11))
            out.append(verdict("F4", f"peak RSS {huge}, MiB", r.rss(f"{huge}:ours:cold"), 1024))
        if "peers" in self.targets:
            for peer, key in (("behave", self.behave), ("cucumber-js", self.cucumber_js)):
                if key is None:
                    note = BEHAVE_NOTE if peer == "behave" else CUCUMBER_JS_NOTE
                    out.append(Verdict("peers", f"{peer}: skipped, not installed ({note})", None, info=True))
                    continue
                out.append(info("peers", f"{big} ours (warm cache) / {peer}", r, f"{big}:ours:cached", f"{big}:{peer}"))
                for kind, ours in (("cold", f"{big}:status"), ("warm", f"{big}:status:warm")):
                    text = f"{big} dry run ours ({kind}) / {peer} --dry-run"
                    out.append(info("peers", text, r, ours, f"{big}:{peer}:dry"))
        return out


# ---------------------------------------------------------------------------------------------
# Output


def versions() -> str:
    names = ("pytest", "pytest-bdd", "pytest-xdist", "gherkin-official", "living-checklist")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def source_state() -> str:
    """The commit the checklist was measured at, and whether its package had uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "living_checklist")
    return f"checklist at commit {head}" + (" plus uncommitted changes in living_checklist/" if changed else "")


def machine() -> str:
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}"
    )


def print_table(jobs: Sequence[Job], r: Results) -> None:
    print()
    print(f"{'median wall':>12} {'min..max':>15} {'CPU':>8} {'peak RSS':>10} {'tree RSS':>9}  run")
    for job in jobs:
        runs = r.samples.get(job.key, [])
        if not runs:
            continue
        walls = [s.wall for s in runs]
        tree = r.tree(job.key)
        tree_text = f"{tree:6.0f} MiB" if tree is not None else ""
        print(
            f"{r.wall(job.key):10.2f} s {min(walls):6.2f}..{max(walls):6.2f} s {r.cpu(job.key):6.2f} s "
            f"{r.rss(job.key):6.0f} MiB "
            f"{tree_text:>9}  {job.title}"
        )


def print_verdicts(verdicts: Sequence[Verdict]) -> bool:
    print()
    all_ok = True
    for v in verdicts:
        mark = "info" if v.info else "PASS" if v.ok else "n/a " if v.ok is None else "FAIL"
        all_ok = all_ok and v.ok is not False
        print(f"[{mark}] target {v.target}: {v.text}")
    return all_ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measured command (default 3)")
    parser.add_argument("--quick", action="store_true", help="W1k-size workloads (about 1.5 minutes)")
    parser.add_argument(
        "--targets",
        default=",".join(DEFAULT_TARGETS),
        help=f"comma-separated targets to measure, of {','.join(ALL_TARGETS)} (default {','.join(DEFAULT_TARGETS)}; "
        "F4 runs W100k, several minutes a round)",
    )
    parser.add_argument("--w100k", action="store_true", help="also measure F4 (W100k: 1,000 files x 100 scenarios)")
    parser.add_argument("--behave", metavar="CMD", default=None, help="how to run behave (default: found by itself)")
    parser.add_argument(
        "--cucumber-js", metavar="PATH", default=None, help="the cucumber-js executable (default: found by itself)"
    )
    parser.add_argument(
        "--work-scenarios", type=int, default=None, help="target 5: size of the working suite (default 1000; quick 300)"
    )
    parser.add_argument("--burn", action="store_true", help="target 5: steps burn 5 ms of CPU instead of sleeping")
    parser.add_argument(
        "--bare-undefined", action="store_true", help="also time bare pytest-bdd with every step undefined (slow)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="inherit the environment's bytecode setting (PYTHONDONTWRITEBYTECODE=1 makes every run recompile)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects and print where")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every run as it finishes")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.work_scenarios is not None and args.work_scenarios < 50:
        parser.error("--work-scenarios must be at least 50 (every status must occur)")
    args.target_set = {t.strip() for t in args.targets.split(",") if t.strip()}
    if args.w100k:
        args.target_set.add("F4")
    unknown = args.target_set - set(ALL_TARGETS)
    if unknown:
        parser.error(
            f"--targets takes {','.join(ALL_TARGETS)} separated by commas; unknown: {', '.join(sorted(unknown))}"
        )
    return args


def find_behave(given: str | None) -> list[str] | None:
    """behave in this environment (``python -m behave``), else on PATH; None when it is not installed."""
    if given:
        return given.split()
    if importlib.util.find_spec("behave") is not None:
        return [sys.executable, "-m", "behave"]
    found = shutil.which("behave")
    return [found] if found else None


def find_cucumber_js(given: str | None) -> str | None:
    """cucumber-js from bench/.peers (see README), else on PATH; None when it is not installed."""
    if given:
        return given
    local = Path(__file__).resolve().parent / ".peers" / "node_modules" / ".bin" / "cucumber-js"
    if local.exists():
        return str(local)
    return shutil.which("cucumber-js")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.work_scenarios is not None:
        sizes = dataclasses.replace(sizes, work_scenarios=args.work_scenarios)
    workdir = Path(tempfile.mkdtemp(prefix="checklist-bench-"))
    try:
        env = clean_env(None if args.no_bytecode_cache else workdir / "pycache")
        peers = "peers" in args.target_set
        bench = Bench(
            sizes,
            workdir,
            args.target_set,
            args.burn,
            args.bare_undefined,
            env=env,
            behave=find_behave(args.behave) if peers else None,
            cucumber_js=find_cucumber_js(args.cucumber_js) if peers else None,
        )
        jobs = bench.build()
        command = " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
        print(f"$ {command}")
        print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; load average {os.getloadavg()[0]:.2f}")
        print(versions())
        print(source_state())
        if not bench.has_cli and args.target_set & {2, 3}:
            print("python -m living_checklist status: n/a (living_checklist/__main__.py not present)")
        print(f"workloads in {workdir}; {len(jobs)} commands x {args.rounds} rounds")
        started = time.perf_counter()
        cache = "off (as inherited)" if args.no_bytecode_cache else "private cache, warmed by an untimed warm-up"
        print(
            f"bytecode: {cache}; PYTHONDONTWRITEBYTECODE in the caller's environment: "
            f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"
        )
        print("warm-up", flush=True)
        setup_problems = warm_up(bench.warm_up_jobs(), env)
        results = run_rounds(jobs, args.rounds, env, args.verbose)
        results.problems[:0] = setup_problems
        print_table(jobs, results)
        ok = print_verdicts(bench.verdicts(results))
        for problem in results.problems:
            print(f"problem: {problem}")
        print(f"\nbench took {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.2f}")
        return 0 if ok and not results.problems else 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
