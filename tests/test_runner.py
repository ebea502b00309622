"""checklist.runner: one bounded run of a command, and the statistics over a series."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from living_checklist.live import runner
from living_checklist.live.runner import CannotRun, run

PY = sys.executable
MIB = 1 << 20
posix_only = pytest.mark.skipif(os.name != "posix", reason="the runner needs POSIX")

samples = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50)


# -- statistics --------------------------------------------------------------------------------


@given(samples, st.floats(min_value=0, max_value=100))
@example([21.068395240143786, 21.068395240143786], 2.0)  # a weighted mean rounded below both values
def test_percentile_lies_between_min_and_max(values: list[float], q: float) -> None:
    assert min(values) <= runner.percentile(values, q) <= max(values)


@given(samples, st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_percentile_is_monotone_in_q(values: list[float], q1: float, q2: float) -> None:
    low, high = sorted((q1, q2))
    assert runner.percentile(values, low) <= runner.percentile(values, high) + 1e-9 * max(values)


@given(samples)
def test_percentile_ends_and_middle(values: list[float]) -> None:
    assert runner.percentile(values, 0) == min(values)
    assert runner.percentile(values, 100) == max(values)
    assert runner.percentile(values, 50) == pytest.approx(runner.median(values))


@given(samples.filter(lambda v: len(v) >= 2), st.integers(min_value=1, max_value=99))
def test_integer_percentiles_agree_with_statistics_inclusive(values: list[float], q: int) -> None:
    expected = statistics.quantiles(values, n=100, method="inclusive")[q - 1]
    assert runner.percentile(values, q) == pytest.approx(expected)


@given(samples, st.randoms())
def test_percentile_ignores_order(values: list[float], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert runner.percentile(shuffled, 95) == runner.percentile(values, 95)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([1.0, 2.0, 3.0, 4.0], 95, 3.85), ([10.0], 95, 10.0), ([1.0, 2.0], 50, 1.5), ([3.0, 1.0, 2.0], 25, 1.5)],
)
def test_percentile_pinned_values(values: list[float], q: float, expected: float) -> None:
    assert runner.percentile(values, q) == pytest.approx(expected)


def test_percentile_and_median_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="no values"):
        runner.percentile([], 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        runner.percentile([1.0], 101)
    with pytest.raises(ValueError, match="no values"):
        runner.median([])


@given(st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=1, max_size=30))
def test_throughput_is_runs_over_total_time(walls: list[float]) -> None:
    assert runner.throughput(walls) == pytest.approx(len(walls) / sum(walls))


def test_throughput_needs_time() -> None:
    with pytest.raises(ValueError):
        runner.throughput([])
    with pytest.raises(ValueError):
        runner.throughput([0.0])


# -- small pure helpers ------------------------------------------------------------------------


def test_parse_vmhwm() -> None:
    status = "Name:\tpython3\nVmPeak:\t  20000 kB\nVmHWM:\t   13720 kB\nVmRSS:\t  13000 kB\n"
    assert runner.parse_vmhwm(status) == 13720 * 1024
    assert runner.parse_vmhwm("Name:\tzombie\nState:\tZ (zombie)\n") is None


def test_signal_name() -> None:
    assert runner.signal_name(signal.SIGSEGV) == "SIGSEGV"
    assert runner.signal_name(999) == "signal 999"


@given(st.binary(max_size=5000), st.integers(min_value=10, max_value=3000))
def test_excerpt_is_bounded_and_keeps_both_ends(data: bytes, limit: int) -> None:
    text = runner.excerpt(data, limit)
    full = data.decode("utf-8", errors="backslashreplace")
    if len(full) <= limit:
        assert text == full
    else:
        assert len(text) <= limit + 80
        assert text.startswith(full[: limit // 2]) and text.endswith(full[-(limit // 2) :])


# -- running -----------------------------------------------------------------------------------


@posix_only
def test_exit_status_and_both_streams() -> None:
    result = run([PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], timeout=30)
    assert (result.exit_status, result.signal, result.timed_out, result.crashed) == (3, None, False, False)
    assert result.stdout == b"out\n" and result.stderr == b"err\n"
    assert result.outcome().startswith("exited with status 3 after ")
    assert result.wall_time > 0


@posix_only
@settings(max_examples=10)
@given(st.binary(max_size=200_000))
@example(b"")
@example(b"\x00\xff\n" * 70_000)
def test_standard_input_reaches_the_program_unchanged(data: bytes) -> None:
    result = run(["cat"], input_data=data, timeout=30)
    assert result.exit_status == 0
    assert result.stdout == data and result.stdout_total == len(data)


@posix_only
@settings(max_examples=8)
@given(st.integers(min_value=0, max_value=3 * MIB), st.integers(min_value=1, max_value=MIB))
def test_output_is_capped_and_counted(size: int, cap: int) -> None:
    data = bytes(i % 251 for i in range(size))
    result = run(["cat"], input_data=data, timeout=30, max_output=cap)
    assert result.stdout == data[:cap]
    assert result.stdout_total == size
    assert result.stdout_truncated == (size > cap)


@posix_only
def test_a_chatty_program_is_drained_and_the_message_says_truncated() -> None:
    code = "import sys\nfor _ in range(64): sys.stdout.buffer.write(b'y' * (1 << 20))"
    result = run([PY, "-c", code], timeout=60, max_output=64 * 1024)
    assert result.exit_status == 0
    assert len(result.stdout) == 64 * 1024 and result.stdout_total == 64 * MIB
    assert "(shown: the first 64 KiB of 64 MiB)" in result.describe()
    assert result.out.complete and result.out.seen == 64 * MIB  # the checks see all of it
    assert sum(len(chunk) for chunk in result.chunks("output")) == 64 * MIB


@posix_only
def test_death_by_signal_is_a_crash() -> None:
    result = run([PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"], timeout=30)
    assert result.crashed and result.signal == signal.SIGSEGV and result.exit_status is None
    assert "killed by signal 11 (SIGSEGV)" in result.outcome()


@posix_only
def test_a_hang_is_killed_at_the_timeout_and_is_not_a_crash() -> None:
    started = time.monotonic()
    result = run(["sleep", "30"], timeout=0.5)
    assert result.timed_out and not result.crashed
    assert result.signal == signal.SIGKILL and result.exit_status is None
    assert result.outcome() == "timed out after 0.5 s (killed)"
    assert time.monotonic() - started < 20  # sanity: nowhere near the 30 s it wanted


@posix_only
def test_children_left_behind_do_not_hold_the_run() -> None:
    """A child that let go of the output (a daemon) is killed when the rest has ended; one that
    still holds the output is part of the run and is timed."""
    started = time.monotonic()
    result = run(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo started"], timeout=20)
    assert result.exit_status == 0 and result.stdout == b"started\n"
    assert time.monotonic() - started < 10  # sanity: the background sleep was not waited for
    assert result.killed >= 1
    held = run(["sh", "-c", "sleep 0.3 & echo started"], timeout=20)
    assert held.exit_status == 0 and held.stdout == b"started\n"
    assert held.wall_time >= 0.3, held.wall_time


@posix_only
def test_peak_memory_is_the_programs_own_not_the_test_process() -> None:
    ballast = bytearray(256 * MIB)  # the test process is now far bigger than the program
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run([PY, "-c", "pass"], timeout=30)
    big = run([PY, "-c", "b = bytearray(96 << 20); b[::4096] = b'x' * len(b[::4096])"], timeout=30)
    del ballast
    assert small.peak_rss is not None and big.peak_rss is not None
    assert small.peak_rss < 100 * MIB, small
    assert 96 * MIB <= big.peak_rss < 250 * MIB, big
    assert big.peak_method in ("tree", "wait4")  # exact either way


def _gnu_time_kib(argv: list[str]) -> int:
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, text=True, check=True)
    return int(done.stderr.strip().splitlines()[-1])


@posix_only
@pytest.mark.skipif(not Path("/usr/bin/time").exists() or shutil.which("dd") is None, reason="needs GNU time, dd")
@pytest.mark.parametrize("block", ["1M", "2M", "3M"])
def test_small_programs_peak_agrees_with_gnu_time(block: str) -> None:
    """2-5 MiB programs: within 15 % of /usr/bin/time -v's maximum resident set (the launcher's
    own 8-10 MiB used to leak in)."""
    argv = ["dd", f"bs={block}", "count=1", "if=/dev/zero", "of=/dev/null"]
    result = run(argv, timeout=30)
    if result.peak_method != "tree":
        pytest.skip(f"ptrace is not allowed here (measured by {result.peak_method})")
    reference = statistics.median(_gnu_time_kib(argv) for _ in range(3)) * 1024
    assert result.peak_rss is not None
    assert abs(result.peak_rss - reference) <= 0.15 * reference, (result.peak_rss, reference)


@posix_only
def test_signals_reach_the_program_and_a_stop_lasts_until_continued() -> None:
    """Under ptrace the launcher passes signals on, and a stopped program waits for SIGCONT."""
    handled = run([PY, "-c", "import os, signal, sys; signal.signal(signal.SIGUSR1, lambda *a: print('usr1')); "
                   "os.kill(os.getpid(), signal.SIGUSR1); sys.exit(3)"], timeout=30)
    assert handled.exit_status == 3 and handled.stdout == b"usr1\n", handled.describe()
    stopped = run(["sh", "-c", "(sleep 0.5; kill -CONT $$) & kill -STOP $$; echo resumed"], timeout=30)
    assert stopped.exit_status == 0 and stopped.stdout == b"resumed\n", stopped.describe()
    assert stopped.wall_time >= 0.4  # it really stayed stopped until the SIGCONT


@posix_only
def test_working_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / "marker.txt").write_text("here")
    result = run(["cat", "marker.txt"], timeout=30, cwd=tmp_path)
    assert result.stdout == b"here"


@posix_only
def test_programs_that_cannot_start(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00\x01 not a program")
    junk.chmod(0o755)
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/no/such/interpreter\necho hi\n")
    bad.chmod(0o755)
    cases = {
        "no-such-program-for-the-checklist": "not found on PATH",
        str(tmp_path / "missing"): "no such file",
        str(script): "not executable",  # no x bit
        str(junk): "exec format error",
        str(bad): "its interpreter '/no/such/interpreter' \\(the #! line\\) does not exist",
        str(tmp_path): "is a directory",
    }
    for program, message in cases.items():
        with pytest.raises(CannotRun, match=message):
            run([program], timeout=5)
    with pytest.raises(CannotRun, match="empty command line"):
        run([], timeout=5)
    with pytest.raises(CannotRun, match="does not exist"):
        run(["true"], timeout=5, cwd=tmp_path / "nowhere")


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        run(["true"], timeout=0)
