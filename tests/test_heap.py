"""The long-lived heap of a big session is frozen out of the GC's way (``run.heap``) and nothing else
changes: with ``FREEZE_AT`` lowered to 5, a 12-case run freezes between files (after a collect that
frees the garbage so far) and reports exactly what a run that never freezes reports.

Real processes: a freeze in pytester's in-process run would freeze this test session's heap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from living_checklist.reports import JSON_OPTION
from tests.helpers import COUNTER_STEPS, COUNTER_THEN

PROBE = """

import gc
import json
import os
import weakref

from living_checklist.run import heap

heap.FREEZE_AT = int(os.environ["CHECKLIST_TEST_FREEZE_AT"])
EVENTS = []
_freeze = heap.HeapFreezer.freeze


def _logged(self):
    EVENTS.append("freeze")
    _freeze(self)
    EVENTS.append("frozen")


heap.HeapFreezer.freeze = _logged


class Cycle:
    pass


def pytest_collectstart(collector):
    cycle = Cycle()
    cycle.me = cycle
    EVENTS.append("cycle")
    weakref.finalize(cycle, EVENTS.append, "freed")


def pytest_runtest_logfinish(nodeid, location):
    EVENTS.append(nodeid)


def pytest_unconfigure(config):
    with open("events.json", "w") as out:
        json.dump({"events": EVENTS, "frozen": gc.get_freeze_count()}, out)
"""


def feature(n: int) -> str:
    return (
        f"Feature: area {n}\n"
        f"  @REQ-{n}01\n  Scenario: adds\n    Given a counter at {n}\n    When I add 1\n"
        f"    Then the counter is {n + 1}\n"
        f"  @REQ-{n}02\n  Scenario: not written yet\n    Given a counter at {n}\n    When I divide by 2\n"
        f"  @REQ-{n}03\n  Scenario: fails\n    Given a counter at {n}\n    Then the counter is {n + 7}\n"
    )


def run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, freeze_at: int
) -> tuple[dict[str, Any], dict[str, Any], pytest.RunResult]:
    pytester.makefile(".toml", pyproject='[tool.pytest.ini_options]\nchecklist_features = "features"\n')
    pytester.makeconftest(COUNTER_STEPS + COUNTER_THEN + PROBE)
    for n in range(1, 5):
        (pytester.path / "features" / f"area_{n}.feature").write_text(feature(n), encoding="utf-8")
    report = pytester.path / "checklist.json"
    monkeypatch.setenv("CHECKLIST_TEST_FREEZE_AT", str(freeze_at))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", JSON_OPTION, str(report))
    data = json.loads(report.read_text(encoding="utf-8"))
    probe = json.loads((pytester.path / "events.json").read_text(encoding="utf-8"))
    return data, probe, result


def verdicts(data: dict[str, Any]) -> list[Any]:
    keep = ("nodeid", "status", "reason", "message", "steps")
    return [
        (req["id"], req["status"], [{k: case.get(k) for k in keep} for case in req["cases"]])
        for req in data["requirements"]
    ]


def test_a_big_session_freezes_between_files_and_reports_the_same(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    never, never_probe, never_result = run(pytester, monkeypatch, 10**9)
    frozen, probe, result = run(pytester, monkeypatch, 5)
    assert never_probe["frozen"] == 0 and "freeze" not in never_probe["events"]
    assert probe["frozen"] > 0
    assert verdicts(frozen) == verdicts(never) and frozen["totals"] == never["totals"]
    assert result.parseoutcomes() == never_result.parseoutcomes() == {"passed": 4, "failed": 4, "xfailed": 4}
    events = probe["events"]
    ran = [e for e in events if "::" in e]
    assert len(ran) == 12
    for at, event in enumerate(events):
        if event == "frozen":  # every cycle dropped before the freeze was collected, not frozen
            assert events[:at].count("cycle") == events[:at].count("freed")
    # Collection: after the second and the fourth file (6 cases each time), then at its end.
    first_run = events.index(ran[0])
    assert events[:first_run].count("freeze") == 3
    # Run: once, between the second file's last case and the third file's first.
    run_freezes = [at for at in range(first_run, len(events)) if events[at] == "freeze"]
    assert len(run_freezes) == 1
    before = [e for e in events[: run_freezes[0]] if "::" in e][-1]
    after = [e for e in events[run_freezes[0] :] if "::" in e][0]
    assert Path(before.split("::")[0]).name == "area_2.feature"
    assert Path(after.split("::")[0]).name == "area_3.feature"
