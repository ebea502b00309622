"""The skeleton: what ``living-checklist init`` writes, and this repository, which is that skeleton.

Nothing here depends on how far this repository's slots are filled in: the all-pending checks
run on what ``init`` writes (always every value TBD), and the repository is only compared with
it, a filled-in value matching the ``TBD`` it replaces.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from living_checklist import cli
from living_checklist.cli.init import SETTINGS, skeleton_files

REPO = Path(__file__).resolve().parents[1]
ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d+$")


def _init(pytester: pytest.Pytester) -> Path:
    (pytester.path / "tox.ini").unlink()  # the tests' default ini: init writes a project of its own
    assert cli.main(["init", str(pytester.path)]) == 0
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


def test_every_slot_init_writes_is_pending_with_a_reason_and_counted_exactly(pytester: pytest.Pytester) -> None:
    root = _init(pytester)
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
    assert data["seeds"] == []


@pytest.mark.parametrize(("value", "status"), [("1", "verified"), ("100000", "failing")])
def test_filling_in_one_tbd_makes_that_requirement_live(pytester: pytest.Pytester, value: str, status: str) -> None:
    _init(pytester)
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


def _filled_in(template_line: str, line: str) -> bool:
    """Whether ``line`` is ``template_line`` with each TBD replaced by some value (or left TBD)."""
    parts = [re.escape(part) for part in template_line.split("TBD")]
    return re.fullmatch("(?:.+?)".join(parts), line) is not None


def test_the_repository_is_the_skeleton_init_writes() -> None:
    """features/, steps/ and conftest.py agree with the template, apart from filled-in values and seeds."""
    template = dict(skeleton_files())
    features = {rel for rel in template if rel.startswith("features/") and rel.endswith(".feature")}
    assert features == {p.relative_to(REPO).as_posix() for p in (REPO / "features").rglob("*.feature")}
    for rel in sorted(features | {"steps/__init__.py", "steps/placeholders.py"}):
        want = template[rel].splitlines()
        have = (REPO / rel).read_text(encoding="utf-8").splitlines()
        assert len(have) == len(want), f"{rel}: {len(have)} lines here, {len(want)} in the skeleton"
        for number, (a, b) in enumerate(zip(want, have, strict=True), 1):
            assert a == b or ("TBD" in a and _filled_in(a, b)), f"{rel}:{number}: {b!r} is not the skeleton's {a!r}"
    conftest = (REPO / "conftest.py").read_text(encoding="utf-8").splitlines()
    missing = [line for line in template["conftest.py"].splitlines() if line not in conftest]
    assert missing == [], f"conftest.py lacks lines of the skeleton's: {missing}"
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    for key, value in SETTINGS:
        expected = tomllib.loads(f"v = {value}")["v"]
        assert key in settings, f"pyproject.toml lacks {key}"
        assert settings[key] == expected or expected == "TBD", f"{key} = {settings[key]!r}, skeleton {expected!r}"
