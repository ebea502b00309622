"""Several systems in one project: ``checklist_systems`` and ``@system-NAME`` tags, each with its own
timeout and working folder; the environment of every report names them, credentials masked."""

from __future__ import annotations

import os
import shlex
import shutil
import sys

import pytest

from tests.helpers import run_with_report, statuses
from tests.test_named_services import NAMED
from tests.test_phrases import library_project
from tests.test_service import free_port

PY = sys.executable

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

# Says who it is and where it runs; "--sleep" outlasts a short timeout.
WHO = (
    "import os, sys, time\nif '--sleep' in sys.argv: time.sleep(3)\n"
    "print(sys.argv[1], 'says', sys.argv[2], os.getcwd())\n"
)

FEATURES = """
@system-alpha
Feature: tagged on the feature
  @S-1
  Scenario: the feature's system
    When I run the system with arguments "alpha-run"
    Then the output contains "alpha-run"
    And the output contains "alpha says"

  @S-2 @system-beta
  Scenario: a scenario's own tag wins over its feature's
    When I run the system with arguments "x"
    Then the output contains "beta says"
"""

OTHER = """
Feature: untagged and tagged scenarios
  @S-3
  Scenario: untagged uses checklist_system
    When I run the system with arguments "plain"
    Then the output contains "default says"
  @S-4 @system-beta
  Scenario: its own working folder
    When I run the system with arguments "where"
    Then the output contains "beta says"
    And the output contains "/sub"
  @S-5 @system-beta
  Scenario: its own timeout
    When I run the system with arguments "slow --sleep"
    Then the exit status is 0
  @S-6 @system-nosuch
  Scenario: a name nobody defined
    When I run the system with arguments "x"
  @S-7 @system-later
  Scenario: a system not decided yet
    When I run the system with arguments "x"
"""


def who(name: str) -> str:
    """A system that says its name; who.py is written in the rootdir, so by absolute path."""
    return shlex.join([PY, "WHO", name])


def test_each_scenario_runs_the_system_its_tag_names(pytester: pytest.Pytester) -> None:
    (pytester.path / "sub").mkdir()
    (pytester.path / "who.py").write_text(WHO)
    ini = (
        "checklist_systems =\n"
        f"    alpha = {who('alpha')}\n"
        f"    beta = {who('beta')} --token=hunter2\n"
        "    beta.timeout = 0.5\n"
        "    beta.cwd = sub\n"
        "    # a comment, and a system whose command is not known yet\n"
        "    later = TBD\n"
    )
    ini = ini.replace("WHO", str(pytester.path / "who.py"))
    library_project(pytester, who("default").replace("WHO", str(pytester.path / "who.py")), FEATURES, ini)
    (pytester.path / "features" / "other.feature").write_text(OTHER)
    md = pytester.path / "checklist.md"
    result, data = run_with_report(pytester, f"--checklist-md={md}")
    reqs = {req["id"]: req for req in data["requirements"]}
    assert statuses(reqs) == {
        "S-1": "verified",
        "S-2": "verified",
        "S-3": "verified",
        "S-4": "verified",
        "S-5": "failing",
        "S-6": "error",
        "S-7": "pending",
    }, result.stdout.str()
    assert "timed out" in reqs["S-5"]["message"]
    assert "no system 'nosuch' in checklist_systems (known: alpha, beta, later)" in reqs["S-6"]["message"]
    assert reqs["S-7"]["reason"] == "tbd"
    systems = data["environment"]["systems"]
    assert set(systems) == {"alpha", "beta", "later"} and systems["later"] is None
    assert "hunter2" not in str(data["environment"]) and "--token=" in systems["beta"]
    markdown = md.read_text()
    assert "system alpha" in markdown and "system beta" in markdown and "hunter2" not in markdown


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("    just a command\n", "expected NAME = command"),
        ("    a = x\n    a = y\n", "a is set twice"),
        ("    a = x\n    a.cwd = .\n    a.cwd = .\n", "a.cwd is set twice"),
        ("    a.timeout = 5\n", "a.timeout is set but there is no line a = command"),
        ("    a = x\n    a.timeout = soon\n", "expected a positive number of seconds"),
        ("    a = x\n    a.cwd = nowhere\n", "no such folder inside the project"),
        ("    a = x\n    a.colour = red\n", "expected NAME = command"),
    ],
)
def test_a_bad_systems_line_is_a_usage_error(pytester: pytest.Pytester, lines: str, problem: str) -> None:
    library_project(pytester, "TBD", FEATURES, "checklist_systems =\n" + lines)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem in result.stderr.str()


SQLITE = """
@system-sqlite
Feature: sqlite3
  @SQL-1
  Scenario: a query's answer
    When I run the system with input "select 6*7;"
    Then the output contains "42"
"""

JQ = """
@system-jq
Feature: jq
  @JQ-1
  Scenario: a field
    When I run the system with arguments "-c .a" and input "{\\"a\\": [1, 2]}"
    Then the output contains "[1,2]"
"""

WEB = """
@service-web
Feature: a web service
  @WEB-1
  Scenario: it answers
    When I send a GET request to "/"
    Then the response body contains "I am web"
"""


@pytest.mark.skipif(not (shutil.which("sqlite3") and shutil.which("jq")), reason="needs sqlite3 and jq installed")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the service launcher is Linux's")
def test_sqlite_jq_and_a_web_service_in_one_plain_run(pytester: pytest.Pytester) -> None:
    port = free_port()
    (pytester.path / "named.py").write_text(NAMED)
    ini = (
        "checklist_systems =\n    sqlite = sqlite3 -batch :memory:\n    jq = jq\n"
        f"checklist_services =\n    web = http://127.0.0.1:{port} | {shlex.quote(PY)} named.py {port} web\n"
        "checklist_system_timeout = 20\n"
    )
    library_project(pytester, "TBD", SQLITE, ini)
    (pytester.path / "features" / "jq.feature").write_text(JQ)
    (pytester.path / "features" / "web.feature").write_text(WEB)
    result, data = run_with_report(pytester)
    assert result.ret == 0, result.stdout.str()
    found = {req["id"]: req["status"] for req in data["requirements"]}
    assert found == {"SQL-1": "verified", "JQ-1": "verified", "WEB-1": "verified"}
    assert data["environment"]["systems"] == {"sqlite": "sqlite3 -batch :memory:", "jq": "jq"}
    assert data["environment"]["services"]["web"]["url"] == f"http://127.0.0.1:{port}"
