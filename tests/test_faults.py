"""The faults a real CI meets: nothing lost, nothing clobbered (issue 12, findings 1-21).

Each test names the finding it covers. Real files, devices, signals and processes; every JSON
report a run writes is validated against the report's schema.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import psutil  # type: ignore[import-untyped]
import pytest

from living_checklist.reports import (
    HTML_OPTION,
    JSON_OPTION,
    MD_OPTION,
    json_dumps,
    terminal_safe,
    write_report,
)
from tests.helpers import SCHEMA, write_files

STEPS = """
import pytest
from pytest_bdd import given, parsers, then

import living_checklist as checklist


@given("a passing step")
def passing():
    pass


@then("it fails")
def fails():
    raise AssertionError("it failed")


@then(parsers.parse("the value is {text}"))
def value(request, text):
    checklist.check(request.node, "value", float(text), "", 1.0, ">=")
"""

ONE = "Feature: One\n  @REQ-1\n  Scenario: passes\n    Given a passing step\n"


def project(pytester: pytest.Pytester, features: dict[str, str | bytes], *, ini: str = "", steps: str = STEPS) -> None:
    pytester.makeini(f"[pytest]\nchecklist_features = features\ntestpaths = features\n{ini}")
    pytester.makeconftest(steps)
    write_files(pytester.path, features)


def validated(path: Path) -> dict[str, Any]:
    """The JSON report at ``path``, parsed strictly (no NaN/Infinity) and validated by its schema."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not strict JSON: {name}")

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    return data


def no_traceback(result: pytest.RunResult) -> None:
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text, text


# ---------------------------------------------------------------------------------------------
# 3. A report path that cannot be written: a usage error before anything runs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("adir", "is a directory"),
        ("/proc/checklist-report.json", "cannot write a file in /proc"),
        ("afile/sub/report.json", "is a file, so the folder for the report cannot be created"),
        ("loop.json", "cannot be used"),
    ],
)
def test_unwritable_report_path_is_a_usage_error(pytester: pytest.Pytester, value: str, expected: str) -> None:
    project(pytester, {"features/one.feature": ONE, "adir/keep": "", "afile": "x"})
    (pytester.path / "loop.json").symlink_to("loop.json")
    marker = pytester.path / "ran"
    pytester.makeconftest(STEPS.replace("    pass\n", f"    open({str(marker)!r}, 'w').close()\n", 1))
    result = pytester.runpytest(f"{JSON_OPTION}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {JSON_OPTION} {value}: *{expected}*"])
    assert not marker.exists(), "a step ran although the report could not be written"
    no_traceback(result)


def test_missing_parent_folder_is_created(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE})
    result = pytester.runpytest(f"{JSON_OPTION}=out/deeper/report.json")
    assert result.ret == pytest.ExitCode.OK
    assert validated(pytester.path / "out/deeper/report.json")["totals"]["verified"] == 1


FULL_MOUNT_SKIP = "needs root and a tmpfs mount (mount -t tmpfs -o size=64k) to fill a real file system"


