"""ReqIF and needs.json written by other tools import into slots; a run's statuses export back.

The ReqIF files are test files of the ``reqif`` package (StrictDoc's, Polarion's and Eclipse RMF's
dialects), the needs.json one of sphinx-needs' (tests/data/*/README.md says where from). Each
exported file is read back with its own library or schema: ReqIF with ``reqif``'s parser and XSD
validation, needs.json against sphinx-needs' schema, CSV with ``csv``.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from living_checklist.exchange.slots import PENDING_STEP
from tests.helpers import run_with_report
from tests.test_exchange_import import cli, status_by_id, tree

DATA = Path(__file__).parent / "data"
REQIF_NS = {"r": "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"}

reqif_parser = pytest.importorskip("reqif.parser")


def spec_object_ids(path: Path, prefix: str) -> list[str]:
    """The IDENTIFIERs of the SPEC-OBJECTs, read with ElementTree (independently of our reader)."""
    root = ET.parse(path).getroot()
    ids = [o.get("IDENTIFIER", "") for o in root.iterfind(".//r:SPEC-OBJECT", REQIF_NS)]
    return [i for i in ids if i.startswith(prefix)]


def imported(root: Path, seed: str) -> dict[str, str]:
    """External id -> checklist id, from the import state."""
    state = json.loads((root / "seeds" / "imports" / f"{seed}.json").read_text(encoding="utf-8"))
    return {r["external_id"]: r["id"] for r in state["requirements"]}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sample2_sdoc.reqif", None),  # StrictDoc: sections are SPEC-OBJECTs with a ChapterName only
        ("sample1_polarion.reqif", ["LOREM-818"]),  # Polarion: a Heading type; ReqIF.ForeignID is the key
        ("sample_polarion_reqifz.reqifz", ["LOREM-818"]),
        ("sample3_eclipse_rmf.reqif", None),  # Eclipse RMF: XHTML names, no ReqIF.Text
    ],
)
def test_a_reqif_file_of_another_tool_imports_into_its_requirements(
    pytester: pytest.Pytester, name: str, expected: list[str] | None
) -> None:
    shutil.copy(DATA / "reqif" / name, pytester.path / name)
    if expected is None:
        prefix = "REQUIREMENT-" if "sdoc" in name else "_"
        expected = spec_object_ids(pytester.path / name, prefix)
    done = cli(pytester.path, "import", name)
    assert done.returncode == 0, done.stderr
    seed = name.lower().replace("_", "-").replace(".", "-")
    mapping = imported(pytester.path, seed)
    assert list(mapping) == expected
    dry = status_by_id(pytester.path)
    assert set(dry) == set(mapping.values())
    assert {(r["status"], r["reason"]) for r in dry.values()} == {("pending", "tbd")}
    before = tree(pytester.path)
    assert "nothing changed" in cli(pytester.path, "import", name).stdout
    assert tree(pytester.path) == before


def test_sdoc_texts_and_names_become_description_and_scenario_name(pytester: pytest.Pytester) -> None:
    shutil.copy(DATA / "reqif" / "sample2_sdoc.reqif", pytester.path / "s.reqif")
    assert cli(pytester.path, "import", "s.reqif").returncode == 0
    assert len(spec_object_ids(pytester.path / "s.reqif", "REQUIREMENT-")) == 8
    text = (pytester.path / "features" / "s-reqif" / "s.feature").read_text(encoding="utf-8")
    assert text.count("  Scenario: Requirement A\n    The system shall do A.\n") == 3
    assert text.count("\n  Scenario:") == 8


def test_a_needs_json_imports_every_need_of_the_current_version(pytester: pytest.Pytester) -> None:
    source = DATA / "needs" / "needs_test.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    expected = list(data["versions"][data["current_version"]]["needs"])
    shutil.copy(source, pytester.path / "needs.json")
    done = cli(pytester.path, "import", "needs.json")
    assert done.returncode == 0, done.stderr
    mapping = imported(pytester.path, "needs-json")
    assert list(mapping) == expected and len(expected) == 14
    assert mapping["TEST_01"] == "TEST-01"  # needs ids use '_': mapped, and the mapping kept
    assert set(status_by_id(pytester.path)) == set(mapping.values())
    before = tree(pytester.path)
    assert "nothing changed" in cli(pytester.path, "import", "needs.json").stdout
    assert tree(pytester.path) == before


CONFTEST = """\
from pytest_bdd import parsers, then

