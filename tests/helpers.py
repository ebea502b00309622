"""Helpers shared by the end-to-end tests: write a project, run it, read the validated report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from living_checklist.reports import JSON_OPTION

# The counter steps several tests' projects use: Given and When with target_fixture, then the Then.
COUNTER_STEPS = """\
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a counter at {n:d}"), target_fixture="counter")
def _(n):
    return n


@when(parsers.parse("I add {n:d}"), target_fixture="counter")
def _(counter, n):
    return counter + n
"""

COUNTER_THEN = """

@then(parsers.parse("the counter is {n:d}"))
def _(counter, n):
    assert counter == n
"""

SCHEMA: dict[str, Any] = json.loads(
    resources.files("living_checklist").joinpath("reports", "report.schema.json").read_text(encoding="utf-8")
)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write each file under ``root``, bytes as they are and text as UTF-8."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def run_with_report(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    """Run pytest with the JSON report; return the result and the report, validated by its schema."""
    report = pytester.path / "checklist.json"
    report.unlink(missing_ok=True)
    result = pytester.runpytest("-p", "no:cacheprovider", JSON_OPTION, str(report), *args)
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    return result, data


def run_by_id(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, dict[str, Any]]]:
    """``run_with_report``, with the report's requirements keyed by id."""
    result, data = run_with_report(pytester, *args)
    return result, {req["id"]: req for req in data["requirements"]}


def figures(req: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every measurement of a requirement, by name."""
    return {m["name"]: m for case in req["cases"] for m in case["measurements"]}


def statuses(reqs: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {rid: req["status"] for rid, req in reqs.items()}