@pytest.fixture
def full_disk(tmp_path: Path) -> Any:
    """A real, tiny tmpfs filled to the last block: writes there fail with ENOSPC."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip(FULL_MOUNT_SKIP)
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"{FULL_MOUNT_SKIP}: {done.stderr.decode(errors='replace').strip()}")
    try:
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_loses_no_other_report(pytester: pytest.Pytester, full_disk: Path) -> None:
    """3. ENOSPC on one report: a clear message, the run fails, and the other reports are written."""
    project(pytester, {"features/one.feature": ONE})
    target = full_disk / "report.json"
    result = pytester.runpytest_subprocess(f"{JSON_OPTION}={target}", f"{MD_OPTION}=report.md", f"{HTML_OPTION}=r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"{JSON_OPTION} {target}: could not write the report (No space left on device)"])
    result.stdout.fnmatch_lines(["requirements: 1 *verified: 1*"])
    assert "verified" in (pytester.path / "report.md").read_text(encoding="utf-8")
    assert (pytester.path / "r.html").stat().st_size > 0
    assert not target.exists() and not list(full_disk.glob(".report.json.*")), "a half-written report was left"
    no_traceback(result)


# ---------------------------------------------------------------------------------------------
# 4. Devices are written through, symbolic links are kept


def test_dev_null_stays_a_device(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE})
    before = os.stat("/dev/null")
    result = pytester.runpytest(f"{JSON_OPTION}=/dev/null", f"{MD_OPTION}=/dev/null")
    assert result.ret == pytest.ExitCode.OK
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_report_to_dev_stdout_is_printed(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE})
    result = pytester.runpytest_subprocess(f"{JSON_OPTION}=/dev/stdout", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    text = result.stdout.str()
    start = text.index('{\n  "schema"')
    data, _ = json.JSONDecoder().raw_decode(text[start:])
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["totals"]["verified"] == 1


def test_symlinked_report_keeps_its_link(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE, "real/keep": ""})
    link = pytester.path / "report.json"
    link.symlink_to("real/report.json")
    dangling = pytester.path / "report.md"
    dangling.symlink_to("real/report.md")  # the file it names does not exist yet
    result = pytester.runpytest(f"{JSON_OPTION}=report.json", f"{MD_OPTION}=report.md")
    assert result.ret == pytest.ExitCode.OK
    assert link.is_symlink() and dangling.is_symlink()
    assert validated(pytester.path / "real/report.json")["totals"]["verified"] == 1
    assert "verified" in (pytester.path / "real/report.md").read_text(encoding="utf-8")


def test_write_report_keeps_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old")
    path.chmod(0o640)
    write_report(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


# ---------------------------------------------------------------------------------------------
# 5, 6. What strict JSON cannot carry: lone surrogates, NaN, infinities


def test_json_dumps_is_strict() -> None:
    data = {"a": float("inf"), "b": [float("nan"), -float("inf")], "c": "name \udcff.feature", "d": 1.5}
    text = json_dumps(data)
    text.encode("utf-8")
    parsed = json.loads(text, parse_constant=lambda name: pytest.fail(f"not strict JSON: {name}"))
    assert parsed == {"a": "Infinity", "b": ["NaN", "-Infinity"], "c": "name \\udcff.feature", "d": 1.5}


def test_lone_surrogate_in_a_message_writes_every_report(pytester: pytest.Pytester) -> None:
    """5. A message holding a lone surrogate (as a non-UTF-8 file name gives) reaches every report."""
    steps = STEPS + '\n\n@then("it names a bad file")\ndef bad_file():\n    raise AssertionError("bad \\udcff name")\n'
    feature = "Feature: F\n  @REQ-1\n  Scenario: s\n    Then it names a bad file\n"
    project(pytester, {"features/one.feature": feature}, steps=steps)
    result = pytester.runpytest(f"{JSON_OPTION}=r.json", f"{MD_OPTION}=r.md", f"{HTML_OPTION}=r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = validated(pytester.path / "r.json")
    assert "bad \\udcff name" in data["requirements"][0]["message"]
    assert "\\udcff" in (pytester.path / "r.md").read_text(encoding="utf-8")
    assert (pytester.path / "r.html").stat().st_size > 0


def test_nan_measurement_gives_strict_json(pytester: pytest.Pytester) -> None:
    """6. NaN through ``check`` is written as the string "NaN", never the bare token."""
    feature = "Feature: F\n  @REQ-1\n  Scenario: s\n    Then the value is nan\n"
    project(pytester, {"features/one.feature": feature})
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    measurement = validated(pytester.path / "r.json")["requirements"][0]["cases"][0]["measurements"][0]
    assert measurement["value"] == "NaN"


# ---------------------------------------------------------------------------------------------
# 10. Terminal escapes are shown, not obeyed


def test_terminal_safe_escapes_controls() -> None:
    assert terminal_safe("a\x1b[31mred\x1b]8;;http://x\x07\u202e\x9b\tb\n") == (
        "a\\x1b[31mred\\x1b]8;;http://x\\x07\\u202e\\x9b\tb\n"
    )


def test_escapes_in_names_reach_the_terminal_escaped(pytester: pytest.Pytester) -> None:
    feature = "Feature: F\n  @REQ-1\n  Scenario: evil \x1b[2J\x1b]0;title\x07 name\n    Then it fails\n"
    project(pytester, {"features/one.feature": feature})
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "\x1b" not in out and "\x07" not in out
    result.stdout.fnmatch_lines(["*FAILING*REQ-1 evil \\x1b[[]2J\\x1b]0;title\\x07 name*"])
    result.stdout.fnmatch_lines(["*REQ-1: evil \\x1b[[]2J*"])  # pytest's failure header


def test_escapes_reach_the_command_line_escaped(pytester: pytest.Pytester) -> None:
    feature = "Feature: F\n  @REQ-1\n  Scenario: evil \x1b]0;title\x07 name\n    Given TBD\n"
    project(pytester, {"features/one.feature": feature})
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status"], cwd=pytester.path, capture_output=True
    )
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "\x1b" not in out and "evil \\x1b]0;title\\x07 name" in out


# ---------------------------------------------------------------------------------------------
# 12. A report left by an earlier run is never taken for this run's


def test_stale_report_is_removed_when_the_run_starts(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE})
    stale = pytester.path / "r.json"
    stale.write_text('{"complete": true}')
    seen = pytester.path / "seen"
    check = f"    from pathlib import Path\n    Path({str(seen)!r}).write_text(str(Path({str(stale)!r}).exists()))\n"
    steps = STEPS.replace("    pass\n", check, 1)
    pytester.makeconftest(steps)
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.OK
    assert seen.read_text() == "False", "the earlier run's report was still there while this run ran"
    assert validated(stale)["complete"] is True


SLOW_SYSTEM = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(1000)", "{marker}"])
open({started!r}, "w").close()
time.sleep(1000)
"""


