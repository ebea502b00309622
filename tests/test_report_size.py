"""Size: a corpus of the shape teams have (6,245 cases, most steps undefined) writes a JSON report
of at most 10 MB that is still valid against the schema.

The corpus has thousands of scenarios, outlines with many rows and long step texts; four steps
of five are undefined, the fifth is defined (and comes last, so nothing but pending runs).
Schema 1 stored the undefined-step message with its snippets in every case and again in every
requirement (48 MB on a real corpus of this size); schema 2 stores each snippet once.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_with_report

SCENARIO_FILES = 35
SCENARIOS_PER_FILE = 100  # 3,500 plain scenarios
OUTLINES = 216  # 195 with 13 rows and 21 with 10: 2,745 cases
LIMIT = 10 * 1024 * 1024

LONG = "the operator on duty at the northern control room confirms within the agreed response window that "


def scenario(area: int, n: int) -> str:
    return (
        f"  @C{area}-{n}\n  Scenario: requirement {n} of area {area} with a long name for the review board\n"
        f"    Given {LONG}station {n} reports {n % 7} open alarms\n"
        f'    And the shift log for "{area}-{n}" lists every alarm since the last handover at {n % 24} o\'clock\n'
        f"    When {LONG}the alarm {n} is acknowledged\n"
        f"    Then the acknowledgement of alarm {n} is stored with the operator's name within {n % 9 + 1} seconds\n"
        "    And the system is ready\n\n"
    )


def outline(n: int, rows: int) -> str:
    table = "\n".join(f"      | {n}-{r} | {r * 3} | {r % 5} |" for r in range(rows))
    return (
        f"  @O-{n}\n  Scenario Outline: outline {n} over many rows of measured values from the field test campaign\n"
        f"    Given {LONG}sensor <sensor> reports <value> units\n"
        f"    And {LONG}the calibration offset of <sensor> is <offset>\n"
        f"    When {LONG}the reading of <sensor> is corrected\n"
        f"    Then the corrected reading of <sensor> is within <offset> units of <value>\n"
        "    And the system is ready\n\n"
        "    Examples:\n      | sensor | value | offset |\n"
        f"{table}\n\n"
    )


def test_a_6245_case_corpus_writes_at_most_10_mb_of_valid_json(pytester: pytest.Pytester) -> None:
    files: dict[str, str] = {}
    for area in range(SCENARIO_FILES):
        body = "".join(scenario(area, n) for n in range(SCENARIOS_PER_FILE))
        files[f"features/a{area:02d}.feature"] = f"Feature: area {area}\n\n{body}"
    outlines = "".join(outline(n, 13 if n < 195 else 10) for n in range(OUTLINES))
    files["features/outlines.feature"] = f"Feature: outlines\n\n{outlines}"
    for rel, text in files.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    pytester.makeconftest("from pytest_bdd import step\n\n\n@step('the system is ready')\ndef _():\n    pass\n")
    result, data = run_with_report(pytester, "-q", "-p", "no:randomly")  # validated against the schema
    assert data["totals"]["requirements"] == 3716
    assert data["totals"]["cases"] == 6245
    assert data["totals"]["pending_by_reason"]["undefined"] == 3716
    size = (pytester.path / "checklist.json").stat().st_size
    print(f"JSON report: {size / 1e6:.2f} MB for {data['totals']['cases']} cases")
    assert size <= LIMIT, f"{size / 1e6:.1f} MB"
    # Each snippet once: numbers and quoted text become parameters, so the 24,980 undefined steps
    # need a handful of definitions (4 for the scenarios, about 4 for the outlines' rows).
    assert 8 <= len(data["snippets"]) <= 12
    assert len({s["code"] for s in data["snippets"]}) == len(data["snippets"])
    first = data["requirements"][0]["cases"][0]
    assert len(first["snippets"]) == 4 and first["steps"] == "UUUU-"
    assert "\n" not in first["message"]
    json.dumps(data)  # plain JSON all through
