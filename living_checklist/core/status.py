"""Status: per-case outcomes, per-requirement statuses and totals. Pure data, no pytest.

The inventory says what exists; outcomes only say how it went. Every requirement in scope appears
in the checklist whether or not an outcome arrived for it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from living_checklist.core.attach import Attachment
from living_checklist.core.attach import decode as decode_attachments
from living_checklist.core.attach import encode as encode_attachments
from living_checklist.core.decisions import Decisions
from living_checklist.core.definitions import StepDefinitionInfo
from living_checklist.core.hooks import HookRun
from living_checklist.core.hooks import decode as decode_hooks
from living_checklist.core.hooks import encode as encode_hooks
from living_checklist.core.inventory import GherkinError, Inventory, Requirement, requirement_item_name
from living_checklist.core.lint import Finding
from living_checklist.core.measure import MEASUREMENT_PROPERTY, Measurement
from living_checklist.core.pending import PENDING_REASONS
from living_checklist.core.quality import Quality
from living_checklist.core.redact import redact_text

Status = Literal["error", "failing", "pending", "skipped", "verified"]
STATUSES: tuple[Status, ...] = ("error", "failing", "pending", "skipped", "verified")
DEFINED: tuple[Status, ...] = ("verified", "failing", "skipped")

NOT_SELECTED_REASON = "not-selected"
AFTER_SCENARIO_REASON = "after-scenario"  # a failing case whose failure came from pytest-bdd's after-scenario hook
NOT_SELECTED = "not selected in this run (deselected, or another file or node id was asked for)"
NOT_RUN = "not run: the session stopped before it (interrupted, -x/--maxfail, or a worker died)"


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """How one case went, as carried in ``user_properties`` (built-in types only)."""

    status: Status
    reason: str = ""
    message: str = ""
    measurements: tuple[Measurement, ...] = ()
    # One code per step, in order: "." passed, "F" failed, "E" error (ambiguous, bad value),
    # "P" pending, "U" undefined, "-" not run. Empty when no step was looked at.
    steps: str = ""
    # How long each step that ran took (nanoseconds, in step order), and when the case started
    # (seconds since the epoch; 0.0 when unknown). For the HTML, Cucumber JSON and Messages.
    durations: tuple[int, ...] = ()
    started: float = 0.0
    # The exception type that failed the case, e.g. "AssertionError" ("" when none).
    exception: str = ""
    # Per step, the definitions it matched as ``StepDefRef`` keys joined by MATCH_SEPARATOR ("" when
    # undefined); carried only when Cucumber Messages are written.
    matches: tuple[str, ...] = ()
    # What steps, hooks and fixtures attached (living_checklist.attach), in order.
    attachments: tuple[Attachment, ...] = ()
    # The hooks that ran for the case (its fixtures and pytest-bdd's scenario hooks), in order, and
    # the test-run hooks (session fixtures) that ran during it (``core.hooks``).
    hooks: tuple[HookRun, ...] = ()
    run_hooks: tuple[HookRun, ...] = ()

    def __post_init__(self) -> None:
        # Every message of every report is made here: a secret it quotes (a URL's password, a
        # service's --token) is masked once, before anything is written or shown.
        object.__setattr__(self, "message", redact_text(self.message))

    def to_properties(self, requirement: str) -> list[tuple[str, str]]:
        """The documented ``user_properties`` (pytest's ``--junitxml`` writes every one of them)."""
        return [
            ("requirement", requirement),
            ("verifies", requirement),  # sphinx-test-reports and Xray link a JUnit testcase by this name
            ("status", self.status),
            ("reason", self.reason),
        ]

    def to_carried(self) -> dict[str, str]:
        """What else the reports need, carried on the test report as ``CARRIED_ATTRIBUTE`` (a dict of
        strings: xdist sends a report's attributes to the controller), never in the JUnit XML."""
        carried = {"message": self.message, "steps": self.steps}
        if self.durations or self.started:
            carried["timing"] = encode_timing(self.started, self.durations)
        encoded: tuple[tuple[str, Any, Callable[[Any], str]], ...] = (
            ("exception", self.exception, str),
            ("matches", self.matches, STEP_SEPARATOR.join),
            ("attachments", self.attachments, encode_attachments),
            ("hooks", self.hooks, encode_hooks),
            ("run_hooks", self.run_hooks, encode_hooks),
        )
        for key, value, encode in encoded:
            if value:
                carried[key] = encode(value)
        return carried

    @classmethod
    def from_properties(
        cls, properties: Iterable[tuple[str, object]], carried: Mapping[str, object] | None = None
    ) -> CaseOutcome | None:
        """The outcome from a report's ``user_properties`` and its ``CARRIED_ATTRIBUTE`` (None: no status)."""
        values, recorded = _read_properties(properties, carried)
        measurements = [Measurement.from_json(text) for text in recorded]
        status = values.get("status")
        if status not in STATUSES:
            return None
        started, durations = decode_timing(values.get("timing", ""))
        matches = values.get("matches", "")
        return cls(
            status=status,
            reason=values.get("reason", ""),
            message=values.get("message", ""),
            measurements=tuple(measurements),
            steps=values.get("steps", ""),
            durations=durations,
            started=started,
            exception=values.get("exception", ""),
            matches=tuple(matches.split(STEP_SEPARATOR)) if matches else (),
            attachments=decode_attachments(values.get("attachments", "")),
            hooks=decode_hooks(values.get("hooks", "")),
            run_hooks=decode_hooks(values.get("run_hooks", "")),
        )

    @classmethod
    def from_report(cls, report: object) -> CaseOutcome | None:
        """The outcome a test report carries (see ``to_properties`` and ``to_carried``)."""
        properties: Iterable[tuple[str, object]] = getattr(report, "user_properties", ())
        return cls.from_properties(properties, getattr(report, CARRIED_ATTRIBUTE, None))


# The user_properties a case's outcome sets (documented: README, DESIGN), and the keys of the
# report attribute that carries the rest.
CARRIED_PROPERTIES = ("requirement", "verifies", "status", "reason")
MEASUREMENTS_KEY = "measurements"
CARRIED_KEYS = frozenset(
    {"message", "steps", "timing", "exception", "matches", "attachments", "hooks", "run_hooks", MEASUREMENTS_KEY}
)
CARRIED_ATTRIBUTE = "checklist_case"
STEP_SEPARATOR = "\x1d"  # between the steps of one case in the ``matches`` property
MATCH_SEPARATOR = "\x1e"  # between the definitions one (ambiguous) step matched


def _read_properties(
    properties: Iterable[tuple[str, object]], carried: Mapping[str, object] | None
) -> tuple[dict[str, str], list[str]]:
    """The status, reason and carried values as strings, and the measurements recorded (as JSON)."""
    values: dict[str, str] = {}
    recorded = []  # measurements still in the properties: a case's own, before its report
    for key, value in properties:
        if key == MEASUREMENT_PROPERTY:
            recorded.append(str(value))
        elif key in ("status", "reason"):
            values[key] = str(value)
    values.update((key, str(value)) for key, value in (carried or {}).items() if key in CARRIED_KEYS)
    if MEASUREMENTS_KEY in values:  # a report's: moved off its properties (see ``carry_measurements``)
        recorded = json.loads(values[MEASUREMENTS_KEY])
    return values, recorded


def carry_measurements(properties: Sequence[tuple[str, object]], carried: dict[str, str]) -> list[tuple[str, object]]:
    """Move the recorded measurements off a report's ``user_properties`` into ``carried``: pytest's
    ``--junitxml`` writes every property, and only the documented ones belong there."""
    recorded = [str(value) for key, value in properties if key == MEASUREMENT_PROPERTY]
    if recorded:
        carried[MEASUREMENTS_KEY] = json.dumps(recorded)
    return [prop for prop in properties if prop[0] != MEASUREMENT_PROPERTY]


def encode_timing(started: float, durations: Sequence[int]) -> str:
    """``started;d1,d2,...``: one string, so xdist carries it like the other properties."""
    return f"{started!r};" + ",".join(str(int(d)) for d in durations)


def decode_timing(text: str) -> tuple[float, tuple[int, ...]]:
    head, _, tail = text.partition(";")
    try:
        started = float(head) if head else 0.0
        durations = tuple(int(d) for d in tail.split(",") if d)
    except ValueError:
        return 0.0, ()
    return started, durations


@dataclass(frozen=True, slots=True)
class CaseResult:
    nodeid: str
    outcome: CaseOutcome


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement: Requirement
    nodeid: str
    status: Status
    reason: str
    message: str
    cases: tuple[CaseResult, ...]


@dataclass(frozen=True)
class Totals:
    requirements: int = 0
    cases: int = 0
    defined: int = 0
    verified: int = 0
    failing: int = 0
    pending: int = 0
    skipped: int = 0
    error: int = 0
    pending_by_reason: Mapping[str, int] = field(default_factory=dict)
    # Requirements this run did not select (another path, -k, -m, a shard): counted apart from
    # skipped and from defined; requirements = defined + pending + error + not_run.
    not_run: int = 0


@dataclass(frozen=True)
class Checklist:
    """The whole answer of a run: every requirement in scope with its status."""

    results: tuple[RequirementResult, ...]
    errors: tuple[GherkinError, ...]
    complete: bool
    totals: Totals
    findings: tuple[Finding, ...] = ()
    seeds: tuple[Mapping[str, object], ...] = ()
    # Where the checks ran (``living_checklist.core.environment``); None where unknown (e.g. merged shards).
    environment: Mapping[str, Any] | None = None
    # Which quality sub-characteristics have a slot (``living_checklist.core.quality``); None where unknown.
    quality: Quality | None = None
    # The step definitions registered where the cases are, for the Cucumber Messages (only written
    # when they are asked for); () where unknown.
    definitions: tuple[StepDefinitionInfo, ...] = ()

    @property
    def ok(self) -> bool:
        failing_findings = any(f.fails for f in self.findings)
        return self.totals.failing == 0 and self.totals.error == 0 and not self.errors and not failing_findings

    @property
    def traced(self) -> tuple[int, int]:
        """Requirements traced to a known seed (cited, or listed in its manifest entry), and the rest."""
        ids: set[object] = set()
        for seed in self.seeds:
            listed = seed.get("requirements")
            if isinstance(listed, list | tuple):
                ids.update(listed)
        traced = sum(1 for r in self.results if r.requirement.id in ids)
        return traced, len(self.results) - traced


def requirement_status(outcomes: Sequence[CaseOutcome]) -> tuple[Status, str, str]:
    """The first status that applies, in this order: error, failing, pending, skipped, verified."""
    if not outcomes:
        return "pending", "empty", "no cases: the outline's Examples have no rows"
    for status in STATUSES:
        matching = [o for o in outcomes if o.status == status]
        if matching:
            return status, matching[0].reason, matching[0].message
    raise AssertionError("unreachable: every outcome has a status")  # pragma: no cover


def _case_outcome(
    nodeid: str, outcomes: Mapping[str, CaseOutcome], static: Mapping[str, CaseOutcome], complete: bool
) -> CaseOutcome:
    """What a case came to; a case with no outcome is pending if that is known without running it,
    else not selected (complete run) or not run."""
    outcome = outcomes.get(nodeid) or static.get(nodeid)
    if outcome is not None:
        return outcome
    if complete:
        return CaseOutcome("skipped", NOT_SELECTED_REASON, NOT_SELECTED)
    return CaseOutcome("error", "not-run", NOT_RUN)


def _requirement_result(
    req: Requirement,
    case_results: tuple[CaseResult, ...],
    outcomes: Mapping[str, CaseOutcome],
    nodeids: Mapping[tuple[str, str], str],
    decisions: Decisions,
) -> RequirementResult:
    """A requirement's status from its cases'; one without cases is pending unless its own item erred."""
    if req.cases:
        req_nodeid = case_results[0].nodeid
        status, reason, message = requirement_status([c.outcome for c in case_results])
    else:
        req_nodeid = nodeids[(req.feature, requirement_item_name(req))]
        arrived = outcomes.get(req_nodeid)
        status, reason, message = requirement_status([])
        if arrived is not None and arrived.status == "error":
            status, reason, message = arrived.status, arrived.reason, arrived.message
    decided, reason, message = decisions.decide(req.id, status, reason, message)
    return RequirementResult(req, req_nodeid, cast(Status, decided), reason, message, case_results)


def aggregate(
    inventory: Inventory,
    outcomes: Mapping[str, CaseOutcome],
    nodeids: Mapping[tuple[str, str], str],
    *,
    complete: bool,
    static: Mapping[str, CaseOutcome] | None = None,
    findings: Sequence[Finding] = (),
    seeds: Sequence[Mapping[str, object]] = (),
    decisions: Decisions | None = None,
) -> Checklist:
    """Combine the inventory with the outcomes that arrived (keyed by node id).

    ``nodeids`` maps (feature path, item name) to a node id. A case with no outcome is pending if
    that is known without running it (``static``), else not selected (complete run) or not run.
    ``decisions`` (manual evidence, suspect imports) then apply to each requirement's status.
    """
    static = static or {}
    decisions = decisions or Decisions()
    results = []
    for req in inventory.requirements:
        case_results = []
        for case in req.cases:
            nodeid = nodeids[(req.feature, case.item_name)]
            case_results.append(CaseResult(nodeid, _case_outcome(nodeid, outcomes, static, complete)))
        results.append(_requirement_result(req, tuple(case_results), outcomes, nodeids, decisions))
    errors = tuple(inventory.errors)
    return Checklist(tuple(results), errors, complete, totals(results), tuple(findings), tuple(seeds))


def is_not_selected(result: RequirementResult) -> bool:
    """A requirement this run did not select: none of its cases ran, nor was its outcome known."""
    return result.status == "skipped" and result.reason == NOT_SELECTED_REASON


def totals(results: Iterable[RequirementResult]) -> Totals:
    results = list(results)
    counts = Counter(r.status for r in results)
    not_run = sum(1 for r in results if is_not_selected(r))
    counts["skipped"] -= not_run
    reasons = Counter(r.reason for r in results if r.status == "pending")
    return Totals(
        requirements=len(results),
        cases=sum(len(r.cases) for r in results),
        defined=sum(counts[s] for s in DEFINED),
        verified=counts["verified"],
        failing=counts["failing"],
        pending=counts["pending"],
        skipped=counts["skipped"],
        error=counts["error"],
        pending_by_reason={reason: reasons[reason] for reason in PENDING_REASONS},
        not_run=not_run,
    )


def by_area(results: Iterable[RequirementResult]) -> dict[str, Totals]:
    groups: dict[str, list[RequirementResult]] = {}
    for result in results:
        groups.setdefault(result.requirement.area, []).append(result)
    return {area: totals(group) for area, group in sorted(groups.items())}