def _processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if marker in (proc.info["cmdline"] or []):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _wait_for(path: Path, timeout: float = 30) -> None:
    until = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > until:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)


def _gone(marker: str, timeout: float = 10) -> list[psutil.Process]:
    until = time.monotonic() + timeout
    while True:
        left = _processes_with(marker)
        if not left or time.monotonic() > until:
            return left
        time.sleep(0.1)


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "xdist"])
def test_sigterm_to_the_controller(pytester: pytest.Pytester, workers: list[str]) -> None:
    """12. SIGTERM: the run stops, the report says complete: false, and no system is left running."""
    marker = f"checklist-sigterm-{os.getpid()}-{len(workers)}"
    started = pytester.path / "started"
    system = SLOW_SYSTEM.replace("{marker}", marker).replace("{started!r}", repr(str(started)))
    pytester.path.joinpath("system.py").write_text(system)
    feature = (
        "Feature: F\n  @REQ-1\n  Scenario: runs long\n    When I run the system with arguments \"x\"\n"
        "    Then the exit status is 0\n  @REQ-2\n  Scenario: passes\n    Given a passing step\n"
    )
    project(
        pytester,
        {"features/one.feature": feature},
        ini=f"checklist_system = {sys.executable} system.py\n",
        steps=STEPS + '\npytest_plugins = ["living_checklist.steps.system"]\n',
    )
    report = pytester.path / "r.json"
    report.write_text('{"complete": true, "left": "by an earlier run"}')
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"{JSON_OPTION}={report}", *workers],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(started)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.decode(errors="replace")
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text
    assert "SIGTERM" in text
    data = validated(report)
    assert data["complete"] is False
    assert _gone(marker) == [], "the system under test (or its setsid grandchild) outlived the run"


# ---------------------------------------------------------------------------------------------
# 11, 12. The system under test never outlives the run: every exit path, setsid grandchildren too


def _system(marker: str, started: Path, *, then: str) -> list[str]:
    """A program that starts a grandchild which leaves its session (setsid), then ``then``."""
    code = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(1000)', {marker!r}])\n"
        f"open({str(started)!r}, 'w').close()\n"
        f"{then}\n"
    )
    return [sys.executable, "-c", code]