from living_checklist import check


@then(parsers.parse("the answer is {n:d}"))
def answer(request, n):
    check(request.node, "answer", 42, "", n, "==")
"""


def _fill(feature: Path, requirement: str, step: str) -> None:
    text = feature.read_text(encoding="utf-8")
    head, _, tail = text.partition(f"  @{requirement}\n")
    assert tail, requirement
    tail = tail.replace(PENDING_STEP, step, 1)
    feature.write_text(head + f"  @{requirement}\n" + tail, encoding="utf-8")


@pytest.fixture
def ran(pytester: pytest.Pytester) -> tuple[pytest.Pytester, dict[str, Any], dict[str, str]]:
    """The needs.json imported, two slots filled in (one passes, one fails), run with the JSON report."""
    shutil.copy(DATA / "needs" / "needs_test.json", pytester.path / "needs.json")
    assert cli(pytester.path, "import", "needs.json").returncode == 0
    pytester.makeconftest(CONFTEST)
    feature = pytester.path / "features" / "needs-json" / "needs.feature"
    _fill(feature, "TEST-01", "Then the answer is 42")
    _fill(feature, "IMPL-01", "Then the answer is 41")
    _, report = run_with_report(pytester)
    shutil.copy(pytester.path / "checklist.json", pytester.path / "report.json")
    return pytester, report, imported(pytester.path, "needs-json")


EXPECTED = {"TEST_01": "verified", "IMPL_01": "failing"}


def _statuses_by_external(report: dict[str, Any], mapping: dict[str, str]) -> dict[str, str]:
    by_id = {r["id"]: r["status"] for r in report["requirements"]}
    return {ext: by_id[rid] for ext, rid in mapping.items()}


def test_export_reqif_reads_back_with_the_reqif_package(
    ran: tuple[pytest.Pytester, dict[str, Any], dict[str, str]],
) -> None:
    pytester, report, mapping = ran
    done = cli(pytester.path, "export", "report.json", "--format", "reqif", "-o", "out.reqif")
    assert done.returncode == 0, done.stderr
    bundle = reqif_parser.ReqIFParser.parse(str(pytester.path / "out.reqif"))
    got = {}
    for spec_object in bundle.core_content.req_if_content.spec_objects:
        spec_type = bundle.lookup.get_spec_type_by_ref(spec_object.spec_object_type)
        names = {d.identifier: d.long_name for d in spec_type.attribute_definitions}
        values = {names[a.definition_ref]: a.value for a in spec_object.attributes}
        assert spec_object.identifier == values["ReqIF.ForeignID"]  # identifiers intact
        got[values["ReqIF.ForeignID"]] = values
    assert {ext: v["Checklist.Status"] for ext, v in got.items()} == _statuses_by_external(report, mapping)
    assert {ext: got[ext]["Checklist.Status"] for ext in EXPECTED} == EXPECTED
    assert "measured 42, required == 41" in got["IMPL_01"]["Checklist.Measured"]
    validate = subprocess.run(
        [sys.executable, "-m", "reqif.cli.main", "validate", "--use-reqif-schema", str(pytester.path / "out.reqif")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    # ...and a re-import of the export keeps the ids
    assert cli(pytester.path, "import", "out.reqif", "--into", "features/again").returncode == 0
    assert list(imported(pytester.path, "out-reqif")) == list(mapping)


def test_export_needs_json_matches_sphinx_needs_schema(
    ran: tuple[pytest.Pytester, dict[str, Any], dict[str, str]],
) -> None:
    pytester, report, mapping = ran
    done = cli(pytester.path, "export", "report.json", "--format", "needs", "-o", "out.json")
    assert done.returncode == 0, done.stderr
    data = json.loads((pytester.path / "out.json").read_text(encoding="utf-8"))
    schema = json.loads((DATA / "needs" / "needsfile.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    needs = data["versions"][data["current_version"]]["needs"]
    assert {ext: n["status"] for ext, n in needs.items()} == _statuses_by_external(report, mapping)
    assert {ext: needs[ext]["status"] for ext in EXPECTED} == EXPECTED


def test_export_csv_and_xray_keep_pending_as_to_do(ran: tuple[pytest.Pytester, dict[str, Any], dict[str, str]]) -> None:
    pytester, report, mapping = ran
    assert cli(pytester.path, "export", "report.json", "--format", "csv", "-o", "out.csv").returncode == 0
    with (pytester.path / "out.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert {ext: r["status"] for ext, r in rows.items()} == _statuses_by_external(report, mapping)
    assert rows["IMPL_01"]["requirement"] == "IMPL-01"
    assert cli(pytester.path, "export", "report.json", "--format", "xray", "-o", "xray.json").returncode == 0
    tests = {t["testKey"]: t for t in json.loads((pytester.path / "xray.json").read_text(encoding="utf-8"))["tests"]}
    assert tests["TEST_01"]["status"] == "PASSED" and tests["IMPL_01"]["status"] == "FAILED"
    pending = [ext for ext, s in _statuses_by_external(report, mapping).items() if s == "pending"]
    assert len(pending) == 12 and all(tests[ext]["status"] == "TODO" for ext in pending)
    assert cli(pytester.path, "export", "missing.json", "--format", "csv", "-o", "x.csv").returncode == 2


XRAY_FEATURE = """\
@REQ_CALC-1
Feature: Calculator

  @TEST_CALC-2
  Scenario: Add two numbers
    Given I have entered 50 into the calculator
    And I have entered 70 into the calculator
    When I press add
    Then the result should be 120 on the screen

  @TEST_CALC-3 @smoke
  Scenario Outline: Divide
    Given I have entered <a> into the calculator
    When I press divide
    Then the result should be <r> on the screen

    Examples:
      | a | r |
      | 6 | 3 |
