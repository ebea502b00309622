"""Every report says where the checks ran: system, machine, OS, Python, versions, git commit."""

from __future__ import annotations

import platform
import shutil
import subprocess
from importlib import metadata

import pytest

from living_checklist.core import probes
from living_checklist.reports import HTML_OPTION, MD_OPTION
from tests.helpers import run_with_report, write_files

FEATURE = """\
Feature: F
  @T-1
  Scenario: passes
    Given it is fine
"""
CONFTEST = """\
from pytest_bdd import given

@given("it is fine")
def fine():
    pass
"""


def _project(pytester: pytest.Pytester, system: str = "TBD") -> None:
    pytester.makeini(f"[pytest]\nchecklist_features = features\nchecklist_system = {system}\n")
    write_files(pytester.path, {"features/f.feature": FEATURE, "conftest.py": CONFTEST})


def test_json_environment_measures_this_machine(pytester: pytest.Pytester) -> None:
    _project(pytester, system="mytool --fast '<b>'")
    result, data = run_with_report(pytester, MD_OPTION, "report.md", HTML_OPTION, "report.html")
    result.assert_outcomes(passed=1)
    env = data["environment"]
    assert env["system"] == "mytool --fast '<b>'"
    assert env["url"] is None and env["service"] is None
    assert env["cpu_cores"] == probes.cpu_cores()
    assert env["memory_bytes"] == probes.memory_bytes()
    assert env["python"].endswith(platform.python_version())
    assert env["os"] == platform.platform()
    assert env["versions"]["pytest"] == pytest.__version__
    assert env["versions"]["pytest-bdd"] == metadata.version("pytest-bdd")
    assert env["versions"]["living-checklist"] == metadata.version("living-checklist")
    assert env["git_commit"] is None  # pytester's folder is not a git checkout
    markdown = (pytester.path / "report.md").read_text(encoding="utf-8")
    assert "## Environment" in markdown
    assert "| system | mytool --fast '\\<b\\>' |" in markdown
    assert f"pytest {pytest.__version__}" in markdown
    page = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert '<section id="environment">' in page
    assert "mytool --fast &#x27;&lt;b&gt;&#x27;" in page  # escaped, never markup
    assert "not a git checkout" in page


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_is_recorded_with_local_changes_marked(pytester: pytest.Pytester) -> None:
    _project(pytester)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=pytester.path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=pytester.path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=pytester.path, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=pytester.path, check=True, capture_output=True, text=True
    ).stdout.strip()
    _, data = run_with_report(pytester)
    assert data["environment"]["git_commit"] == head
    (pytester.path / "conftest.py").write_text(CONFTEST + "\n# changed\n", encoding="utf-8")
    _, data = run_with_report(pytester)
    assert data["environment"]["git_commit"] == f"{head}+dirty"