@pytest.mark.skipif(sys.platform != "linux", reason="the child subreaper (prctl) is Linux only")
@pytest.mark.parametrize(("then", "timeout"), [("pass", 30.0), ("time.sleep(1000)", 1.0)], ids=["exits", "times-out"])
def test_setsid_grandchild_does_not_outlive_a_run(tmp_path: Path, then: str, timeout: float) -> None:
    from living_checklist.live import runner

    marker = f"checklist-grandchild-{os.getpid()}-{then}"
    result = runner.run(_system(marker, tmp_path / "started", then=then), timeout=timeout)
    assert result.timed_out is (timeout < 30)
    assert _gone(marker, timeout=5) == []


# The caller takes Ctrl-C as a terminal's Python does, whatever this test process inherited: a
# pytest started in the background by a non-interactive shell (``pytest &``) has SIGINT ignored,
# a disposition exec keeps, and Python installs its KeyboardInterrupt handler only over SIG_DFL.
CALLER = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from living_checklist.live import runner
runner.run({argv!r}, timeout=600)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the child subreaper and PR_SET_PDEATHSIG are Linux only")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_system_dies_with_the_test_process(tmp_path: Path, sig: signal.Signals) -> None:
    """Ctrl-C (KeyboardInterrupt), SIGTERM (default: the process dies) and SIGKILL (a worker that
    dies): the program and its setsid grandchild go too."""
    marker = f"checklist-caller-{os.getpid()}-{sig.name}"
    started = tmp_path / "started"
    argv = _system(marker, started, then="time.sleep(1000)")
    caller = subprocess.Popen([sys.executable, "-c", CALLER.format(argv=argv)], stderr=subprocess.DEVNULL)
    try:
        _wait_for(started)
        time.sleep(0.2)  # the grandchild has called setsid
        assert _processes_with(marker), "the grandchild did not start"
        caller.send_signal(sig)
        caller.wait(timeout=30)
    finally:
        if caller.poll() is None:
            caller.kill()
            caller.wait()
    assert _gone(marker) == [], f"the system outlived a test process ended by {sig.name}"


# ---------------------------------------------------------------------------------------------
# 6, 17. Values no report can carry are refused where they enter: the step or the measurement

HARDWARE = STEPS + '\npytest_plugins = ["living_checklist.steps"]\n'


def test_an_infinite_required_value_is_an_error(pytester: pytest.Pytester) -> None:
    feature = "Feature: F\n  @HW-1\n  Scenario: huge\n    Given the machine has at least 1e999 GiB of memory\n"
    project(pytester, {"features/one.feature": feature}, steps=HARDWARE)
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    req = validated(pytester.path / "r.json")["requirements"][0]
    assert req["status"] == "error"
    assert "'1e999' is too large to be a number" in req["message"]


MEASURING = STEPS + '''

@then(parsers.parse("it records {name} compared by {comparison}"))
def records(request, name, comparison):
    checklist.record(request.node, checklist.Measurement(name.strip('"'), 1.0, "", 2.0, comparison))
'''


@pytest.mark.parametrize(
    ("name", "comparison", "expected"),
    [('""', ">=", "name must be a non-empty text"), ("speed", "~=", "comparison must be one of >=, <=, ==, >, <")],
)
def test_a_bad_measurement_is_an_error_not_a_broken_report(
    pytester: pytest.Pytester, name: str, comparison: str, expected: str
) -> None:
    feature = f"Feature: F\n  @REQ-1\n  Scenario: s\n    Then it records {name} compared by {comparison}\n"
    project(pytester, {"features/one.feature": feature}, steps=MEASURING)
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    req = validated(pytester.path / "r.json")["requirements"][0]
    assert (req["status"], req["cases"][0]["measurements"]) == ("error", [])
    assert expected in req["message"]


# ---------------------------------------------------------------------------------------------
# 7, 9. Gherkin the parser takes but the report could not: a lone "@", CR line endings


def test_a_lone_at_sign_is_no_tag(pytester: pytest.Pytester) -> None:
    feature = "@\nFeature: F\n  @ @REQ-1\n  Scenario: s\n    Given a passing step\n"
    project(pytester, {"features/one.feature": feature})
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.OK
    assert validated(pytester.path / "r.json")["requirements"][0]["tags"] == ["REQ-1"]


