"""Manual evidence records (``evidence/<ID>.toml``): a person's verdict decides a placeholder slot.

The run (pytester, its JSON report) and the dry run (``living-checklist status`` in a real process)
must give the same status for each record: verified or failing by a current record, pending
(expired) past ``valid_until``, error when the artifact changed or the record cannot count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from living_checklist.core import evidence
from tests.helpers import run_by_id

FEATURE = """\
Feature: Decided by people
  @UX-1
  Scenario: New users find the export unaided
    Then a usability test with 5 participants passes

  @UX-2
  Scenario: Operators recover from a lost node within an hour
    Then a usability test with 3 participants passes

  @UX-3
  Scenario: The help text is understood
    Then a usability test with 4 participants passes
"""

STEPS = """\
from pytest_bdd import parsers, then

from living_checklist import pending


@then(parsers.parse("a usability test with {n:d} participants passes"))
def usability(n):
    pending(f"a usability test with {n} participants, judged by the UX lead")
"""


def record(root: Path, rid: str, **fields: str) -> None:
    lines = [f'requirement = "{rid}"'] + [f'{key} = "{value}"' for key, value in fields.items()]
    (root / "evidence").mkdir(exist_ok=True)
    (root / "evidence" / f"{rid}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def dry_statuses(root: Path) -> dict[str, tuple[str, str, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status", "--format", "json", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    data: dict[str, Any] = json.loads(done.stdout)
    return {r["id"]: (r["status"], r["reason"], r["message"]) for r in data["requirements"]}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".feature", **{"features/people": FEATURE})
    pytester.makeconftest(STEPS)
    report = pytester.path / "usability-report.txt"
    report.write_text("5 of 5 participants exported unaided\n", encoding="utf-8")
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    today = dt.date.today()
    record(
        pytester.path,
        "UX-1",
        result="pass",
        who="A. Tester (UX lead)",
        when=(today - dt.timedelta(days=3)).isoformat(),
        valid_until=(today + dt.timedelta(days=90)).isoformat(),
        artifact="usability-report.txt",
        sha256=digest,
    )
    record(
        pytester.path,
        "UX-2",
        result="pass",
        who="B. Operator",
        when="2025-01-10",
        valid_until="2025-07-10",
    )
    return pytester


def test_a_record_verifies_a_placeholder_slot_and_an_expired_one_is_pending(project: pytest.Pytester) -> None:
    result, reqs = run_by_id(project, "--checklist-md=e.md")
    result.stdout.fnmatch_lines(
        [
            "manual evidence:",
            "  verified UX-1 - manual evidence: pass, by A. Tester (UX lead) on *",
            "  pending  UX-2 - *",
        ]
    )
    markdown = (project.path / "e.md").read_text(encoding="utf-8")
    assert "## Manual evidence (2)" in markdown and "| UX-1 |" in markdown and "B. Operator" in markdown
    assert reqs["UX-1"]["status"] == "verified"
    assert "A. Tester (UX lead)" in reqs["UX-1"]["message"] and "manual evidence: pass" in reqs["UX-1"]["message"]
    assert (reqs["UX-2"]["status"], reqs["UX-2"]["reason"]) == ("pending", "expired")
    assert "2025-07-10" in reqs["UX-2"]["message"]
    assert (reqs["UX-3"]["status"], reqs["UX-3"]["reason"]) == ("pending", "placeholder")
    dry = dry_statuses(project.path)
    assert dry["UX-1"][:2] == ("ready", "")  # decided by its record: the run says verified
    assert dry["UX-2"][:2] == ("pending", "expired")


def test_a_changed_artifact_or_a_bad_record_is_an_error_in_run_and_dry_run(project: pytest.Pytester) -> None:
    (project.path / "usability-report.txt").write_text("4 of 5\n", encoding="utf-8")
    record(project.path, "UX-3", result="passed", who="C", when="2025-01-01")
    result, reqs = run_by_id(project)
    assert reqs["UX-1"]["status"] == "error" and "changed since the record" in reqs["UX-1"]["message"]
    assert reqs["UX-3"]["status"] == "error" and "field 'result'" in reqs["UX-3"]["message"]
    assert result.ret == 1
    dry = dry_statuses(project.path)
    assert dry["UX-1"][0] == "error" and dry["UX-3"][0] == "error"


def test_a_failing_record_fails_the_requirement(project: pytest.Pytester) -> None:
    record(project.path, "UX-3", result="fail", who="C. Reviewer", when="2025-01-01")
    result, reqs = run_by_id(project)
    assert reqs["UX-3"]["status"] == "failing" and "manual evidence: fail, by C. Reviewer" in reqs["UX-3"]["message"]
    assert result.ret == 1


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"who": "x", "when": "2025-01-01"}, "field 'result' is missing"),
        ({"result": "pass", "when": "2025-01-01"}, "field 'who' is missing"),
        ({"result": "pass", "who": "x", "when": "1/2/2025"}, "ISO date"),
        ({"result": "pass", "who": "x", "when": "2025-01-01", "sha256": "ab" * 32}, "without an 'artifact'"),
        (
            {"result": "pass", "who": "x", "when": "2025-01-01", "artifact": "../../etc/passwd", "sha256": "0" * 64},
            "not a file",
        ),
        ({"result": "pass", "who": "x", "when": "2999-01-01"}, "after today"),
    ],
)
def test_records_that_cannot_count_say_which_field(tmp_path: Path, fields: dict[str, str], complaint: str) -> None:
    record(tmp_path, "R-1", **fields)
    verdict = evidence.load(tmp_path / "evidence", tmp_path, dt.date(2026, 1, 1))["R-1"]
    assert verdict.status == "error"
    assert complaint in verdict.message and "evidence/R-1.toml" in verdict.message


def test_a_record_named_for_another_requirement_is_an_error(tmp_path: Path) -> None:
    record(tmp_path, "R-1", result="pass", who="x", when="2025-01-01")
    (tmp_path / "evidence" / "R-1.toml").rename(tmp_path / "evidence" / "R-2.toml")
    verdict = evidence.load(tmp_path / "evidence", tmp_path, dt.date(2026, 1, 1))["R-2"]
    assert verdict.status == "error" and "must be 'R-2'" in verdict.message


def test_a_record_for_a_requirement_no_scenario_has_fails_lint_and_the_run(project: pytest.Pytester) -> None:
    record(project.path, "UX-99", result="pass", who="x", when="2025-01-01")
    result, _ = run_by_id(project)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*evidence/UX-99.toml:1:1: evidence record for UX-99, which no scenario is tagged with"]
    )
    lint = subprocess.run(
        [sys.executable, "-m", "living_checklist", "lint"],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 1 and "evidence record for UX-99" in lint.stdout
