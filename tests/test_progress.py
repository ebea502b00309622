"""Progress lines of long live checks: only with -v on a terminal, never in logs or pipes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

FEATURE = """\
Feature: timing
  @PERF-001
  Scenario: runs quickly
    When the system runs 5 times with arguments "x"
    Then the median wall time is at most 60000 ms
"""

CONFTEST = 'pytest_plugins = ["living_checklist.steps"]\n'
REPO = Path(__file__).resolve().parents[1]


def _project(pytester: pytest.Pytester) -> None:
    system = f"{sys.executable} -c pass"
    pytester.makeini(f"[pytest]\nchecklist_features = features\ntestpaths = features\nchecklist_system = {system}\n")
    pytester.makeconftest(CONFTEST)
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "timing.feature").write_text(FEATURE)


def _run_in_terminal(cwd: Path, *args: str) -> str:
    """Run pytest with its output on a pseudo-terminal, as a person at a terminal would."""
    main, secondary = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_verbose_run_on_a_terminal_shows_each_run(pytester: pytest.Pytester) -> None:
    _project(pytester)
    out = _run_in_terminal(pytester.path, "-v")
    assert "run 1/5:" in out and "run 5/5:" in out
    assert "exit 0" in out


def test_no_progress_without_verbose_on_a_terminal(pytester: pytest.Pytester) -> None:
    _project(pytester)
    out = _run_in_terminal(pytester.path)
    assert "run 1/5" not in out
    assert "1 passed" in out


def test_no_progress_when_output_is_not_a_terminal(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "run 1/5" not in result.stdout.str()
