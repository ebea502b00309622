"""Each run step owns its evidence: an exit status stated for one run never covers another.

A series (``the system runs <n> times``) or copies with no ``Then the exit status is <n>`` right
after them fail on a run that did not exit 0, whatever an earlier step or a Background said.
"""

from __future__ import annotations

import os
import shlex
import sys

import pytest

from tests.helpers import run_by_id as run
from tests.helpers import statuses
from tests.test_live_steps import project

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

# Exits with the status named by its first argument ("0" or "1").
SUT = "import sys\nsys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)\n"
SYSTEM = shlex.join([sys.executable, "sut.py"])

BACKGROUND = """
Feature: each phrase owns its evidence
  Background:
    When I run the system with arguments "0"
    Then the exit status is 0

  @EV-001
  Scenario: a failing series after a background that said 0
    When the system runs 5 times with arguments "1"
    Then the median wall time is at most 100000 ms

  @EV-002
  Scenario: the series states its own status
    When the system runs 3 times with arguments "1"
    Then the exit status is 1

  @EV-003
  Scenario: copies after a background that said 0
    When 3 copies of the system run at the same time with arguments "1"
    Then the median wall time is at most 100000 ms
"""

SCENARIOS = """
Feature: each phrase owns its evidence
  @EV-101
  Scenario: a single run said 0, then a series that fails
    When I run the system with arguments "0"
    Then the exit status is 0
    When the system runs 4 times with arguments "1"
    Then the throughput is at least 0.001 runs per second

  @EV-102
  Scenario: a status stated after a later run does not cover the series before it
    When the system runs 3 times with arguments "1"
    And I run the system with arguments "1"
    Then the exit status is 1

  @EV-103
  Scenario: a series of successful runs after a failing one
    When I run the system with arguments "1"
    Then the exit status is 1
    When the system runs 5 times with arguments "0"
    Then the median wall time is at most 100000 ms

  @EV-104
  Scenario: a series followed by its status and a figure
    When the system runs 5 times with arguments "0"
    Then the exit status is 0
    And the median wall time is at most 100000 ms

  @EV-105
  Scenario: a series whose status is stated after a figure step
    When the system runs 5 times with arguments "1"
    Then the median wall time is at most 100000 ms
    And the exit status is 1
"""


def test_a_background_exit_status_does_not_cover_a_later_series(pytester: pytest.Pytester) -> None:
    project(pytester, BACKGROUND, SYSTEM, **{"sut.py": SUT})
    _, reqs = run(pytester)
    assert statuses(reqs) == {"EV-001": "failing", "EV-002": "verified", "EV-003": "failing"}
    assert "run 1 of 5 exited with status 1" in reqs["EV-001"]["message"]
    assert "copy 1 of 3" in reqs["EV-003"]["message"] or "run 1 of 3" in reqs["EV-003"]["message"]


def test_an_exit_status_belongs_to_the_run_step_before_it(pytester: pytest.Pytester) -> None:
    project(pytester, SCENARIOS, SYSTEM, **{"sut.py": SUT})
    _, reqs = run(pytester)
    assert statuses(reqs) == {
        "EV-101": "failing",
        "EV-102": "failing",
        "EV-103": "verified",
        "EV-104": "verified",
        "EV-105": "verified",
    }
    assert "run 1 of 4 exited with status 1" in reqs["EV-101"]["message"]
    assert "run 1 of 3 exited with status 1" in reqs["EV-102"]["message"]
