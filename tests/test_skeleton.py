"""The project's own checklist: every slot pending, counted exactly, and live once filled in."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

REPO = Path(__file__).resolve().parents[1]
ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d+$")


def _copy_project(pytester: pytest.Pytester) -> Path:
    for name in ("features", "seeds", "steps"):
        shutil.copytree(REPO / name, pytester.path / name, ignore=shutil.ignore_patterns("__pycache__", "*.txt"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO / name, pytester.path / name)
    return pytester.path


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    report = pytester.path / "checklist.json"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--checklist-json={report}", *args)
    return result, json.loads(report.read_text(encoding="utf-8"))


def _official_counts(features: Path) -> tuple[int, int]:
    """Requirements and cases as gherkin-official sees them, independently of our inventory."""
    requirements = cases = 0
    for path in sorted(features.rglob("*.feature")):
        document: dict[str, Any] = dict(Parser().parse(path.read_text(encoding="utf-8")))
        feature: dict[str, Any] = document.get("feature") or {}
        for child in feature.get("children", []):
            if "scenario" in child:
                requirements += 1
            rule: dict[str, Any] = child.get("rule", {})
            requirements += sum("scenario" in grandchild for grandchild in rule.get("children", []))
        cases += len(Compiler().compile({**document, "uri": str(path)}))  # type: ignore[typeddict-item]
    return requirements, cases


def test_every_slot_is_pending_with_a_reason_and_counted_exactly(pytester: pytest.Pytester) -> None:
    root = _copy_project(pytester)
    result, data = _run(pytester)
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*= living checklist =*", "requirements: *"])
    totals = data["totals"]
    assert (totals["requirements"], totals["cases"]) == _official_counts(root / "features")
    assert 40 <= totals["requirements"] <= 80
    assert totals["pending"] == totals["requirements"] and totals["defined"] == 0
    ids = [req["id"] for req in data["requirements"]]
    assert len(ids) == len(set(ids)) and all(ID.match(i) for i in ids)
    areas = {req["area"] for req in data["requirements"]}
    assert {"behaviour", "hardware", "performance", "reliability", "security"} <= areas
    for req in data["requirements"]:
        assert req["reason"] == "tbd", req
        assert req["description"], f"{req['id']} says nobody who decides it or how to fill it in"
    assert [e for e in data["errors"] if e["severity"] == "error"] == []


@pytest.mark.parametrize(("value", "status"), [("1", "verified"), ("100000", "failing")])
def test_filling_in_one_tbd_makes_that_requirement_live(pytester: pytest.Pytester, value: str, status: str) -> None:
    _copy_project(pytester)
    _, before = _run(pytester)
    feature = pytester.path / "features" / "hardware" / "machine.feature"
    text = feature.read_text(encoding="utf-8")
    slot = "Given the machine has at least TBD CPU cores"
    filled = text.replace(slot, slot.replace("TBD", value))
    assert filled != text, "precondition: HW-001 is still the CPU-core slot"
    feature.write_text(filled, encoding="utf-8")
    result, after = _run(pytester)
    changed = {
        a["id"]: (a["status"], b["status"])
        for a, b in zip(before["requirements"], after["requirements"], strict=True)
        if (a["status"], a["reason"]) != (b["status"], b["reason"])
    }
    assert changed == {"HW-001": ("pending", status)}
    (hw,) = [r for r in after["requirements"] if r["id"] == "HW-001"]
    (measurement,) = hw["cases"][0]["measurements"]
    assert measurement["value"] == os.cpu_count() and measurement["required"] == float(value)
    if status == "failing":
        assert result.ret == 1
        assert f"measured {os.cpu_count()} CPU cores, required >= {value}" in hw["message"]
    else:
        assert result.ret == 0
