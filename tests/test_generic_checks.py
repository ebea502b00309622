"""The generic live checks end to end: each a real measurement, measured vs required."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from living_checklist.steps.project import audit_findings, coverage_percent, shown_commands

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
SCHEMA = json.loads((REPO / "living_checklist" / "reports" / "report.schema.json").read_text())
CONFTEST = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
pytest_plugins = ["living_checklist.steps"]
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

# The system: "--json" prints a JSON document, "--jsonl" two lines, "--csv" a table, "--time"
# the clock (differs per run); standard input with a secret in it goes to a
# log; numbers on stdin give 'total: <their sum>'; "--serve" runs until stopped.
SUT = r"""
import json, os, sys, time
args = sys.argv[1:]
data = sys.stdin.read() if not sys.stdin.isatty() else ""
if "--json" in args:
    print(json.dumps({"name": "x", "count": 3}))
elif "--jsonl" in args:
    print(json.dumps({"name": "a", "count": 1}))
    print(json.dumps({"name": "b", "count": "two"}))
elif "--csv" in args:
    print("a,b\n1,2\n3")
elif "--time" in args:
    print("result 42 at", time.time_ns())
elif "secret" in data:
    os.makedirs("logs", exist_ok=True)
    with open("logs/app.log", "a") as log:
        log.write("login with " + data + "\n")
    print("logged in")
elif "--serve" in args:
    buffer = bytearray(8 << 20)
    buffer[::4096] = b"x" * len(buffer[::4096])
    time.sleep(600)
elif "--sample" in args:
    sys.exit(0 if open(args[-1]).read().startswith("v1") else 5)
elif data.strip() and all(x.replace(".", "", 1).isdigit() for x in data.split()):
    print("total:", sum(float(x) for x in data.split()))
else:
    sys.exit(1 if data.startswith("bad") else 0)
"""

FEATURE = """
Feature: generic checks
  @GEN-001
  Scenario: deterministic apart from the clock
    When I run the system with arguments "--time"
    Then 3 repeated runs give identical output apart from "at \\\\d+"
  @GEN-002
  Scenario: not deterministic at all
    When I run the system with arguments "--time"
    Then 2 repeated runs give identical output apart from "nothing"
  @GEN-003
  Scenario: within half a percent of the reference
    When I run the system with input "1.001 2"
    Then the result agrees with the reference "ref.txt" to within 0.5 percent
  @GEN-004
  Scenario: not exactly the reference
    When I run the system with input "1.001 2"
    Then the result agrees with the reference "ref.txt" to within exact
  @GEN-005
  Scenario: JSON per schema
    When I run the system with arguments "--json"
    Then the output conforms to "JSON schema schema.json"
  @GEN-006
  Scenario: JSON Lines, one line breaks the schema
    When I run the system with arguments "--jsonl"
    Then the output conforms to "JSON Lines schema schema.json"
  @GEN-007
  Scenario: ragged CSV
    When I run the system with arguments "--csv"
    Then the output conforms to "CSV"
  @GEN-008
  Scenario: an unknown format
    When I run the system with arguments "--json"
    Then the output conforms to "YAML"
  @GEN-009
  Scenario: every sample on standard input is accepted
    When the system reads every file in "samples/good"
    Then the exit status is 0
  @GEN-010
  Scenario: one sample file is refused
    When the system opens every file in "samples/mixed" with arguments "--sample {file}"
    Then the exit status is 0
  @GEN-011
  Scenario: a secret leaks into the log
    When I run the system with input "hunter2-secret"
    Then neither the output nor the logs in "logs" contain "hunter2-secret"
  @GEN-012
  Scenario: soak: memory stays bounded
    When the system runs continuously for 3 seconds with arguments "--serve"
    Then the peak memory is at most 64 MiB
  @GEN-013
  Scenario: soak: a system that stops early
    When the system runs continuously for 30 seconds with arguments "--json"
  @GEN-014
  Scenario: budgets hold with other software alongside
    Given the machine also runs "{py} -c 'import time; time.sleep(60)'"
    When the system runs 5 times with arguments "--json"
    Then the median wall time is at most 60000 ms
  @GEN-015
  Scenario: other software that does not stay up
    Given the machine also runs "{py} -c 'raise SystemExit(3)'"
    When the system runs 2 times with arguments "--json"
  @GEN-016
  Scenario: the coverage report
    Then the coverage report "coverage.json" shows at least 80 percent of the lines covered
  @GEN-017
  Scenario: the coverage report, Cobertura
    Then the coverage report "coverage.xml" shows at least 80 percent of the lines covered
  @GEN-018
  Scenario: static checks pass
    Then the static checks "{py} -c 'pass'" pass
  @GEN-019
  Scenario: static checks fail
    Then the static checks "{py} -c 'import sys; print(\\"E501 line too long\\"); sys.exit(1)'" pass
  @GEN-020
  Scenario: the checks finish in time
    Then the automated checks "{py} -c 'import time; time.sleep(0.2)'" finish in at most 1 minutes
  @GEN-021
  Scenario: the checks take too long
    Then the automated checks "{py} -c 'import time; time.sleep(30)'" finish in at most 0.02 minutes
  @GEN-022
  Scenario: installs in a clean folder
    Then the system installs on a clean machine with "{py} {root}/install.py" within 1 minutes
  @GEN-023
  Scenario: the documented commands work
    Then every command shown in "docs/good.md" succeeds
  @GEN-024
  Scenario: a documented command fails
    Then every command shown in "docs/bad.md" succeeds
  @GEN-025
  Scenario: a documented command needs a shell
    Then every command shown in "docs/shell.md" succeeds
  @GEN-026
  Scenario: dependency audit
    Then the dependency audit of "requirements.txt" finds no known vulnerability
  @GEN-027
  Scenario: not decided
    Then TBD repeated runs give identical output apart from "TBD"