def test_cr_line_endings_are_line_endings(pytester: pytest.Pytester) -> None:
    feature = (
        "Feature: F\r  @REQ-1\r  Scenario: a\r    Given a passing step\r"
        "  @REQ-2\r  Scenario: b\r    Then it fails\r"
    )
    project(pytester, {"features/one.feature": feature.encode()})
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = validated(pytester.path / "r.json")
    assert {r["id"]: r["status"] for r in data["requirements"]} == {"REQ-1": "verified", "REQ-2": "failing"}
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status", "--format", "json"], cwd=pytester.path, capture_output=True
    )
    assert json.loads(done.stdout)["totals"]["requirements"] == 2, done.stderr


# ---------------------------------------------------------------------------------------------
# 8, 14. Settings are checked once, before anything runs


@pytest.mark.parametrize("value", ["abc", "-1", "0", "nan", "1e309"])
def test_a_bad_system_timeout_is_one_usage_error(pytester: pytest.Pytester, value: str) -> None:
    marker = pytester.path / "ran"
    steps = STEPS.replace("    pass\n", f"    open({str(marker)!r}, 'w').close()\n", 1)
    project(pytester, {"features/one.feature": ONE}, ini=f"checklist_system_timeout = {value}\n", steps=steps)
    result = pytester.runpytest(f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: checklist_system_timeout = '{value}': expected a positive number*"])
    assert not marker.exists() and not (pytester.path / "r.json").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("featurs", "no such folder under"), ("afile", "is a file"), ("/", "is outside the project")],
)
def test_a_bad_features_folder_is_a_usage_error(pytester: pytest.Pytester, value: str, expected: str) -> None:
    project(pytester, {"features/one.feature": ONE, "afile": "x"})
    result = pytester.runpytest("-o", f"checklist_features={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: checklist_features = '{value}': {expected}*"])


# ---------------------------------------------------------------------------------------------
# 15. A baseline nested too deeply to read


def test_a_deeply_nested_baseline_is_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE})
    (pytester.path / "base.json").write_text("[" * 100_000 + "]" * 100_000)
    result = pytester.runpytest("--checklist-baseline=base.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: --checklist-baseline: *base.json: not a checklist report: *nested too deeply*"
    ])
    no_traceback(result)


# ---------------------------------------------------------------------------------------------
# 20. --checklist-json PATH (two words) where PATH moves pytest's rootdir


