"""JSON report: the checklist as plain data (schema 2), as strict JSON; and read back.

Schema 2 (was 1): a snippet for an undefined step is stored once, in the top-level ``snippets``
table, and cases point at it by id; an undefined case's ``message`` is one line. Cases carry
``durations`` (milliseconds per step that ran). Every key of schema 1 is still there.
``from_data`` turns a report back into a checklist (``living-checklist merge`` renders from it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from living_checklist.core.escape import json_dumps
from living_checklist.core.inventory import Case, GherkinError, Requirement, problem_data
from living_checklist.core.lint import Finding
from living_checklist.core.measure import Measurement
from living_checklist.core.quality import Quality
from living_checklist.core.status import CaseOutcome, CaseResult, Checklist, RequirementResult, Status, totals
from living_checklist.reports.snippets import SnippetTable
from living_checklist.reports.snippets import table as snippet_table

SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)


def case_data(case: CaseResult, snippets: SnippetTable | None = None) -> dict[str, Any]:
    outcome = case.outcome
    data: dict[str, Any] = {
        "nodeid": case.nodeid,
        "status": outcome.status,
        "reason": outcome.reason,
        "message": outcome.message,
        "measurements": [m.as_dict() for m in outcome.measurements],
        "steps": outcome.steps,
    }
    if outcome.durations:
        data["durations"] = [round(ns / 1e6, 3) for ns in outcome.durations]
    used = snippets.by_case.get(case.nodeid) if snippets is not None else None
    if used:
        data["snippets"] = list(used)
    return data


def requirement_data(result: RequirementResult, snippets: SnippetTable | None = None) -> dict[str, Any]:
    req = result.requirement
    return {
        "id": req.id,
        "name": req.name,
        "description": req.description,
        "feature": req.feature,
        "line": req.line,
        "area": req.area,
        "rule": req.rule,
        "tags": list(req.tags),
        "seeds": list(req.seeds),
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "cases": [case_data(case, snippets) for case in result.cases],
    }


def to_data(checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    totals = asdict(checklist.totals)
    totals["pending_by_reason"] = dict(checklist.totals.pending_by_reason)
    snippets = snippet_table(checklist)
    return {
        "schema": SCHEMA_VERSION,
        "complete": checklist.complete,
        "totals": totals,
        "requirements": [requirement_data(result, snippets) for result in checklist.results],
        "errors": _errors_data(checklist),
        "seeds": seeds or [],
        "environment": dict(checklist.environment) if checklist.environment is not None else None,
        "quality": checklist.quality.data() if checklist.quality is not None else None,
        "snippets": _snippets_data(snippets),
    }


def _snippets_data(snippets: SnippetTable) -> list[dict[str, Any]]:
    """Each distinct snippet once: its id, its code, and the case that first needed it."""
    return [{"id": sid, "code": code, "first": snippets.first_use[sid]} for sid, code in snippets.items()]


def _errors_data(checklist: Checklist) -> list[dict[str, Any]]:
    """The Gherkin errors, then the lint findings, each with its kind and severity."""
    errors = [{**problem_data(e), "kind": "gherkin", "severity": "error"} for e in checklist.errors]
    return errors + [
        {**problem_data(f), "kind": f.rule or "lint", "severity": "error" if f.fails else "warning"}
        for f in checklist.findings
    ]


def quality_from_data(data: Any) -> Quality | None:
    if not isinstance(data, dict):
        return None
    covered = {str(k): _texts(v) for k, v in _entries(data, "covered")}
    waived = {str(k): str(v) for k, v in _entries(data, "waived")}
    return Quality(str(data.get("model", "")), covered, waived, _texts(data.get("missing") or ()))


def _texts(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


def _entries(data: Mapping[str, Any], key: str) -> list[tuple[Any, Any]]:
    """The key-value pairs of the object at ``key`` (none when it is missing or null)."""
    return list(dict(data.get(key) or {}).items())


def from_data(data: Mapping[str, Any]) -> Checklist:
    """A checklist from a report written by ``to_data`` (schema 1 or 2), for rendering and merging.

    What the report does not hold is left empty: the Gherkin text and steps of each scenario.
    """
    results = [_result_from_data(req) for req in data["requirements"]]
    errors, findings = _problems_from_data(data.get("errors", ()))
    environment = data.get("environment")
    return Checklist(
        quality=quality_from_data(data.get("quality")),
        results=tuple(results),
        errors=tuple(errors),
        complete=bool(data["complete"]),
        totals=totals(results),
        findings=tuple(findings),
        seeds=tuple(data.get("seeds", ())),
        environment=environment if isinstance(environment, dict) else None,
    )


def _case_from_data(req: Mapping[str, Any], case: Mapping[str, Any]) -> tuple[Case, CaseResult]:
    nodeid = str(case["nodeid"])
    scenario = Case(name=req["name"], item_name=nodeid.split("::", 1)[-1], line=0, tags=(), steps=())
    outcome = CaseOutcome(
        status=case["status"],
        reason=case.get("reason", ""),
        message=case.get("message", ""),
        measurements=tuple(Measurement(**m) for m in case.get("measurements", ())),
        steps=case.get("steps", ""),
        durations=tuple(int(round(float(ms) * 1e6)) for ms in case.get("durations", ())),
    )
    return scenario, CaseResult(nodeid, outcome)


def _requirement_from_data(req: Mapping[str, Any], cases: Sequence[Case]) -> Requirement:
    return Requirement(
        id=str(req["id"]),
        has_id=":" not in str(req["id"]),
        id_tags=(),
        name=str(req["name"]),
        description=str(req.get("description") or ""),
        keyword="Scenario",
        feature=str(req["feature"]),
        feature_name="",
        rule=req.get("rule"),
        line=int(req["line"]),
        column=1,
        area=str(req.get("area", "")),
        tags=tuple(str(t) for t in req.get("tags", ())),
        seeds=tuple(str(s) for s in req.get("seeds", ())),
        cases=tuple(cases),
        text="",
    )


def _result_from_data(req: Mapping[str, Any]) -> RequirementResult:
    pairs = [_case_from_data(req, case) for case in req["cases"]]
    requirement = _requirement_from_data(req, [scenario for scenario, _ in pairs])
    case_results = tuple(case_result for _, case_result in pairs)
    status: Status = req["status"]
    nodeid = case_results[0].nodeid if case_results else f"{requirement.feature}::{requirement.id}"
    return RequirementResult(requirement, nodeid, status, req.get("reason", ""), req.get("message", ""), case_results)


def _problems_from_data(entries: Iterable[Mapping[str, Any]]) -> tuple[list[GherkinError], list[Finding]]:
    """The report's "errors": Gherkin errors (kind "gherkin") and lint findings (any other kind)."""
    errors: list[GherkinError] = []
    findings: list[Finding] = []
    for error in entries:
        where = (error["path"], int(error["line"]), int(error["column"]), error["message"])
        if error.get("kind", "gherkin") == "gherkin":
            errors.append(GherkinError(*where))
        else:
            findings.append(
                Finding(*where, fails=error.get("severity", "error") == "error", rule=error.get("kind", ""))
            )
    return errors, findings


