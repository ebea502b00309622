"""The baseline ratchet: ``compare`` as properties, bad baseline files, and runs that go backwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from living_checklist.core.status import DEFINED, STATUSES
from living_checklist.reports import BASELINE_OPTION, baseline
from living_checklist.reports.json import SCHEMA_VERSION

# ---------------------------------------------------------------------------------------------
# compare(): pure, on report dicts.

ids = st.sampled_from([f"R-{n}" for n in range(8)] + ["features/a.feature:3"])
status_maps = st.dictionaries(ids, st.sampled_from(STATUSES), max_size=8)


def report(statuses: dict[str, str]) -> dict[str, Any]:
    """A minimal schema-1 report with these requirement statuses (totals consistent with them)."""
    requirements = [
        {"id": rid, "name": f"name of {rid}", "status": status, "reason": "", "message": "", "tags": []}
        for rid, status in statuses.items()
    ]
    counts: dict[str, int] = {s: list(statuses.values()).count(s) for s in STATUSES}
    totals = {"requirements": len(statuses), "cases": len(statuses), "defined": sum(counts[s] for s in DEFINED)}
    totals |= counts
    return {"schema": SCHEMA_VERSION, "complete": True, "totals": totals, "requirements": requirements, "errors": []}


def went_backwards(was: str, now: str | None) -> bool:
    """The rule, stated independently: defined must stay defined, verified must stay verified."""
    if was == "verified":
        return now != "verified"
    if was in ("failing", "skipped"):
        return now not in ("verified", "failing", "skipped")
    return False


@given(status_maps, status_maps)
@example({"R-1": "verified"}, {"R-1": "skipped"})
@example({"R-1": "skipped"}, {"R-1": "failing"})
@example({"R-1": "failing"}, {})
@example({"R-1": "pending"}, {})
def test_regressions_are_exactly_the_requirements_that_went_backwards(
    before: dict[str, str], after: dict[str, str]
) -> None:
    delta = baseline.compare(report(before), report(after))
    expected = {rid for rid, was in before.items() if went_backwards(was, after.get(rid))}
    assert {r.id for r in delta.regressions} == expected
    for regression in delta.regressions:
        assert regression.was == before[regression.id]
        assert regression.now == after.get(regression.id, baseline.MISSING)
        assert regression.id in regression.describe()
    assert delta.ok == (not expected)


@given(status_maps, status_maps)
def test_changes_are_the_difference_of_the_counts(before: dict[str, str], after: dict[str, str]) -> None:
    changes = baseline.compare(report(before), report(after)).changes
    for status in STATUSES:
        assert changes[status] == list(after.values()).count(status) - list(before.values()).count(status)
    assert changes["defined"] == changes["verified"] + changes["failing"] + changes["skipped"]
    assert changes["requirements"] == len(after) - len(before)


@given(status_maps)
def test_a_report_compared_with_itself_has_no_change(statuses: dict[str, str]) -> None:
    delta = baseline.compare(report(statuses), report(statuses))
    assert delta.regressions == ()
    assert delta.summary() == "no change since baseline"
    assert delta.newly_defined == delta.newly_verified == delta.changed == ()


def test_a_swap_is_not_reported_as_no_change() -> None:
    delta = baseline.compare(
        report({"A-1": "verified", "A-2": "failing"}), report({"A-1": "failing", "A-2": "verified"})
    )
    assert delta.summary() == "no net change since baseline (2 changed status)"
    assert baseline.render(delta, "b.json") == [
        "baseline b.json: no net change since baseline (2 changed status)",
        "  newly verified: A-2",
        "baseline regressions (1): the run fails until these are back",
        "  A-1 name of A-1: was verified, now failing",
    ]


def test_summary_names_only_what_changed() -> None:
    delta = baseline.compare(
        report({"A-1": "pending", "A-2": "pending", "A-3": "pending", "A-4": "verified"}),
        report({"A-1": "verified", "A-2": "failing", "A-3": "skipped", "A-4": "failing"}),
    )
    # A-1 became verified and A-4 stopped being verified: the net change in verified is zero.
    assert delta.summary() == "+3 defined, +2 failing, +1 skipped, -3 pending since baseline"
    assert [r.describe() for r in delta.regressions] == ["A-4 name of A-4: was verified, now failing"]
    assert delta.newly_defined == ("A-1", "A-2", "A-3")
    assert delta.newly_verified == ("A-1",)


def test_a_missing_requirement_without_an_id_gets_a_hint() -> None:
    delta = baseline.compare(report({"features/a.feature:3": "verified"}), report({}))
    [regression] = delta.regressions
    assert regression.now == "missing"
    assert "give it an id tag" in regression.detail


def test_repeated_ids_are_compared_in_order() -> None:
    before = report({"A-1": "verified"})
    before["requirements"].append(dict(before["requirements"][0], status="pending"))
    assert baseline.compare(before, before).regressions == ()


# ---------------------------------------------------------------------------------------------
# load(): anything that is not a schema-1 report is refused with the reason.


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a checklist report: not JSON (line 1 column 1"),
        ("[1, 2]", "expected a JSON object at the top level, found a list [1, 2]"),
        ('{"requirements": []}', 'no "schema" key: this is not a report written by --checklist-json'),
        ('{"schema": 3, "requirements": []}', '"schema" is 3, this version reads schema 1 and 2'),
        ('{"schema": true}', '"schema" is true, this version reads schema 1 and 2'),
        ('{"schema": 1, "totals": {}, "requirements": {}}', '"totals.requirements": expected an integer, found null'),
        ('{"schema": 1, "totals": [], "requirements": []}', '"totals": expected an object, found a list []'),
        (json.dumps(report({}) | {"requirements": "x"}), '"requirements": expected a list, found a string "x"'),
        (json.dumps(report({}) | {"requirements": [{"id": 3}]}), '"requirements[0].id": expected a non-empty string'),
        (
            json.dumps(report({}) | {"requirements": [{"id": "A-1", "status": "done"}]}),
            '"requirements[0].status": expected one of error, failing, pending, skipped, verified, found "done"',
        ),
    ],
)
def test_load_refuses_what_is_not_a_report(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(baseline.BaselineError) as excinfo:
        baseline.load(path)
    assert str(excinfo.value).startswith(f"{path}: ")
    assert message in str(excinfo.value)


def test_load_refuses_a_missing_file_and_a_directory(tmp_path: Path) -> None:
    with pytest.raises(baseline.BaselineError, match="no such file; write one first with --checklist-json"):
        baseline.load(tmp_path / "nope.json")
    with pytest.raises(baseline.BaselineError, match="is a directory"):
        baseline.load(tmp_path)


def test_load_accepts_a_report() -> None:
    assert baseline.check(report({"A-1": "verified"})) == []


# ---------------------------------------------------------------------------------------------
# End to end: runs that keep, lose and gain ground against a baseline.

FEATURE = """\
Feature: Ratchet
  @R-001
  Scenario: Kept verified
    Given a number 1
    Then it is 1

  @R-002
  Scenario: Not written yet
    Given a number 2
    Then it is doubled

  @R-003
  Scenario: Will be removed
    Given a number 3
    Then it is 3