def test_a_two_word_report_option_that_moves_the_rootdir_is_refused(pytester: pytest.Pytester, tmp_path: Path) -> None:
    project(pytester, {"features/one.feature": ONE})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "r.json").write_text("{}")  # left by an earlier run: pytest takes it for a test path
    result = pytester.runpytest_subprocess(JSON_OPTION, str(elsewhere / "r.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    path = elsewhere / "r.json"
    result.stderr.fnmatch_lines([f"ERROR: {JSON_OPTION} {path}: write {JSON_OPTION}={path} (one word)*"])
    result = pytester.runpytest_subprocess(f"{JSON_OPTION}={elsewhere / 'r.json'}")
    assert result.ret == pytest.ExitCode.OK
    assert validated(elsewhere / "r.json")["totals"]["verified"] == 1
    inside = pytester.runpytest_subprocess(JSON_OPTION, "r.json")  # inside the project: harmless, accepted
    assert inside.ret == pytest.ExitCode.OK


# ---------------------------------------------------------------------------------------------
# 21. A worker that dies while starting, and one that dies running a case


WORKER_DIES_ONCE = """
import os, signal
from pathlib import Path

def pytest_configure(config):
    worker = getattr(config, "workerinput", {}).get("workerid")
    flag = Path(__file__).parent / "died"
    if worker == "gw1" and not flag.exists():
        flag.write_text("gw1")
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_worker_dying_at_start_up_loses_nothing(pytester: pytest.Pytester) -> None:
    """Every case ran on the other worker: the checklist is complete and the exit status says how
    the cases went (0). A crash that loses a case is covered by the next test."""
    features = {f"features/f{i}.feature": ONE.replace("REQ-1", f"REQ-{i}") for i in range(1, 5)}
    project(pytester, features, steps=STEPS + WORKER_DIES_ONCE)
    result = pytester.runpytest_subprocess("-n", "2", f"{JSON_OPTION}=r.json", "-p", "no:cacheprovider")
    assert (pytester.path / "died").exists(), "the worker was not killed: the test proves nothing"
    data = validated(pytester.path / "r.json")
    assert data["totals"]["verified"] == 4
    assert data["complete"] is True, result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_a_worker_dying_in_a_case_is_an_error_and_never_exit_0(pytester: pytest.Pytester) -> None:
    steps = STEPS + (
        '\n\n@given("the worker dies")\ndef dies():\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n'
    )
    feature = ONE + "  @REQ-2\n  Scenario: dies\n    Given the worker dies\n"
    project(pytester, {"features/one.feature": feature}, steps=steps)
    result = pytester.runpytest_subprocess("-n", "1", f"{JSON_OPTION}=r.json", "-p", "no:cacheprovider")
    assert result.ret != pytest.ExitCode.OK
    data = validated(pytester.path / "r.json")
    assert {r["id"]: r["status"] for r in data["requirements"]}["REQ-2"] == "error"


# ---------------------------------------------------------------------------------------------
# 1, 2, 16, 19. One notion of what exists under the features folder, for pytest and the command line


DANGLING = "a symbolic link to /nowhere/d.feature, which does not exist; restore the file or remove the link"


def test_pytest_and_the_command_line_agree_on_what_exists(pytester: pytest.Pytester, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.feature").write_text("Feature: O\n  @REQ-2\n  Scenario: o\n    Then it fails\n")
    project(
        pytester,
        {
            "features/one.feature": ONE,
            "features/build/b.feature": "Feature: B\n  @REQ-3\n  Scenario: b\n    Then it fails\n",
            "features/dist/c.feature": "Feature: C\n  @REQ-4\n  Scenario: c\n    Given a passing step\n",
        },
    )
    features = pytester.path / "features"
    (features / "linked").symlink_to(outside)  # 1. a folder linked in from outside
    (features / "loop1").symlink_to(".")  # 16. two symlink loops
    (features / "loop2").symlink_to("..")
    (features / "d.feature").symlink_to("/nowhere/d.feature")  # 19. a dangling link
    result = pytester.runpytest_subprocess(f"{JSON_OPTION}=r.json", "-p", "no:cacheprovider", timeout=120)
    data = validated(pytester.path / "r.json")
    statuses = {r["id"]: r["status"] for r in data["requirements"]}
    assert statuses == {"REQ-1": "verified", "REQ-2": "failing", "REQ-3": "failing", "REQ-4": "verified"}
    assert [(e["path"], e["message"]) for e in data["errors"] if e["kind"] == "gherkin"] == [
        ("features/d.feature", DANGLING)
    ]
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status", "--format", "json"],
        cwd=pytester.path,
        capture_output=True,
        timeout=120,
    )
    listed = json.loads(done.stdout)
    assert listed["totals"]["requirements"] == 4, listed
    assert "features/d.feature:1:1: a symbolic link to /nowhere/d.feature, which does not exist" in done.stderr.decode()


# ---------------------------------------------------------------------------------------------
# 18. --rootdir elsewhere than the ini file: node ids and report paths could not agree


def test_a_rootdir_without_the_features_folder_is_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/one.feature": ONE, "sub/keep": ""})
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nchecklist_features = "features"\n')
    (pytester.path / "tox.ini").unlink()
    result = pytester.runpytest("--rootdir=sub", "-c", "pyproject.toml", "features")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: checklist_features = 'features': is read from the rootdir *sub, not from*"])
    result = pytester.runpytest("-c", "pyproject.toml", "features", f"{JSON_OPTION}=r.json")
    assert result.ret == pytest.ExitCode.OK
    case = validated(pytester.path / "r.json")["requirements"][0]["cases"][0]
    assert (case["nodeid"], case["status"]) == ("features/one.feature::REQ-1", "verified")
