"""A series of runs from one launcher request (``runner.series``): every run recorded as a single
run is (its tree, its whole output, its own status), with real processes; and the series step on it."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from living_checklist.live import runner, supervise
from tests.helpers import run_by_id
from tests.test_live_steps import project
from tests.test_runner_tree import ALLOCATE, FORGER

PY = sys.executable
MIB = 1 << 20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc, subreaper)")
posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX")

# Counts its runs in the file "count" (its working directory) and exits with the status given for
# that run ("3=1": the 3rd run exits 1), else 0; prints which run it was.
COUNTER = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo run $n; "


def counting(statuses: str = "") -> list[str]:
    cases = "".join(f"{word.split('=')[0]}) exit {word.split('=')[1]};; " for word in statuses.split())
    return ["sh", "-c", COUNTER + (f"case $n in {cases}esac" if cases else "")]


@posix_only
def test_each_run_has_its_own_status_and_output(tmp_path: Path) -> None:
    results = list(runner.series(counting("3=1 4=7"), 5, timeout=30, cwd=tmp_path, trace=False))
    assert [r.exit_status for r in results] == [0, 0, 1, 7, 0]
    assert [r.stdout for r in results] == [b"run %d\n" % n for n in range(1, 6)]
    assert all(r.stderr == b"" and 0 < r.wall_time < 30 for r in results)


@posix_only
@pytest.mark.parametrize("trace", [True, False])
def test_each_runs_whole_output_is_kept(trace: bool) -> None:
    code = "import sys; sys.stdout.buffer.write(b'y' * (3 << 20)); print('tail', file=sys.stderr)"
    results = list(runner.series([PY, "-c", code], 3, timeout=60, max_output=1000, trace=trace))
    for result in results:
        assert result.stdout_total == 3 << 20 and result.out.complete
        assert sum(len(chunk) for chunk in result.chunks("stdout")) == 3 << 20
        assert result.stdout_truncated and result.stderr == b"tail\n"


@linux_only
@pytest.mark.parametrize("trace", [True, False])
def test_a_forking_program_counts_its_trees_memory_in_every_run(trace: bool) -> None:
    argv = ["sh", "-c", f'{PY} -c "{ALLOCATE}"; true']
    for result in runner.series(argv, 3, timeout=60, trace=trace):
        assert result.exit_status == 0, result.describe()
        assert result.peak_rss is not None and 200 * MIB <= result.peak_rss < 260 * MIB, result.peak_rss
        assert result.peak_method in ("tree", "wait4")
        if result.peak_method == "tree":
            assert result.peak_process is not None and "bytearray(200 << 20)" in result.peak_process


@linux_only
@pytest.mark.parametrize("trace", [True, False])
def test_runs_that_forge_their_record_are_recorded_truthfully(trace: bool) -> None:
    for result in runner.series([PY, "-c", FORGER, str(os.getpid())], 2, timeout=60, trace=trace):
        assert result.exit_status == 1, result.describe()
        assert result.wall_time >= 0.3, result.wall_time
        assert result.peak_rss is not None and result.peak_rss >= 200 * MIB, result.peak_rss


LIST_PIPES = """
import os, sys
def pipes(who):
    out = set()
    for name in os.listdir(f"/proc/{who}/fd"):
        try:
            target = os.readlink(f"/proc/{who}/fd/{name}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            out.add(target)
    return out
print(" ".join(sorted(pipes(sys.argv[1]))))
print(os.readlink("/proc/self/fd/1"), os.readlink("/proc/self/fd/2"), file=sys.stderr)
"""


@linux_only
def test_no_earlier_runs_output_is_open_in_the_harness_while_a_run_goes_on() -> None:
    """What a run could reach of the harness (same user) holds no pipe of an earlier run, so no
    run can write into another run's output."""
    results = list(runner.series([PY, "-c", LIST_PIPES, str(os.getpid())], 3, timeout=30, trace=False))
    for earlier, later in zip(results, results[1:], strict=False):
        own = set(earlier.stderr.decode().split())
        assert len(own) == 2
        assert not own & set(later.stdout.decode().split()), (own, later.stdout)


@linux_only
@pytest.mark.parametrize("trace", [True, False])
@pytest.mark.parametrize("setsid", ["setsid ", ""])
def test_each_runs_tree_is_ended_before_the_next_starts(trace: bool, setsid: str) -> None:
    """A child that let go of the output is killed with its run; one that holds it is the run's time."""
    code = f"{setsid}sleep 60 </dev/null >/dev/null 2>&1 & echo $!"
    started = time.monotonic()
    results = list(runner.series(["sh", "-c", code], 3, timeout=30, trace=trace))
    assert time.monotonic() - started < 20
    for result in results:
        assert result.killed >= 1
        pid = int(result.stdout.split()[0])
        assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
    held = list(runner.series(["sh", "-c", "sleep 0.2 & echo started"], 2, timeout=30, trace=trace))
    assert all(r.wall_time >= 0.2 and r.stdout == b"started\n" for r in held), [r.wall_time for r in held]


@posix_only
def test_a_run_that_hangs_times_out_alone(tmp_path: Path) -> None:
    argv = ["sh", "-c", "[ -e hang ] && exec sleep 60; touch hang"]
    results = list(runner.series(argv, 2, timeout=1, cwd=tmp_path, trace=False))
    assert [r.timed_out for r in results] == [False, True]
    assert results[1].outcome() == "timed out after 1 s (killed)"


@posix_only
def test_stopping_early_leaves_the_launcher_free_and_nothing_running(tmp_path: Path) -> None:
    runs = runner.series(counting(), 10, timeout=30, cwd=tmp_path, trace=False)
    assert next(runs).stdout == b"run 1\n"
    assert next(runs).stdout == b"run 2\n"
    runs.close()
    assert (tmp_path / "count").read_text() == "2\n"  # no run past the one taken
    idle = list(supervise.POOL._idle)
    assert idle, "the launcher went back to the pool"
    again = runner.run(["sh", "-c", "echo again"], timeout=30)
    assert again.stdout == b"again\n"


@posix_only
def test_a_program_that_cannot_start_is_cannot_run() -> None:
    with pytest.raises(runner.CannotRun, match="not found on PATH"):
        list(runner.series(["no-such-program-for-the-checklist"], 3, timeout=30))
    with pytest.raises(ValueError, match="at least one run"):
        runner.series(["true"], 0, timeout=30)


# -- the series step on it ---------------------------------------------------------------------

SERIES = """
Feature: series
  @PERF-001
  Scenario: the third run fails
    When the system runs 5 times with arguments ""
    Then the median wall time is at most 60000 ms
  @PERF-002
  Scenario: the third run's status is checked
    When the system runs 5 times with arguments ""
    Then the exit status is 0
"""


@posix_only
@pytest.mark.parametrize("scenario", ["PERF-001", "PERF-002"])
def test_a_series_whose_third_run_exits_1_fails_naming_that_run(pytester: pytest.Pytester, scenario: str) -> None:
    (pytester.path / "counter.sh").write_text(COUNTER + "[ $n -ne 3 ]\n")
    project(pytester, SERIES, "sh counter.sh")
    _, reqs = run_by_id(pytester, "-o", "checklist_confidence=0", "-k", scenario)
    assert reqs[scenario]["status"] == "failing", reqs[scenario]
    message = reqs[scenario]["message"]
    assert "run 3 of 5" in message and "status 1" in message, message
    assert (pytester.path / "count").read_text() == "5\n"  # every run ran (statuses are checked after)


CRASH = """
Feature: series
  @PERF-001
  Scenario: the second run crashes
    When the system runs 5 times after 2 warm-up runs with arguments ""
"""


@posix_only
def test_a_run_that_crashes_stops_the_series_at_that_run(pytester: pytest.Pytester) -> None:
    (pytester.path / "counter.sh").write_text(COUNTER + "[ $n -eq 4 ] && kill -SEGV $$\ntrue\n")
    project(pytester, CRASH, "sh counter.sh")
    _, reqs = run_by_id(pytester)
    assert reqs["PERF-001"]["status"] == "failing"
    assert reqs["PERF-001"]["message"].startswith("run 2 of 5 killed by signal 11 (SIGSEGV)"), reqs["PERF-001"]
    assert (pytester.path / "count").read_text() == "4\n"  # 2 warm-up runs, then 2 runs: none after the crash