"""

SCHEMA_DOC = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "count"],
    "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
}

INSTALL = """
import os, pathlib, sys
work = pathlib.Path.cwd()
assert not any(work.iterdir()), "not an empty folder"
assert os.environ["HOME"] != os.path.expanduser("~root"), "home not fresh"
assert (pathlib.Path(os.environ["CHECKLIST_ROOT"]) / "sut.py").is_file()
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def project(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    py = shlex.quote(PY)
    pytester.makefile(
        ".ini",
        pytest=f"[pytest]\nchecklist_features = features\nchecklist_system = {py} sut.py\n"
        "checklist_system_timeout = 60\n",
    )
    _write(
        pytester.path,
        {
            "features/generic.feature": FEATURE.replace("{py}", PY),
            "sut.py": SUT,
            "ref.txt": "total: 3.0\n",
            "schema.json": json.dumps(SCHEMA_DOC),
            "samples/good/a.txt": "hello\n",
            "samples/good/nested/b.txt": "world\n",
            "samples/mixed/1.txt": "v1 data\n",
            "samples/mixed/2.txt": "v0 data\n",
            "logs/.keep": "",
            "coverage.json": json.dumps({"totals": {"percent_covered": 91.25}}),
            "coverage.xml": '<?xml version="1.0" ?><coverage line-rate="0.5" branch-rate="0"></coverage>',
            "install.py": INSTALL,
            "docs/good.md": f"# Try it\n\n```console\n$ {py} sut.py --json\n$ cd samples\n"
            f"$ {py} ../sut.py --json\n```\n\nText with a $ sign and\n\n```python\n$ not a command\n```\n",
            "docs/bad.md": f"```console\n$ {py} sut.py --json\n$ {py} -c 'raise SystemExit(7)'\n```\n",
            "docs/shell.md": f"```sh\n$ {py} sut.py --json | head -1\n```\n",
            "requirements.txt": "idna==3.7\n",
        },
    )


def run(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    pytester.runpytest("-p", "no:cacheprovider", "--checklist-json", "report.json")
    report = json.loads((pytester.path / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    return {req["id"]: req for req in report["requirements"]}


def figures(req: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for case in req["cases"] for m in case["measurements"]}


def test_generic_checks_measure_and_say_measured_vs_required(pytester: pytest.Pytester) -> None:
    project(pytester)
    reqs = run(pytester)
    status = {rid: req["status"] for rid, req in reqs.items()}
    audit = "pending" if status["GEN-026"] == "pending" else status["GEN-026"]
    assert status == {
        "GEN-001": "verified",
        "GEN-002": "failing",
        "GEN-003": "verified",
        "GEN-004": "failing",
        "GEN-005": "verified",
        "GEN-006": "failing",
        "GEN-007": "failing",
        "GEN-008": "error",
        "GEN-009": "verified",
        "GEN-010": "failing",
        "GEN-011": "failing",
        "GEN-012": "verified",
        "GEN-013": "failing",
        "GEN-014": "verified",
        "GEN-015": "failing",
        "GEN-016": "verified",
        "GEN-017": "failing",
        "GEN-018": "verified",
        "GEN-019": "failing",
        "GEN-020": "verified",
        "GEN-021": "failing",
        "GEN-022": "verified",
        "GEN-023": "verified",
        "GEN-024": "failing",
        "GEN-025": "error",
        "GEN-026": audit,
        "GEN-027": "pending",
    }
    message = {rid: req["message"] for rid, req in reqs.items()}
    assert message["GEN-002"].startswith("runs with different output: measured 2 runs, required <= 0")
    assert "repeat 1 differs" in message["GEN-002"]
    deviation = figures(reqs["GEN-003"])["largest relative difference"]
    assert deviation["value"] == pytest.approx(0.0333, abs=1e-3) and deviation["required"] == 0.5
    assert message["GEN-004"].startswith("largest difference: measured 0.001, required <= 0")
    assert "line 2 at /count: 'two' is not of type 'integer'" in message["GEN-006"]
    assert "row 3 has 1 fields, the first has 2" in message["GEN-007"]
    assert "format 'YAML': expected one of JSON, JSON Lines, CSV" in message["GEN-008"]
    assert "run 2 of 2" in message["GEN-010"] and "exit status: measured 5, required == 0" in message["GEN-010"]
    assert message["GEN-011"].startswith("places the secret appears: measured 1, required <= 0")
    assert "logs/app.log" in message["GEN-011"]
    assert 8 <= figures(reqs["GEN-012"])["peak memory"]["value"] <= 64
    assert "ended by itself before the 30 seconds were up" in message["GEN-013"]
    assert "exited at once with status 3" in message["GEN-015"]
    assert figures(reqs["GEN-016"])["line coverage"]["value"] == 91.25
    assert message["GEN-017"].startswith("line coverage: measured 50 %, required >= 80")
    assert "E501 line too long" in message["GEN-019"]
    assert message["GEN-021"].startswith("duration of the checks: measured more than 0.02 minutes, required <= 0.02")
    assert figures(reqs["GEN-020"])["duration of the checks"]["value"] < 1
    assert figures(reqs["GEN-023"])["commands that failed"]["unit"] == "of 3"
    assert "docs/bad.md:3:" in message["GEN-024"] and "exited with status 7" in message["GEN-024"]
    assert "docs/shell.md:2:" in message["GEN-025"] and "needs a shell" in message["GEN-025"]
    if audit == "pending":
        assert "pip-audit" in message["GEN-026"]
    assert reqs["GEN-027"]["reason"] == "tbd"


def test_shown_commands_reads_only_prompts_inside_fences() -> None:
    text = "$ outside\n```console\n$ one --x\nout\n  $ two\n```\n~~~\n$ three\n~~~\n````\n```\n$ four\n````\n"
    assert shown_commands(text) == [(3, "one --x"), (5, "two"), (8, "three"), (12, "four")]


def test_coverage_reports_of_both_kinds(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"totals": {"percent_covered": 77.5}}))
    (tmp_path / "c.xml").write_text('<coverage line-rate="0.8125"/>')
    assert coverage_percent(tmp_path / "c.json") == 77.5
    assert coverage_percent(tmp_path / "c.xml") == 81.25


def test_pip_audit_json_both_layouts() -> None:
    current = {
        "dependencies": [
            {"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1", "fix_versions": []}]},
            {"name": "b", "version": "2", "vulns": []},
        ],
        "fixes": [],
    }
    legacy = [{"name": "a", "version": "1", "vulns": [{"id": "GHSA-x"}]}]
    assert audit_findings(json.dumps(current)) == ["a 1: PYSEC-1"]
    assert audit_findings(json.dumps(legacy)) == ["a 1: GHSA-x"]
    assert audit_findings("Connection error") is None