"""


def test_an_xray_export_zip_or_folder_imports_one_slot_per_test_key(pytester: pytest.Pytester) -> None:
    import zipfile

    folder = pytester.path / "xray-export"
    folder.mkdir()
    (folder / "1_CALC-1.feature").write_text(XRAY_FEATURE, encoding="utf-8")
    (folder / "2_CALC-9.feature").write_text(
        "Feature: Other\n  @CALC-9\n  Scenario: Legacy key tag\n    Then it works\n", encoding="utf-8"
    )
    with zipfile.ZipFile(pytester.path / "FeatureBundle.zip", "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    done = cli(pytester.path, "import", "FeatureBundle.zip")
    assert done.returncode == 0, done.stderr
    assert list(imported(pytester.path, "featurebundle-zip")) == ["CALC-2", "CALC-3", "CALC-9"]
    text = (pytester.path / "features/featurebundle-zip/featurebundle.feature").read_text(encoding="utf-8")
    assert "  Scenario: Add two numbers\n    » Given I have entered 50 into the calculator\n" in text
    again = cli(pytester.path, "import", "xray-export", "--into", "features/folder")
    assert again.returncode == 0, again.stderr
    mapping = imported(pytester.path, "xray-export")
    assert list(mapping) == ["CALC-2", "CALC-3", "CALC-9"]
    assert set(mapping.values()).isdisjoint({"CALC-2", "CALC-3", "CALC-9"})  # taken by the zip's slots: mapped
    before = tree(pytester.path)
    assert "nothing changed" in cli(pytester.path, "import", "xray-export", "--into", "features/folder").stdout
    assert tree(pytester.path) == before
    (folder / "2_CALC-9.feature").write_text("Feature: Other\n  Scenario: no key\n    Then x\n", encoding="utf-8")
    refused = cli(pytester.path, "import", "xray-export", "--into", "features/folder")
    assert refused.returncode == 2 and "no Xray test key tag" in refused.stderr