"""

CONFTEST = """\
from pytest_bdd import given, parsers, then

EXPECTED = 1


@given(parsers.parse("a number {n:d}"), target_fixture="number")
def number(n):
    return n


@then(parsers.parse("it is {n:d}"))
def it_is(number, n):
    assert number == n * EXPECTED, f"got {number}, expected {n * EXPECTED}"
"""

DOUBLED = """

@then("it is doubled")
def doubled(number):
    assert number * 2 == 4
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    pytester.makefile(".feature", **{"features/ratchet": FEATURE})
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest("--checklist-json=base.json", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return pytester


def against_baseline(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(BASELINE_OPTION, "base.json", "-p", "no:cacheprovider", *args)


def test_an_unchanged_run_passes_and_says_so(project: pytest.Pytester) -> None:
    result = against_baseline(project)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["baseline base.json: no change since baseline"])


@pytest.mark.parametrize("mode", [[], ["-n", "2"]])
def test_a_verified_requirement_that_fails_fails_the_run(project: pytest.Pytester, mode: list[str]) -> None:
    project.makeconftest(CONFTEST.replace("EXPECTED = 1", "EXPECTED = 2"))
    result = against_baseline(project, *mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "baseline base.json: -2 verified, +2 failing since baseline",
            "baseline regressions (2): the run fails until these are back",
            "  R-001 Kept verified: was verified, now failing (got 1, expected 2*",
            "  R-003 Will be removed: was verified, now failing (got 3, expected 6*",
        ]
    )


def test_a_removed_requirement_fails_the_run(project: pytest.Pytester) -> None:
    project.makefile(".feature", **{"features/ratchet": FEATURE.split("  @R-003")[0]})
    result = against_baseline(project)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "baseline base.json: -1 requirements, -1 defined, -1 verified since baseline",
            "  R-003 Will be removed: was verified, now missing (not in this run: *",
        ]
    )


def test_progress_passes_and_is_counted(project: pytest.Pytester) -> None:
    project.makeconftest(CONFTEST + DOUBLED)
    result = against_baseline(project, "-n", "2")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["baseline base.json: +1 defined, +1 verified, -1 pending since baseline", "  newly verified: R-002"]
    )
    assert "baseline regressions" not in result.stdout.str()


def test_the_baseline_can_be_the_report_this_run_rewrites(project: pytest.Pytester) -> None:
    """``--checklist-json X --checklist-baseline X`` ratchets: the old file is read before it is replaced."""
    project.makeconftest(CONFTEST + DOUBLED)
    result = against_baseline(project, "--checklist-json=base.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["baseline base.json: +1 defined, +1 verified, -1 pending since baseline"])
    data = json.loads((project.path / "base.json").read_text(encoding="utf-8"))
    assert data["totals"]["verified"] == 3


def test_the_baseline_is_read_from_ini_too(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nchecklist_features = features\nchecklist_baseline = base.json\n")
    project.makeconftest(CONFTEST.replace("EXPECTED = 1", "EXPECTED = 2"))
    result = project.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*R-001 Kept verified: was verified, now failing*"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "*not a checklist report: not JSON (line 1 column 2: *"),
        ('{"schema": 99, "requirements": []}', '*"schema" is 99, this version reads schema 1 and 2; write a new*'),
        ('{"totals": {}}', '*no "schema" key: this is not a report written by --checklist-json'),
    ],
)
def test_a_bad_baseline_is_a_usage_error(project: pytest.Pytester, content: str, message: str) -> None:
    (project.path / "bad.json").write_text(content, encoding="utf-8")
    result = project.runpytest(f"{BASELINE_OPTION}=bad.json", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {BASELINE_OPTION}: *bad.json: {message}"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_missing_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest(f"{BASELINE_OPTION}=nope.json", "-p", "no:cacheprovider", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --checklist-baseline: *nope.json: no such file; write one first with*"])
