"""Status: per-requirement statuses, totals, and merging worker results. Pure data, no pytest runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from living_checklist.core.inventory import Inventory, parse_feature, requirement_item_name
from living_checklist.core.measure import Measurement
from living_checklist.core.pending import PENDING_REASONS
from living_checklist.core.status import (
    CARRIED_ATTRIBUTE,
    NOT_RUN,
    NOT_SELECTED,
    STATUSES,
    CaseOutcome,
    Checklist,
    aggregate,
    requirement_status,
)
from living_checklist.reports.json import to_data
from living_checklist.reports.terminal import totals_line
from living_checklist.run.attempts import Attempts
from living_checklist.run.session import ChecklistSession
from tests.strategies import GExamples, GFeature, GScenario, GStep, case_outcomes, gfeatures

SCHEMA = json.loads(
    resources.files("living_checklist").joinpath("reports", "report.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def build_inventory(features: list[GFeature]) -> tuple[Inventory, dict[tuple[str, str], str], list[str]]:
    """An inventory of generated files, node ids as the plugin builds them, and every case node id."""
    docs = tuple(parse_feature(f.render(), f"features/f{i}.feature") for i, f in enumerate(features))
    inventory = Inventory(docs)
    nodeids: dict[tuple[str, str], str] = {}
    case_ids: list[str] = []
    for req in inventory.requirements:
        for case in req.cases:
            nodeids[(req.feature, case.item_name)] = f"{req.feature}::{case.item_name}"
            case_ids.append(f"{req.feature}::{case.item_name}")
        if not req.cases:
            name = requirement_item_name(req)
            nodeids[(req.feature, name)] = f"{req.feature}::{name}"
    return inventory, nodeids, case_ids


@st.composite
def runs(draw: st.DrawFn) -> tuple[Inventory, dict[tuple[str, str], str], dict[str, CaseOutcome]]:
    """An inventory with outcomes for some of its cases, as they would arrive from workers."""
    inventory, nodeids, case_ids = build_inventory(draw(st.lists(gfeatures(), min_size=1, max_size=2)))
    # Colliding item names are an inventory bug of their own (test_item_names_are_unique_in_a_file).
    assume(
        len(nodeids) == len(inventory.requirements) - sum(1 for r in inventory.requirements if r.cases) + len(case_ids)
    )
    outcomes = {}
    for nodeid in case_ids:
        if draw(st.integers(0, 5)):
            outcomes[nodeid] = draw(case_outcomes())
    return inventory, nodeids, outcomes


def check_totals(checklist: Checklist, inventory: Inventory) -> None:
    t = checklist.totals
    assert t.defined == t.verified + t.failing + t.skipped
    assert t.requirements == t.defined + t.pending + t.error + t.not_run == len(inventory.requirements)
    assert t.not_run == sum(1 for r in checklist.results if r.reason == "not-selected" and r.status == "skipped")
    assert sum(t.pending_by_reason.values()) == t.pending
    assert set(t.pending_by_reason) == set(PENDING_REASONS)
    assert t.cases == sum(len(req.cases) for req in inventory.requirements)
    for status in STATUSES:
        counted = sum(1 for r in checklist.results if r.status == status)
        assert getattr(t, status) == counted - (t.not_run if status == "skipped" else 0)


# ---------------------------------------------------------------------------------------------
# Totals add up, whatever happened


ONE_OF_EACH = GFeature(
    "en",
    (),
    "",
    None,
    (
        GScenario(("REQ-1",), "a", (GStep("given", "x"),)),
        GScenario(("REQ-2",), "b", ()),
        GScenario(("REQ-3",), "c", (GStep("given", "<n>"),), outline=True, examples=(GExamples((), "", ("n",), ()),)),
    ),
)


def pinned_run(feature: GFeature, outcomes: dict[str, CaseOutcome] | None = None) -> Any:
    inventory, nodeids, _ = build_inventory([feature])
    return (inventory, nodeids, outcomes or {})


NOTHING = GFeature("en", (), "", None, ())
# Every case of ONE_OF_EACH reported: REQ-1 crashed, REQ-2 (no steps) is pending.
ALL_REPORTED = {
    "features/f0.feature::REQ-1": CaseOutcome("error", "crashed", "worker died"),
    "features/f0.feature::REQ-2": CaseOutcome("pending", "empty", "no steps"),
}


@settings(max_examples=50)
@given(run=runs(), complete=st.booleans())
@example(run=pinned_run(NOTHING), complete=True)
@example(run=pinned_run(ONE_OF_EACH), complete=False)
@example(run=pinned_run(ONE_OF_EACH, ALL_REPORTED), complete=True)
def test_totals_add_up(
    run: tuple[Inventory, dict[tuple[str, str], str], dict[str, CaseOutcome]], complete: bool
) -> None:
    inventory, nodeids, outcomes = run
    checklist = aggregate(inventory, outcomes, nodeids, complete=complete)
    check_totals(checklist, inventory)
    assert [r.requirement for r in checklist.results] == list(inventory.requirements)


@settings(max_examples=50)
@given(run=runs(), complete=st.booleans())
@example(run=pinned_run(ONE_OF_EACH), complete=True)
@example(run=pinned_run(ONE_OF_EACH, ALL_REPORTED), complete=False)
def test_requirement_status_is_the_first_that_applies(
    run: tuple[Inventory, dict[tuple[str, str], str], dict[str, CaseOutcome]], complete: bool
) -> None:
    inventory, nodeids, outcomes = run
    checklist = aggregate(inventory, outcomes, nodeids, complete=complete)
    missing = (
        CaseOutcome("skipped", "not-selected", NOT_SELECTED) if complete else CaseOutcome("error", "not-run", NOT_RUN)
    )
    for result in checklist.results:
        expected = [outcomes.get(case.nodeid, missing) for case in result.cases]
        assert [case.outcome for case in result.cases] == expected
        if not expected:
            assert (result.status, result.reason) == ("pending", "empty")
            continue
        first = min(expected, key=lambda o: STATUSES.index(o.status))
        assert (result.status, result.reason, result.message) == (first.status, first.reason, first.message)


@settings(max_examples=50)
@given(run=runs(), seed=st.randoms(use_true_random=False), complete=st.booleans())
def test_merging_worker_results_in_any_order_gives_the_same_checklist(
    run: tuple[Inventory, dict[tuple[str, str], str], dict[str, CaseOutcome]], seed: Any, complete: bool
) -> None:
    inventory, nodeids, outcomes = run
    items = list(outcomes.items())
    seed.shuffle(items)
    assert aggregate(inventory, dict(items), nodeids, complete=complete) == aggregate(
        inventory, outcomes, nodeids, complete=complete
    )


def fake_reports(nodeid: str, call: CaseOutcome, teardown_error: bool) -> list[Any]:
    """setup, call and teardown reports of one case as the controller receives them."""
    props = call.to_properties("REQ-1")
    reports = [SimpleNamespace(nodeid=nodeid, when="setup", user_properties=[], failed=False, longrepr=None)]
    carried = {CARRIED_ATTRIBUTE: call.to_carried()}
    reports.append(
        SimpleNamespace(
            nodeid=nodeid, when="call", user_properties=props, failed=call.status == "failing", longrepr=None, **carried
        )
    )
    if teardown_error:
        broken = CaseOutcome("error", "teardown", "teardown failed: boom")
        down = {"user_properties": broken.to_properties("REQ-1"), CARRIED_ATTRIBUTE: broken.to_carried()}
        reports.append(SimpleNamespace(nodeid=nodeid, when="teardown", failed=True, longrepr="boom", **down))
    else:
        reports.append(
            SimpleNamespace(
                nodeid=nodeid, when="teardown", user_properties=props, failed=False, longrepr=None, **carried
            )
        )
    return reports


@settings(max_examples=60)
@given(
    calls=st.lists(st.tuples(case_outcomes(), st.booleans()), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_interleaved_worker_reports_record_the_same_outcomes(calls: list[tuple[CaseOutcome, bool]], order: Any) -> None:
    streams = [fake_reports(f"features/a.feature::REQ-{i}", call, down) for i, (call, down) in enumerate(calls)]

    def record_all(reports: list[Any]) -> dict[str, CaseOutcome]:
        outcomes: dict[str, CaseOutcome] = {}
        state = SimpleNamespace(outcomes=outcomes, _last_recorded=("", []), attempts=Attempts(None))  # type: ignore[arg-type]
        for report in reports:
            ChecklistSession.record(state, report)  # type: ignore[arg-type]
        return outcomes

    serial = record_all([r for stream in streams for r in stream])
    # Any interleaving that keeps each case's own order (what xdist guarantees).
    pending = [list(stream) for stream in streams]
    interleaved = []
    while any(pending):
        stream = order.choice([s for s in pending if s])
        interleaved.append(stream.pop(0))
    assert record_all(interleaved) == serial
    for i, (call, down) in enumerate(calls):
        got = serial[f"features/a.feature::REQ-{i}"]
        assert got.status == ("error" if down else call.status)


# ---------------------------------------------------------------------------------------------
# Cases that never reported


def test_missing_outcomes_complete_run_static_and_interrupted() -> None:
    inventory, nodeids, case_ids = build_inventory([ONE_OF_EACH])
    req1, req2 = case_ids
    complete = aggregate(inventory, {}, nodeids, complete=True)
    assert [(r.requirement.id, r.status, r.reason) for r in complete.results] == [
        ("REQ-1", "skipped", "not-selected"),
        ("REQ-2", "skipped", "not-selected"),
        ("REQ-3", "pending", "empty"),
    ]
    interrupted = aggregate(inventory, {}, nodeids, complete=False)
    assert [(r.status, r.reason) for r in interrupted.results][:2] == [("error", "not-run"), ("error", "not-run")]
    assert not interrupted.complete and not interrupted.ok
    static = {req2: CaseOutcome("pending", "empty", "no steps")}
    known = aggregate(inventory, {req1: CaseOutcome("verified")}, nodeids, complete=True, static=static)
    assert [(r.status, r.reason) for r in known.results] == [
        ("verified", ""),
        ("pending", "empty"),
        ("pending", "empty"),
    ]
    assert known.ok


def test_an_empty_requirement_that_errored_is_an_error() -> None:
    inventory, nodeids, _ = build_inventory([ONE_OF_EACH])
    crashed = {"features/f0.feature::REQ-3": CaseOutcome("error", "crashed", "worker died")}
    result = aggregate(inventory, crashed, nodeids, complete=False).results[2]
    assert (result.status, result.reason, result.cases) == ("error", "crashed", ())


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["verified", "verified"], "verified"),
        (["verified", "skipped"], "skipped"),
        (["skipped", "pending", "verified"], "pending"),
        (["pending", "failing"], "failing"),
        (["failing", "error", "pending"], "error"),
    ],
)
def test_requirement_status_order(statuses: list[str], expected: str) -> None:
    outcomes = [CaseOutcome(s, "placeholder" if s == "pending" else "", f"m{i}") for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    status, _, message = requirement_status(outcomes)
    assert status == expected
    assert message == f"m{statuses.index(expected)}"  # the first case with that status explains it


# ---------------------------------------------------------------------------------------------
# What travels in user_properties


measurements = st.builds(
    Measurement,
    name=st.sampled_from(["cpu_cores", "wall time median"]),
    value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["Linux", "x86_64"])),
    unit=st.sampled_from(["", "ms", "CPU cores"]),
    required=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.just("Linux")),
    comparison=st.sampled_from([">=", "<=", "==", ">", "<"]),
)


@settings(max_examples=100)
@given(outcome=case_outcomes(), extra=st.lists(measurements, max_size=3), steps=st.text(".FEPU-", max_size=5))
def test_case_outcome_survives_user_properties(outcome: CaseOutcome, extra: list[Measurement], steps: str) -> None:
    outcome = replace(outcome, measurements=tuple(extra), steps=steps)
    props = [("other", "kept"), *outcome.to_properties("REQ-1")]
    props += [("measurement", m.to_json()) for m in extra]
    # xdist serializes user_properties and the report's attributes; only built-in types survive.
    props, carried = json.loads(json.dumps([props, outcome.to_carried()]))
    assert CaseOutcome.from_properties(props, carried) == outcome
    assert {key for key, _ in outcome.to_properties("REQ-1")} == {"requirement", "verifies", "status", "reason"}


def test_properties_without_a_status_are_not_an_outcome() -> None:
    assert CaseOutcome.from_properties([("requirement", "REQ-1")]) is None
    assert CaseOutcome.from_properties([("status", "bogus")]) is None


def test_measurement_describes_measured_vs_required() -> None:
    cores = Measurement("cpu_cores", 2.0, "CPU cores", 8.0, ">=")
    assert not cores.holds()
    assert cores.describe() == "measured 2 CPU cores, required >= 8"
    assert Measurement("os", "Linux", "", "Linux", "==").holds()
    assert Measurement("os", "Linux", "", "Windows", "==").describe() == "measured Linux, required == Windows"


# ---------------------------------------------------------------------------------------------
# Renderers of the checklist


@settings(max_examples=50)
@given(run=runs(), complete=st.booleans(), extra=st.lists(measurements, max_size=2))
@example(run=pinned_run(ONE_OF_EACH), complete=False, extra=[])
@example(run=pinned_run(NOTHING), complete=True, extra=[])
def test_json_report_matches_the_schema(
    run: tuple[Inventory, dict[tuple[str, str], str], dict[str, CaseOutcome]], complete: bool, extra: list[Measurement]
) -> None:
    inventory, nodeids, outcomes = run
    outcomes = {k: replace(v, measurements=tuple(extra)) for k, v in outcomes.items()}
    checklist = aggregate(inventory, outcomes, nodeids, complete=complete)
    data = json.loads(json.dumps(to_data(checklist, [])))
    VALIDATOR.validate(data)
    assert data["complete"] is complete
    assert data["totals"]["requirements"] == len(data["requirements"])
    assert [r["id"] for r in data["requirements"]] == [r.requirement.id for r in checklist.results]


def test_schema_is_valid_and_not_vacuous() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    inventory, nodeids, case_ids = build_inventory([ONE_OF_EACH])
    good = to_data(aggregate(inventory, {case_ids[0]: CaseOutcome("verified")}, nodeids, complete=True), [])
    VALIDATOR.validate(good)
    broken: list[dict[str, Any]] = []
    mutations: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda d: d.pop("complete"),
        lambda d: d["totals"].pop("pending_by_reason"),
        lambda d: d["totals"]["pending_by_reason"].update(later=1),
        lambda d: d["requirements"][2].update(reason="someday"),  # pending needs one of the five reasons
        lambda d: d["requirements"][0].update(status="passed"),
        lambda d: d["requirements"][0]["cases"][0].pop("measurements"),
        lambda d: d["requirements"][0]["cases"][0]["measurements"].append({"name": "x", "value": 1}),
        lambda d: d.update(schema=1),  # schema 1 kept snippets in messages; this shape is 2
        lambda d: d.update(snippets=[{"id": "X", "code": ""}]),
    )
    for mutate in mutations:
        data = json.loads(json.dumps(good))
        mutate(data)
        broken.append(data)
    for data in broken:
        assert not VALIDATOR.is_valid(data), data


def test_totals_line_starts_with_requirements() -> None:
    inventory, nodeids, case_ids = build_inventory([ONE_OF_EACH])
    checklist = aggregate(inventory, {case_ids[0]: CaseOutcome("verified")}, nodeids, complete=True)
    line = totals_line(checklist.totals)
    assert line.startswith("requirements: 3 ")
    assert "verified: 1" in line and "pending: 1 (empty 1)" in line
