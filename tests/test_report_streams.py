"""Big reports are written as they are made: the same text as before, never whole in memory.

A corpus of thousands of cases makes tens of megabytes of JSON, HTML, Cucumber JSON and Messages;
holding each as one string (and ``json.dumps``'s millions of pieces before it) doubled a run's
peak memory (issue 15, F2).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from living_checklist import reports
from living_checklist.core.escape import json_dumps
from living_checklist.core.status import Checklist
from living_checklist.reports import cucumber as report_cucumber
from living_checklist.reports import json as report_json
from tests.test_reports import checklists

# Including what strict JSON cannot carry as it is: non-finite numbers and lone surrogates.
TEXTS = st.text(max_size=8) | st.sampled_from(["\udcff", "a\ud800b", "line\nbreak", "é"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=12,
)


@given(st.lists(JSON_VALUES, max_size=4))
def test_a_streamed_list_is_exactly_the_strict_json_of_the_whole(items: list[Any]) -> None:
    """Item by item, with the indentation and the escapes ``json_dumps`` gives the whole list."""
    assert "".join(report_json.stream_json_list(iter(items))) == json_dumps(items)


@given(JSON_VALUES, st.integers(0, 3))
def test_a_streamed_value_is_exactly_the_strict_json_of_the_whole(value: Any, depth: int) -> None:
    assert "".join(report_json.stream_json(value, depth=depth)) == json_dumps(value)


@given(checklists())
@settings(max_examples=30, deadline=None)
def test_streamed_json_and_cucumber_reports_are_the_texts_they_were(checklist: Checklist) -> None:
    assert "".join(report_json.stream(checklist)) == report_json.render(checklist)
    assert "".join(report_cucumber.stream(checklist)) == report_cucumber.render(checklist)


def test_a_report_is_written_the_same_from_its_text_or_its_pieces(tmp_path: Path) -> None:
    pieces = [f"line {n} é \udcff\n" for n in range(20_000)]  # more than one write batch
    reports.write_report(tmp_path / "a.txt", iter(pieces))
    reports.write_report(tmp_path / "b.txt", "".join(pieces))
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_a_renderer_that_fails_while_streaming_leaves_no_file(tmp_path: Path) -> None:
    def pieces() -> Any:
        yield "half a report"
        raise RuntimeError("a defect")

    with pytest.raises(RuntimeError):
        reports.write_report(tmp_path / "r.json", pieces())
    assert list(tmp_path.iterdir()) == []


STEPS = """\
from pytest_bdd import given, parsers


@given(parsers.parse("a defined step {n:d}"))
def _(n):
    pass
"""


def corpus(first: int, scenarios: int) -> str:
    """Long step texts, mostly undefined: each case carries a long message with snippets."""
    lines = [f"Feature: Part {first}", ""]
    for n in range(first, first + scenarios):
        lines += [
            f"  Scenario: Requirement {n} with a long name that says what the system must do",
            f"    Given a defined step {n}",
            f"    When the operator exports the audit trail of tenant {n} as a signed archive while the nightly "
            "compaction runs and the replication of every region is under way",
            f"    Then the export of tenant {n} completes within 30 seconds and the archive verifies against the "
            "published signing key of the archive service",
            "",
        ]
    return "\n".join(lines)


def test_writing_every_report_holds_a_fraction_of_their_size(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured where the reports are written: the memory allocated at the peak, against the bytes
    written. Whole strings would need at least the size of the largest report; streamed, what is
    held at once is about one feature file's share."""
    pytester.makeconftest(STEPS)
    (pytester.path / "features").mkdir(exist_ok=True)
    for part in range(15):
        (pytester.path / "features" / f"part{part:02d}.feature").write_text(corpus(part * 100, 100), encoding="utf-8")
    peaks: list[int] = []
    real = reports.write_all

    def measured(*args: Any, **kwargs: Any) -> list[str]:
        tracemalloc.start()
        try:
            return real(*args, **kwargs)
        finally:
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    monkeypatch.setattr(reports, "write_all", measured)
    out = pytester.path / "out"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        f"--checklist-json={out}/c.json",
        f"--checklist-html={out}/c.html",
        f"--checklist-cucumber={out}/c.cucumber.json",
        f"--checklist-messages={out}/c.ndjson",
    )
    result.assert_outcomes(xfailed=1500)
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    assert len(sizes) == 4
    [peak] = peaks
    assert peak < sum(sizes.values()) / 4, (peak, sizes)
