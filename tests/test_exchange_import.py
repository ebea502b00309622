"""``living-checklist import`` and ``review``: documents become pending slots; re-imports merge.

End to end with real ``living-checklist`` processes in pytester projects, the run's own JSON
report, and Hypothesis for the CSV round trip and the idempotence of an import.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from living_checklist.core.inventory import parse_feature
from living_checklist.exchange import sources
from living_checklist.exchange.slots import PENDING_STEP, Target, description_lines, import_requirements
from tests.helpers import run_by_id

DATA = Path(__file__).parent / "data"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "living_checklist", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def status_by_id(root: Path) -> dict[str, dict[str, Any]]:
    done = cli(root, "status", "--format", "json", "--no-cache")
    assert done.returncode == 0, done.stderr
    return {r["id"]: r for r in json.loads(done.stdout)["requirements"]}


def write_csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("id", "text")) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under features/ and seeds/ with its bytes and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for folder in ("features", "seeds")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


ROWS = [(f"REQ-{n}", f"The system handles case {n} within {n} ms.") for n in range(1, 201)]


def test_a_csv_of_200_requirements_is_200_pending_slots_and_a_second_import_changes_nothing(
    pytester: pytest.Pytester,
) -> None:
    write_csv(pytester.path / "reqs.csv", ROWS)
    first = cli(pytester.path, "import", "reqs.csv")
    assert first.returncode == 0, first.stderr
    assert "200 requirements" in first.stdout and "added: 200" in first.stdout
    dry = status_by_id(pytester.path)
    assert set(dry) == {rid for rid, _ in ROWS}
    assert {(r["status"], r["reason"]) for r in dry.values()} == {("pending", "tbd")}
    before = tree(pytester.path)
    second = cli(pytester.path, "import", "reqs.csv")
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout and "unchanged: 200" in second.stdout
    assert tree(pytester.path) == before
    _, reqs = run_by_id(pytester)
    assert set(reqs) == set(dry)
    assert all((r["status"], r["reason"]) == ("pending", "tbd") for r in reqs.values())
    req = reqs["REQ-7"]
    assert req["seeds"] == ["reqs-csv"]
    manifest = (pytester.path / "seeds" / "manifest.toml").read_text(encoding="utf-8")
    assert 'file = "imports/reqs-csv/reqs.csv"' in manifest


def test_a_changed_text_makes_exactly_that_slot_suspect_until_review(pytester: pytest.Pytester) -> None:
    rows = ROWS[:5]
    write_csv(pytester.path / "reqs.csv", rows)
    assert cli(pytester.path, "import", "reqs.csv").returncode == 0
    changed = [(rid, "The system handles case 3 within 1 ms.") if rid == "REQ-3" else (rid, t) for rid, t in rows]
    write_csv(pytester.path / "reqs.csv", changed)
    again = cli(pytester.path, "import", "reqs.csv")
    assert again.returncode == 0, again.stderr
    assert "suspect: 1" in again.stdout
    dry = status_by_id(pytester.path)
    _, run = run_by_id(pytester)
    for reqs in (dry, run):
        assert {rid for rid, r in reqs.items() if r["reason"] == "suspect"} == {"REQ-3"}
        assert reqs["REQ-3"]["status"] == "pending"
        message = reqs["REQ-3"]["message"]
        assert "old: The system handles case 3 within 3 ms." in message
        assert "new: The system handles case 3 within 1 ms." in message
    feature = (pytester.path / "features" / "reqs-csv" / "reqs.feature").read_text(encoding="utf-8")
    assert "case 3 within 1 ms." in feature and "case 3 within 3 ms." not in feature
    reviewed = cli(pytester.path, "review", "REQ-3")
    assert reviewed.returncode == 0, reviewed.stderr
    assert "reviewed REQ-3" in reviewed.stdout
    _, run = run_by_id(pytester)
    assert run["REQ-3"]["reason"] == "tbd"
    assert cli(pytester.path, "review", "NOPE-1").returncode == 2
    assert "REQ-3: not suspect" in cli(pytester.path, "review", "REQ-3").stdout


def test_a_filled_in_slot_is_never_overwritten_and_a_removed_requirement_is_kept(pytester: pytest.Pytester) -> None:
    write_csv(pytester.path / "reqs.csv", ROWS[:4])
    assert cli(pytester.path, "import", "reqs.csv").returncode == 0
    feature = pytester.path / "features" / "reqs-csv" / "reqs.feature"
    filled = feature.read_text(encoding="utf-8").replace(
        f"  @REQ-2\n  Scenario: The system handles case 2 within 2 ms.\n    The system handles case 2 within 2 ms.\n\n"
        f"    {PENDING_STEP}",
        "  @REQ-2\n  Scenario: The system handles case 2 within 2 ms.\n    Our own words.\n\n"
        '    Then the requirement is checked by "a design review"',
    )
    assert filled != feature.read_text(encoding="utf-8")
    feature.write_text(filled, encoding="utf-8")
    rows = [(rid, f"{text} Changed.") for rid, text in ROWS[:3]]  # REQ-4 is gone, every text changed
    write_csv(pytester.path / "reqs.csv", rows)
    again = cli(pytester.path, "import", "reqs.csv")
    assert again.returncode == 0, again.stderr
    assert "filled in (left alone): 1" in again.stdout
    assert "removed from the source (kept): 1" in again.stdout and "  REQ-4" in again.stdout
    text = feature.read_text(encoding="utf-8")
    assert "Our own words." in text and 'checked by "a design review"' in text
    assert "case 2 within 2 ms. Changed." not in text  # the filled-in slot keeps the words it had
    assert "case 1 within 1 ms. Changed." in text
    dry = status_by_id(pytester.path)
    assert set(dry) == {"REQ-1", "REQ-2", "REQ-3", "REQ-4"}  # reported, not deleted
    assert {rid for rid, r in dry.items() if r["reason"] == "suspect"} == {"REQ-1", "REQ-2", "REQ-3"}


def test_ids_the_pattern_refuses_are_mapped_and_the_mapping_kept(pytester: pytest.Pytester) -> None:
    write_csv(pytester.path / "reqs.csv", [("sr_pump_1", "Pump one."), ("8f1c", "No letters first."), ("8f1c2", "x")])
    done = cli(pytester.path, "import", "reqs.csv")
    assert done.returncode == 0, done.stderr
    assert "'sr_pump_1' -> SR-PUMP-1" in done.stdout
    assert set(status_by_id(pytester.path)) == {"SR-PUMP-1", "REQS-CSV-1", "REQS-CSV-2"}
    state = json.loads((pytester.path / "seeds" / "imports" / "reqs-csv.json").read_text(encoding="utf-8"))
    assert {r["external_id"]: r["id"] for r in state["requirements"]}["8f1c"] == "REQS-CSV-1"


def test_bad_input_is_one_line_and_exit_2(pytester: pytest.Pytester) -> None:
    write_csv(pytester.path / "reqs.csv", [("A-1", "x")], header=("key", "text"))
    done = cli(pytester.path, "import", "reqs.csv")
    assert done.returncode == 2
    assert "no column 'id'" in done.stderr and "--id-column" in done.stderr
    assert cli(pytester.path, "import", "reqs.csv", "--id-column", "key").returncode == 0
    assert cli(pytester.path, "import", "missing.csv").returncode == 2
    write_csv(pytester.path / "dup.csv", [("A-1", "x"), ("A-1", "y")])
    dup = cli(pytester.path, "import", "dup.csv")
    assert dup.returncode == 2 and "appears again" in dup.stderr


# ---------------------------------------------------------------------------------------------
# Properties, in-process

_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_. -]{0,8}", fullmatch=True).map(str.strip).filter(bool)
_texts = st.text(st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from('\n,";@#|*'), max_size=60)


@given(st.lists(st.tuples(_ids, _texts), max_size=12, unique_by=lambda row: row[0]))
@example([("REQ-1", 'Given "x", then\n| a |'), ("Scenario: 2", "@tag #c"), ("a b", "")])
@settings(deadline=None, max_examples=40)
def test_csv_round_trip_and_a_second_import_writes_nothing(rows: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "features").mkdir()
        write_csv(root / "reqs.csv", rows)
        read = sources.read_csv(root / "reqs.csv", sources.Columns())
        assert [(r.external_id, r.text) for r in read] == [(i, t.strip()) for i, t in rows]
        target = Target(root, "features/reqs-csv/reqs.feature", "seeds", r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d+$")
        import_requirements(root / "reqs.csv", "csv", read, target)
        doc = parse_feature((root / target.feature).read_bytes(), target.feature) if read else None
        if doc is not None:
            assert not doc.errors
            assert len(doc.requirements) == len(read)
            assert len({r.id for r in doc.requirements}) == len(read)
            for req, source in zip(doc.requirements, read, strict=True):
                assert req.description.splitlines() == description_lines(source.text)
        again = import_requirements(root / "reqs.csv", "csv", read, target)
        assert again.written == [] and again.added == [] and again.rewritten == []


def test_description_lines_keep_words_and_never_read_as_gherkin() -> None:
    lines = description_lines("Given a\n\n  Scenario: b\n@c d\nplain  words")
    assert lines == ["» Given a", "» Scenario: b", "» @c d", "plain words"]


def test_an_xlsx_imports_from_the_sheet_named_with_its_own_columns(pytester: pytest.Pytester) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["not", "requirements"])
    sheet = book.create_sheet("Reqs")
    sheet.append(["Key", "Requirement", "Summary"])
    for n in range(1, 31):
        sheet.append([f"UX-{n}", f"Users find action {n} unaided.", f"Action {n}"])
    sheet.append([None, None, None])  # a blank row is not a requirement
    book.save(pytester.path / "reqs.xlsx")
    done = cli(
        pytester.path,
        "import",
        "reqs.xlsx",
        "--sheet",
        "Reqs",
        "--id-column",
        "Key",
        "--text-column",
        "Requirement",
        "--title-column",
        "Summary",
        "--into",
        "features/ux",
    )
    assert done.returncode == 0, done.stderr
    dry = status_by_id(pytester.path)
    assert set(dry) == {f"UX-{n}" for n in range(1, 31)}
    assert dry["UX-4"]["name"] == "Action 4" and dry["UX-4"]["feature"] == "features/ux/reqs.feature"
    assert "Users find action 4 unaided." in (pytester.path / "features/ux/reqs.feature").read_text(encoding="utf-8")
    assert cli(pytester.path, "import", "reqs.xlsx", "--sheet", "Nope").returncode == 2


def test_review_takes_the_external_id_of_a_mapped_slot(pytester: pytest.Pytester) -> None:
    write_csv(pytester.path / "reqs.csv", [("sr_1", "Old words.")])
    assert cli(pytester.path, "import", "reqs.csv").returncode == 0
    write_csv(pytester.path / "reqs.csv", [("sr_1", "New words.")])
    assert "suspect: 1" in cli(pytester.path, "import", "reqs.csv").stdout
    done = cli(pytester.path, "review", "sr_1")
    assert done.returncode == 0 and "reviewed sr_1" in done.stdout and "not suspect" not in done.stdout
    assert status_by_id(pytester.path)["SR-1"]["reason"] == "tbd"
