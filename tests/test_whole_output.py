"""Checks read the whole output, not the first MiB kept for messages (real programs, real pipes).

8 MB of valid CSV, JSON and JSON Lines are verified; a secret, a forbidden text, a bad line or a
difference placed after the first MiB is found; a stream that could not be kept whole is an
``error`` saying how much was kept, never a verdict.
"""

from __future__ import annotations

import os
import shlex
import sys

import pytest

from living_checklist.live import capture
from tests.helpers import run_by_id as run
from tests.helpers import statuses
from tests.test_live_steps import project

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

# Prints what its first argument names: valid 8 MB documents, or 1 MiB of filler (a JSON string
# and a CSV field per line) and then the trap.
SUT = r"""
import json, os, sys
MIB = 1 << 20
out = sys.stdout
kind = sys.argv[1]
if kind == "csv":
    out.write("a,b,c\n")
    for i in range(400_000):
        out.write(f'{i},"x, {i}",{i * 2}\n')
elif kind == "json":
    json.dump({"rows": [{"id": i, "name": "n" * 10} for i in range(250_000)]}, out)
elif kind == "jsonl":
    for i in range(300_000):
        out.write(json.dumps({"id": i, "pad": "p" * 12}) + "\n")
else:
    out.write(('"' + "f" * 97 + '"\n') * (MIB // 100 + 1))  # a JSON string and a CSV field per line
    if kind == "secret":
        out.write("hunter2-secret\n")
    elif kind == "secret-err":
        sys.stderr.write("e" * (2 * MIB) + "hunter2-secret\n")
    elif kind == "badline":
        out.write("{not json\n")
    elif kind == "badrow":
        out.write("only,two\n")
    elif kind == "varies":
        out.write(os.urandom(8).hex() + "\n")
"""
SYSTEM = shlex.join([sys.executable, "sut.py"])

FEATURES = """
Feature: the whole output
  @OUT-001
  Scenario: 8 MB of CSV
    When I run the system with arguments "csv"
    Then the output conforms to "CSV"
  @OUT-002
  Scenario: 8 MB of JSON
    When I run the system with arguments "json"
    Then the output conforms to "JSON"
  @OUT-003
  Scenario: 8 MB of JSON Lines
    When I run the system with arguments "jsonl"
    Then the output conforms to "JSON Lines"
  @OUT-004
  Scenario: a secret after the first MiB
    When I run the system with arguments "secret"
    Then the output does not contain "hunter2-secret"
  @OUT-005
  Scenario: a secret after the first MiB, in the output or the logs
    When I run the system with arguments "secret-err"
    Then neither the output nor the logs in "logs" contain "hunter2-secret"
  @OUT-006
  Scenario: a bad line after the first MiB
    When I run the system with arguments "badline"
    Then the output conforms to "JSON Lines"
  @OUT-007
  Scenario: a bad row after the first MiB
    When I run the system with arguments "badrow"
    Then the output conforms to "CSV"
  @OUT-008
  Scenario: a difference after the first MiB
    When I run the system with arguments "varies"
    Then 1 repeated runs give identical output apart from "nothing"
  @OUT-009
  Scenario: the wanted text after the first MiB
    When I run the system with arguments "secret"
    Then the output contains "hunter2-secret"
  @OUT-010
  Scenario: the same output every time, past the first MiB
    When I run the system with arguments "filler"
    Then 1 repeated runs give identical output apart from "nothing"
"""


def test_every_check_reads_the_whole_output(pytester: pytest.Pytester) -> None:
    project(pytester, FEATURES, SYSTEM, **{"sut.py": SUT})
    (pytester.path / "logs").mkdir()
    (pytester.path / "logs" / "app.log").write_text("nothing to see\n")
    _, reqs = run(pytester)
    assert statuses(reqs) == {
        "OUT-001": "verified",
        "OUT-002": "verified",
        "OUT-003": "verified",
        "OUT-004": "failing",
        "OUT-005": "failing",
        "OUT-006": "failing",
        "OUT-007": "failing",
        "OUT-008": "failing",
        "OUT-009": "verified",
        "OUT-010": "verified",
    }
    assert "the output contains 'hunter2-secret'" in reqs["OUT-004"]["message"]
    assert "the error output of run 1" in reqs["OUT-005"]["message"]
    assert "line 10487: not JSON" in reqs["OUT-006"]["message"]
    assert "row 10487 has 2 fields, the first has 1" in reqs["OUT-007"]["message"]


INCOMPLETE = """
Feature: a stream the harness could not keep whole
  @INC-001
  Scenario: does not contain, on part of the output
    When I run the system with arguments "secret"
    Then the output does not contain "hunter2-secret"
  @INC-002
  Scenario: conforms, on part of the output
    When I run the system with arguments "csv"
    Then the output conforms to "CSV"
"""


def test_a_check_that_cannot_see_everything_is_an_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture, "MAX_SPOOL", 1 << 20)  # as if the disk were full after 1 MiB
    project(pytester, INCOMPLETE, SYSTEM, **{"sut.py": SUT})
    _, reqs = run(pytester)
    assert statuses(reqs) == {"INC-001": "error", "INC-002": "error"}
    for req in reqs.values():
        assert "could not be kept whole" in req["message"]
        assert "this check cannot see all of it" in req["message"]
        assert "1048576 of " in req["message"]
