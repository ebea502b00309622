"""Progress over time (--checklist-history) and the README badge (--checklist-badge)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from living_checklist.core.status import Totals
from living_checklist.reports import BADGE_OPTION, HISTORY_OPTION, HTML_OPTION, MD_OPTION, history
from living_checklist.reports import badge as report_badge
from tests.helpers import run_with_report

FEATURE = """\
Feature: Progress
  @P-1
  Scenario: one
    Given step one is {one}

  @P-2
  Scenario: two
    Given step two is {two}

  @P-3
  Scenario: three
    Given a step nobody wrote
"""

STEPS = """\
from pytest_bdd import given, parsers

import living_checklist


@given(parsers.parse("step {n} is {state}"))
def _(n, state):
    if state == "TODO":
        living_checklist.pending("later")
    assert state == "done", f"{n} is {state}"
"""


def write(pytester: pytest.Pytester, one: str, two: str) -> None:
    pytester.makefile(".feature", **{"features/progress": FEATURE.format(one=one, two=two)})
    pytester.makeconftest(STEPS)


def test_three_runs_give_a_chart_with_three_points(pytester: pytest.Pytester) -> None:
    path = pytester.path / "history.jsonl"
    args = (f"{HISTORY_OPTION}={path}", f"{HTML_OPTION}=c.html", f"{MD_OPTION}=c.md")
    for one, two in (("TODO", "TODO"), ("done", "TODO"), ("done", "done")):
        write(pytester, one, two)
        run_with_report(pytester, *args)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    entries = [json.loads(line) for line in lines]
    assert [e["totals"]["verified"] for e in entries] == [0, 1, 2]
    assert entries[2]["statuses"] == {"P-1": "verified", "P-2": "verified", "P-3": "pending"}
    assert all(set(e) == {"time", "commit", "totals", "statuses"} for e in entries)
    page = (pytester.path / "c.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg[^>]*class=\"burnup\".*?</svg>", page, re.S)
    assert svg is not None
    chart = ET.fromstring(svg.group(0))
    ns = "{http://www.w3.org/2000/svg}"
    for series in ("requirements", "defined", "verified"):
        points = chart.findall(f"{ns}circle[@class='point point-{series}']")
        assert len(points) == 3, series
    verified = [float(c.get("cy", "0")) for c in chart.findall(f"{ns}circle[@class='point point-verified']")]
    assert verified[0] > verified[1] > verified[2]  # going up the chart (SVG y grows downwards)
    assert "http" not in svg.group(0).replace("http://www.w3.org/2000/svg", "")  # no remote asset
    assert "P-2: pending → verified" in page  # what changed since the previous run
    md = (pytester.path / "c.md").read_text(encoding="utf-8")
    assert "verified 0 → 1 → 2" in md
    assert "since the previous run: ±0 requirements, +1 defined, +1 verified" in md
    assert "- P-2: pending → verified" in md


def test_an_incomplete_run_is_shown_but_not_recorded(pytester: pytest.Pytester) -> None:
    path = pytester.path / "history.jsonl"
    write(pytester, "done", "TODO")
    run_with_report(pytester, f"{HISTORY_OPTION}={path}")
    write(pytester, "done", "done")
    result, data = run_with_report(pytester, f"{HISTORY_OPTION}={path}", f"{MD_OPTION}=c.md", "-k", "P-1 or P-3")
    assert data["complete"] is True  # -k: complete, P-2 not selected
    assert len(path.read_text().splitlines()) == 2
    result, data = run_with_report(pytester, f"{HISTORY_OPTION}={path}", f"{MD_OPTION}=c.md", "-x", "-k", "P-1")
    assert len(path.read_text().splitlines()) == 2 + int(data["complete"])
    result.stdout.fnmatch_lines(["history: defined *"])


def test_a_broken_history_file_is_a_usage_error_and_is_kept(pytester: pytest.Pytester) -> None:
    write(pytester, "done", "done")
    path = pytester.path / "history.jsonl"
    path.write_text(
        '{"time": "x", "totals": {"requirements": 1, "defined": 1, "verified": 1}, "statuses": {}}\n{oops\n'
    )
    before = path.read_bytes()
    result = pytester.runpytest(f"{HISTORY_OPTION}={path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{HISTORY_OPTION}: {path}:2:2: not a JSON line*"])
    assert path.read_bytes() == before


def test_changes_name_new_removed_and_changed_requirements() -> None:
    before = {"statuses": {"A": "pending", "B": "verified", "C": "failing"}}
    after = {"statuses": {"A": "verified", "B": "verified", "D": "pending"}}
    assert [c.describe() for c in history.changes(before, after)] == [
        "A: pending → verified",
        "D: new (pending)",
        "C: removed (was failing)",
    ]
    assert history.changes(None, after) == []


def test_badge_says_defined_of_all_and_is_self_contained(pytester: pytest.Pytester) -> None:
    write(pytester, "done", "TODO")
    run_with_report(pytester, f"{BADGE_OPTION}=badge.svg")
    text = (pytester.path / "badge.svg").read_text(encoding="utf-8")
    svg = ET.fromstring(text)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "requirements" in texts and "defined 1/3" in texts
    assert "href" not in text and "<image" not in text and "@import" not in text


@pytest.mark.parametrize(
    ("verified", "colour"), [(0, "#e05d44"), (25, "#fe7d37"), (50, "#dfb317"), (75, "#97ca00"), (100, "#4c1")]
)
def test_badge_colour_follows_the_share_verified(verified: int, colour: str) -> None:
    totals = Totals(requirements=100, defined=100, verified=verified)
    assert f'fill="{colour}"' in report_badge.render(totals)
    assert report_badge.message(totals) == "defined 100/100"


def test_badge_of_no_requirements_is_grey(tmp_path: Path) -> None:
    assert 'fill="#9f9f9f"' in report_badge.render(Totals())
