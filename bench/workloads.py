"""The bench's workloads: sizes, generated feature files and step definitions, throw-away projects.

Pure text, written into a temporary folder by ``Project``; nothing here runs or measures.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

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

CACHE_WRITE_LOG = "cache-write-seconds.txt"
# A conftest.py with no step definition (every step stays undefined) that times the inventory
# cache's writes: one line "<pid> <seconds>" per call, in the project folder (F4).
CACHE_WRITE_PROBE = f"""\
import os
import time
from pathlib import Path

from living_checklist.run import cache

_save = cache.InventoryCache.save


def _timed_save(self, *args, **kwargs):
    started = time.perf_counter()
    try:
        return _save(self, *args, **kwargs)
    finally:
        with Path(__file__).with_name("{CACHE_WRITE_LOG}").open("a") as out:
            out.write(f"{{os.getpid()}} {{time.perf_counter() - started:.6f}}\\n")


cache.InventoryCache.save = _timed_save
"""

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