def stream_json(data: Any, *, depth: int = 2) -> Iterator[str]:
    """The text of ``json_dumps(data)`` (strict JSON, indent 2), piece by piece.

    A report of thousands of cases is tens of megabytes of text, and ``json.dumps`` holds it twice
    over (millions of pieces, then the joined string). Here the top ``depth`` levels of lists and
    objects are taken apart and each value below them is encoded on its own, so what is in
    memory at once is one requirement's (or one feature's) text. Strictness is per value, which
    gives the same text: ``json_safe`` changes only what strict JSON cannot carry.
    """
    yield from _pieces(data, 0, depth)
    yield "\n"


def stream_json_list(items: Iterable[Any]) -> Iterator[str]:
    """The text of ``json_dumps(list(items))``, taking one item at a time (a generator need not
    hold them all)."""
    empty = True
    for item in items:
        yield "[\n  " if empty else ",\n  "
        empty = False
        yield from _pieces(item, 1, 0)
    yield "[]\n" if empty else "\n]\n"


def _pieces(value: Any, level: int, depth: int) -> Iterator[str]:
    """``value`` as ``json.dumps(indent=2)`` writes it ``level`` levels deep (without the indent of
    its first line); lists and objects taken apart down to ``depth`` more levels."""
    if depth > 0 and _named_members(value):
        yield from _object_pieces(value, level, depth)
    elif depth > 0 and isinstance(value, list | tuple) and value:
        yield from _list_pieces(value, level, depth)
    else:
        # JSON strings hold no raw newline: every newline in the text is indentation.
        yield json_dumps(value)[:-1].replace("\n", "\n" + "  " * level)


def stream(checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> Iterator[str]:
    """The report written as it is encoded (``reports.write_report`` takes the pieces)."""
    return stream_json(to_data(checklist, seeds))


def render(checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> str:
    """Strict JSON (no NaN or Infinity, no lone surrogates); ``reports.write_report`` writes it."""
    return json_dumps(to_data(checklist, seeds))


def _named_members(value: Any) -> bool:
    """A non-empty object whose keys are all strings: one to take apart (any other is encoded whole)."""
    return isinstance(value, dict) and bool(value) and all(isinstance(key, str) for key in value)


def _object_pieces(value: Mapping[str, Any], level: int, depth: int) -> Iterator[str]:
    """A non-empty object with string keys, taken apart (see ``_pieces``)."""
    inner = "\n" + "  " * (level + 1)
    for index, (key, item) in enumerate(value.items()):
        yield ("{" if index == 0 else ",") + inner + json_dumps(key, compact=True)[:-1] + ": "
        yield from _pieces(item, level + 1, depth - 1)
    yield "\n" + "  " * level + "}"


def _list_pieces(value: Sequence[Any], level: int, depth: int) -> Iterator[str]:
    """A non-empty list, taken apart (see ``_pieces``)."""
    inner = "\n" + "  " * (level + 1)
    for index, item in enumerate(value):
        yield ("[" if index == 0 else ",") + inner
        yield from _pieces(item, level + 1, depth - 1)
    yield "\n" + "  " * level + "]"
