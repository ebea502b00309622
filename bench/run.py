"""Benchmarks of issue 7: the checklist against bare pytest-bdd, side by side, on generated workloads.

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
NO_CHECKLIST = ["-p", "no:checklist"]  # the pytest11 entry-point name of our plugin
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


def measure(job: Job, env: dict[str, str]) -> Sample:
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
            sample = measure(job, env)
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
    ok: bool | None  # None: not measured (n/a)


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
    def __init__(self, sizes: Sizes, workdir: Path, targets: set[int], burn: bool, bare_undefined: bool) -> None:
        self.sizes = sizes
        self.workdir = workdir
        self.targets = targets
        self.burn = burn
        self.bare_undefined = bare_undefined
        self.has_cli = importlib.util.find_spec("checklist.__main__") is not None
        self.jobs: list[Job] = []

    # -- building the jobs ----------------------------------------------------------------

    def project(self, name: str) -> Project:
        return Project(self.workdir / name)

    def build(self) -> list[Job]:
        s = self.sizes
        big, small = label_of(s.big), label_of(s.small)
        if self.targets & {1, 2, 3}:
            for files, label in ((s.big_files, big), (s.small_files, small)):
                if label == small and 3 not in self.targets:
                    continue  # the small workload only serves the growth ratios
                n = files * SCENARIOS_PER_FILE
                features = counter_features(files)
                undefined = self.project(f"{label}-ours-undefined").write(features, ini=PROJECT_INI, conftest=None)
                if self.targets & {1, 3}:
                    self.add(
                        f"{label}:ours:undefined",
                        f"{label} ours, every step undefined",
                        undefined.root,
                        PYTEST,
                        expect({"xfailed": n}),
                    )
                if self.targets & {2, 3}:
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
                        self.add(
                            f"{label}:status",
                            f"{label} python -m checklist status",
                            undefined.root,
                            [sys.executable, "-m", "living_checklist", "status"],
                            expect_exit(0),
                        )
                if label == big and self.targets & {1, 3}:
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
                if 3 in self.targets:
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
        if 4 in self.targets:
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
        if 5 in self.targets:
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
                    [*PYTEST, *extra, "--checklist-json", str(report)],
                    expect(counts, (1,)),
                    sample_tree=True,
                    after=self.keep_report(key),
                )
        return self.jobs

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
                "warm:serial", "ours", work.root, (*PYTEST, "--checklist-json", report), expect(work_expected(50), (1,))
            ),
            Job("warm:n2", "ours -n 2", work.root, (*PYTEST, "-n", "2", "--checklist-json", report), expect_exit(1)),
            Job("warm:bare", "bare", bare.root, (*PYTEST, *NO_CHECKLIST), expect({"passed": SCENARIOS_PER_FILE})),
            # Proves that the bare side really runs without our plugin: the same feature files collect nothing.
            Job(
                "warm:no-checklist",
                "-p no:checklist collects no .feature file",
                work.root,
                (*PYTEST, *NO_CHECKLIST, "--collect-only", "features"),
                expect_exit(5),
            ),
            Job("warm:floor", "floor", work.root, (sys.executable, str(floor), "features"), expect_exit(0)),
        ]
        if self.has_cli:
            jobs.append(
                Job(
                    "warm:status",
                    "status",
                    work.root,
                    (sys.executable, "-m", "living_checklist", "status"),
                    expect_exit(0, 1),
                )
            )
        return jobs

    def add(
        self,
        key: str,
        title: str,
        cwd: Path,
        argv: Sequence[str],
        check: Callable[[Sample], str | None],
        sample_tree: bool = False,
        after: Callable[[int], None] | None = None,
    ) -> None:
        self.jobs.append(Job(key, title, cwd, tuple(argv), check, sample_tree, after))

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
        if 1 in self.targets:
            text = f"{big} ours all-undefined / bare pytest-bdd trivial-defined"
            out.append(timed("1", text, r, f"{big}:ours:undefined", f"{big}:bare:defined", 0.6))
        if 2 in self.targets:
            text = f"{big} `python -m checklist status` / gherkin-official parse floor"
            out.append(timed("2", text, r, f"{big}:status", f"{big}:floor", 2.0))
        if 3 in self.targets:
            for key, text in (("ours:undefined", "run, all undefined"), ("ours:defined", "run, trivial steps")):
                out.append(timed("3", f"{text}: {big} / {small}", r, f"{big}:{key}", f"{small}:{key}", 11))
            out.append(timed("3", f"dry run: {big} / {small}", r, f"{big}:status", f"{small}:status", 11))
            bare_rss = r.rss(f"{big}:bare:defined")
            for kind in ("undefined", "defined"):
                text = f"peak RSS {big} ours ({kind}) / bare pytest-bdd (trivial steps)"
                out.append(verdict("3", text, ratio(r.rss(f"{big}:ours:{kind}"), bare_rss), 1.0))
        if 4 in self.targets:
            for kind in ("distinct", "distinct-string"):
                text = f"ours, {s.lookup_scenarios} {kind} definitions / one shared"
                out.append(timed("4", text, r, f"lookup:ours:{kind}", "lookup:ours:shared", 1.3))
            text = "bare pytest-bdd distinct / ours distinct"
            out.append(timed("4", text, r, "lookup:bare:distinct", "lookup:ours:distinct", 3.0, at_least=True))
        if 5 in self.targets:
            text = f"{s.work_scenarios} working scenarios: serial / -n 2"
            out.append(timed("5", text, r, "work:serial", "work:n2", 1.7, at_least=True, cpu=False))
            same, detail = self.compare_reports(len(r.samples.get("work:n2", [])))
            out.append(Verdict("5", f"JSON report serial vs -n 2 (statuses, reasons, messages): {detail}", same))
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
    changed = git("status", "--porcelain", "--", "checklist")
    return f"checklist at commit {head}" + (" plus uncommitted changes in checklist/" if changed else "")


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
        mark = "PASS" if v.ok else "n/a " if v.ok is None else "FAIL"
        all_ok = all_ok and v.ok is not False
        print(f"[{mark}] target {v.target}: {v.text}")
    return all_ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measured command (default 3)")
    parser.add_argument("--quick", action="store_true", help="W1k-size workloads (about 1.5 minutes)")
    parser.add_argument("--targets", default="1,2,3,4,5", help="comma-separated targets to measure (default all)")
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
    try:
        args.target_set = {int(t) for t in args.targets.split(",") if t.strip()}
    except ValueError:
        parser.error(f"--targets takes numbers 1-5 separated by commas, found {args.targets!r}")
    if not args.target_set <= {1, 2, 3, 4, 5}:
        parser.error(f"--targets takes numbers 1-5, found {args.targets!r}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.work_scenarios is not None:
        sizes = dataclasses.replace(sizes, work_scenarios=args.work_scenarios)
    workdir = Path(tempfile.mkdtemp(prefix="checklist-bench-"))
    try:
        bench = Bench(sizes, workdir, args.target_set, args.burn, args.bare_undefined)
        jobs = bench.build()
        command = " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
        print(f"$ {command}")
        print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; load average {os.getloadavg()[0]:.2f}")
        print(versions())
        print(source_state())
        if not bench.has_cli and args.target_set & {2, 3}:
            print("python -m checklist status: n/a (checklist/__main__.py not present)")
        print(f"workloads in {workdir}; {len(jobs)} commands x {args.rounds} rounds")
        started = time.perf_counter()
        env = clean_env(None if args.no_bytecode_cache else workdir / "pycache")
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
