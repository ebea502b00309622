"""The differential harness: one project run through pytest-bdd's ``scenarios()`` and through the plugin.

A recorder conftest, the same in both runs, writes every pytest-bdd hook call (with the Feature,
Scenario and Step objects it got, flattened) and every test outcome to ``records.jsonl``. The two
runs are compared scenario by scenario; pytest-bdd's record is first turned into what the plugin
must do where it differs on purpose (see ``expected_from_pytest_bdd`` and the README).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_bdd.feature

from tests.helpers import write_files

RECORDER = '''
import json, os
import pytest

_RECORDS = os.path.join(os.path.dirname(__file__), "records.jsonl")
_open = {}


def _write(record):
    with open(_RECORDS, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, sort_keys=True) + "\\n")


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return type(value).__name__


def _step(step):
    table = step.datatable.raw() if step.datatable is not None else None
    return [step.keyword, step.type, step.name, step.line_number, step.indent, step.docstring, table]


def _scenario(feature, scenario):
    rule = scenario.rule
    return {
        "feature": [feature.name, feature.keyword, feature.rel_filename, feature.language, feature.line_number,
                    feature.description, sorted(feature.tags), os.path.basename(feature.filename)],
        "scenario": [scenario.name, scenario.keyword, scenario.line_number, scenario.description,
                     sorted(scenario.tags)],
        "rule": None if rule is None else [rule.name, rule.keyword, rule.description, sorted(rule.tags)],
        "steps": [_step(s) for s in scenario.steps],
    }


def _event(request, name, **data):
    _open.setdefault(request.node.nodeid, []).append([name, data])


def pytest_bdd_before_scenario(request, feature, scenario):
    _event(request, "before_scenario", **_scenario(feature, scenario))


def pytest_bdd_after_scenario(request, feature, scenario):
    _event(request, "after_scenario")


def pytest_bdd_before_step(request, feature, scenario, step, step_func):
    assert step in scenario.steps
    _event(request, "before_step", line=step.line_number, func=step_func.__name__)


def pytest_bdd_before_step_call(request, feature, scenario, step, step_func, step_func_args):
    _event(request, "before_step_call", line=step.line_number, args=_plain(step_func_args))


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args):
    _event(request, "after_step", line=step.line_number, args=sorted(step_func_args))


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    _event(request, "step_error", line=step.line_number, exception=type(exception).__name__)


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception):
    _event(request, "step_func_lookup_error", line=step.line_number, exception=type(exception).__name__)


def pytest_runtest_logreport(report):
    if report.when == "call" or not report.passed:
        outcome = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        _write({"nodeid": report.nodeid, "when": report.when, "outcome": outcome,
                "events": _open.pop(report.nodeid, [])})
'''

# pytest-bdd registers no marker for a tag; its warning is not what is compared.
IGNORE_MARKS = "ignore::pytest.PytestUnknownMarkWarning"

PYPROJECT = """
[tool.pytest.ini_options]
checklist_features = "features"
"""

BDD_TEST_MODULE = """
from pytest_bdd import scenarios

scenarios("features")
"""


@dataclass(frozen=True)
class Run:
    result: pytest.RunResult
    records: list[dict[str, Any]]

    def cases(self) -> list[tuple[str, str, str]]:
        """(scenario as pytest-bdd sees it, outcome, hook calls) per test, sorted: node ids left out."""
        out = []
        for record in self.records:
            events = record["events"]
            head = json.dumps(events[0][1], sort_keys=True) if events else ""
            out.append((head, f"{record['when']}:{record['outcome']}", json.dumps(events[1:], sort_keys=True)))
        return sorted(out)


def run_recorded(pytester: pytest.Pytester, *args: str) -> Run:
    """Run pytest in the project; the recorder conftest's records of this run."""
    records = pytester.path / "records.jsonl"
    records.unlink(missing_ok=True)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", IGNORE_MARKS, *args)
    lines = records.read_text(encoding="utf-8").splitlines() if records.exists() else []
    return Run(result, [json.loads(line) for line in lines])


def run_both(pytester: pytest.Pytester, files: Mapping[str, str], steps: str) -> tuple[Run, Run]:
    """Run ``files`` (feature files under features/) with ``steps`` as the root conftest, both ways."""
    write_files(
        pytester.path,
        {
            **files,
            "conftest.py": RECORDER + "\n\n# --- step definitions ---\n" + steps,
            "pyproject.toml": PYPROJECT,
            "test_bdd.py": BDD_TEST_MODULE,
        },
    )
    # pytest-bdd caches parsed feature files by path for the process: a rewritten file must be reread.
    pytest_bdd.feature.features.clear()
    theirs = run_recorded(pytester, "-p", "no:living_checklist", "test_bdd.py")
    ours = run_recorded(pytester, "features")
    return ours, theirs


def expected_from_pytest_bdd(theirs: Run, undefined: Set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """pytest-bdd's record as the plugin must reproduce it, with the README's deliberate differences:

    an undefined step makes the case pending (xfailed), not failed, also when a step before it
    fails (``undefined`` names such scenarios); the hook calls are the same.
    """
    out = []
    for record in theirs.records:
        events = record["events"]
        outcome = f"{record['when']}:{record['outcome']}"
        name = events[0][1]["scenario"][0] if events else None
        if any(event == "step_func_lookup_error" for event, _ in events) or (
            name in undefined and outcome == "call:failed"
        ):
            outcome = "call:xfailed"
        head = json.dumps(events[0][1], sort_keys=True) if events else ""
        out.append((head, outcome, json.dumps(events[1:], sort_keys=True)))
    return sorted(out)


def assert_same(ours: Run, theirs: Run, undefined: Set[str] = frozenset()) -> None:
    expected = expected_from_pytest_bdd(theirs, undefined)
    got = ours.cases()
    assert len(got) == len(expected), (ours.result.stdout.str(), theirs.result.stdout.str())
    for mine, reference in zip(got, expected, strict=True):
        assert mine == reference, "\n".join(
            ["the plugin and pytest-bdd differ:", f"  plugin:     {mine}", f"  pytest-bdd: {reference}"]
        )
