"""The system's whole tree, measured from the harness side: time, memory, ownership, an honest record."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from living_checklist.live import runner
from living_checklist.live.runner import run

PY = sys.executable
MIB = 1 << 20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc, subreaper)")

ALLOCATE = "b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096])"

# Tries every descriptor of its launcher (its parent), of itself, and of the test process (argv[1]:
# its sockets and the ends of this run's own pipes; the rest leads outside this test), for writing, and writes a record
# that would say "exit 0, no time, no memory"; then does the real work: 300 ms, 200 MiB, exit 1.
FORGER = f"""
import json, os, sys, time
fake = json.dumps({{"done": {{"status": 0, "wall_ns": 1, "first_ns": 1, "maxrss": 1, "floor": 0, "peak": 1,
                   "peak_first": True, "peak_name": "", "traced": True, "killed": 0, "timed_out": False}}}})
opened = 0
mine = {{os.readlink(f"/proc/self/fd/{{n}}") for n in (1, 2)}}
for who in ("self", str(os.getppid()), sys.argv[1]):
    try:
        names = os.listdir(f"/proc/{{who}}/fd")
    except OSError:
        continue
    for name in names:
        try:
            target = os.readlink(f"/proc/{{who}}/fd/{{name}}")
        except OSError:
            continue
        if who == sys.argv[1] and not (target.startswith("socket:") or target in mine):
            continue  # the test process's other descriptors lead outside this test
        for flags in (os.O_WRONLY | os.O_NONBLOCK, os.O_RDWR | os.O_NONBLOCK):
            try:
                fd = os.open(f"/proc/{{who}}/fd/{{name}}", flags)
            except OSError:
                continue
            opened += 1
            try:
                os.write(fd, fake.encode() + b"\\n" + b"done 0 1 1 1 1\\n")
            except OSError:
                pass
            os.close(fd)
time.sleep(0.3)
{ALLOCATE}
print("opened", opened, file=sys.stderr)
sys.exit(1)
"""


@linux_only
@pytest.mark.parametrize("trace", [True, False])
def test_a_system_that_forges_its_record_is_recorded_truthfully(trace: bool) -> None:
    result = run([PY, "-c", FORGER, str(os.getpid())], timeout=60, trace=trace)
    assert result.exit_status == 1, result.describe()
    assert result.wall_time >= 0.3, result.wall_time
    assert result.peak_rss is not None and result.peak_rss >= 200 * MIB, result.peak_rss
    assert result.peak_method in ("tree", "wait4")


@linux_only
def test_a_wrapper_is_timed_whole() -> None:
    """The time before the wrapper's last exec is the system's time too (it used to be lost)."""
    result = run(["sh", "-c", "sleep 0.05; exec true"], timeout=30)
    assert result.exit_status == 0
    assert result.wall_time >= 0.05, result.wall_time


@linux_only
@pytest.mark.parametrize("trace", [True, False])
def test_the_peak_is_the_largest_process_of_the_tree_and_is_named(trace: bool) -> None:
    result = run(["sh", "-c", f'{PY} -c "{ALLOCATE}"; true'], timeout=60, trace=trace)
    assert result.exit_status == 0, result.describe()
    assert result.peak_rss is not None and 200 * MIB <= result.peak_rss < 260 * MIB, result.peak_rss
    if trace and result.peak_method == "tree":
        assert result.peak_process is not None and "bytearray(200 << 20)" in result.peak_process


@linux_only
def test_a_small_program_alone_is_measured_exactly_when_traced() -> None:
    result = run(["true"], timeout=30)
    if result.peak_method != "tree":
        pytest.skip(f"ptrace is not allowed here ({result.peak_method})")
    assert result.peak_rss is not None and result.peak_rss < 4 * MIB, result.peak_rss  # not the launcher's ~10 MiB
    assert result.peak_process is None


@linux_only
def test_runs_share_the_harness_session_and_have_no_scheduling_advantage() -> None:
    result = run([PY, "-c", "import os; print(os.getsid(0), os.getpgid(0))"], timeout=30)
    session, _group = (int(word) for word in result.stdout.split())
    assert session == os.getsid(0)  # no setsid: the same autogroup as a normal launch


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@linux_only
@pytest.mark.parametrize("trace", [True, False])
def test_a_setsid_grandchild_is_killed_with_the_tree(trace: bool) -> None:
    code = "setsid sh -c 'sleep 60' </dev/null >/dev/null 2>&1 & echo $!"
    result = run(["sh", "-c", code], timeout=30, trace=trace)
    pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


@linux_only
def test_other_software_runs_until_stopped_and_its_tree_goes_with_it(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    code = f"setsid sh -c 'echo $$ > {marker}; sleep 60' </dev/null >/dev/null 2>&1 & sleep 60"
    other = runner.start(["sh", "-c", code], cwd=tmp_path)
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert other.running()
    pid = int(marker.read_text())
    assert _alive(pid)
    other.stop()
    assert not other.running()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


@linux_only
def test_other_software_that_cannot_start() -> None:
    with pytest.raises(runner.CannotRun, match="not found on PATH"):
        runner.start(["no-such-program-for-the-checklist"])
