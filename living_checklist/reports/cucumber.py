"""Cucumber JSON: every scenario of the checklist in the shape Cucumber's own formatter writes.

Pure: built from the checklist (the inventory's steps plus each case's step codes), never from
pytest report objects, so it is complete under xdist and lists scenarios whose steps are
undefined. Report tools that read Cucumber JSON (cucumber-html-reporter, the Jenkins plugin,
multiple-cucumber-html-reporter) then draw pending and undefined steps as such.

Where a case stopped before its first step (setup failed, the run died, the file is not
Gherkin), the failure is a failed ``before`` hook, as Cucumber reports a failing Before hook.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypedDict

from living_checklist.core.attach import Attachment
from living_checklist.core.escape import json_dumps
from living_checklist.core.inventory import Case, GherkinError, Requirement, Step
from living_checklist.core.status import CaseOutcome, CaseResult, Checklist, RequirementResult
from living_checklist.reports.json import stream_json_list
from living_checklist.reports.results import HookStep, StepStatus, case_steps, duration_at


class Result(TypedDict, total=False):
    status: StepStatus
    error_message: str
    duration: int  # nanoseconds, as Cucumber writes it


class Match(TypedDict):
    location: str


class Tag(TypedDict):
    name: str
    line: int


class StepJson(TypedDict, total=False):
    keyword: str
    name: str
    line: int
    match: Match
    result: Result
    doc_string: dict[str, Any]
    rows: list[dict[str, list[str]]]
    embeddings: list[Embedding]


class Embedding(TypedDict, total=False):
    data: str  # base64, as Cucumber writes it
    mime_type: str
    name: str


class HookJson(TypedDict, total=False):
    match: Match
    result: Result
    embeddings: list[Embedding]


class ElementJson(TypedDict, total=False):
    id: str
    name: str
    description: str
    keyword: str
    line: int
    type: str
    tags: list[Tag]
    steps: list[StepJson]
    before: list[HookJson]
    after: list[HookJson]


class FeatureJson(TypedDict):
    uri: str
    id: str
    name: str
    description: str
    keyword: str
    line: int
    tags: list[Tag]
    elements: list[ElementJson]


def slug(text: str) -> str:
    """Cucumber's ids: lower case, runs of spaces as one dash."""
    return re.sub(r"\s+", "-", text.strip().lower()) or "unnamed"


def tag_lines(req: Requirement) -> dict[str, int]:
    """Where each tag is written, found in the scenario's source; inherited tags point at line 1."""
    lines = req.text.splitlines()
    first_line = req.line - _keyword_index(lines)
    found: dict[str, int] = {}
    for i, line in enumerate(lines):
        for tag in _tags_on(line):
            found.setdefault(tag, first_line + i)
    return found


def _keyword_index(lines: Sequence[str]) -> int:
    """The index of the scenario's keyword line: the first that is no tag line, comment or blank."""
    return next((i for i, line in enumerate(lines) if line.strip() and not line.strip().startswith(("@", "#"))), 0)


def _tags_on(line: str) -> list[str]:
    """The tags a tag line names (none on a line that is not one)."""
    stripped = line.strip()
    if not stripped.startswith("@"):
        return []
    return [token[1:] for token in stripped.split() if token.startswith("@")]


def _step(req: Requirement, step: Step, status: StepStatus, message: str, duration: int | None = None) -> StepJson:
    data: StepJson = {
        "keyword": step.keyword,
        "name": step.text,
        "line": step.line,
        "match": {"location": f"{req.feature}:{step.line}"},
        "result": {"status": status},
    }
    if duration is not None:
        data["result"]["duration"] = duration
    if message:
        data["result"]["error_message"] = message
    if step.docstring is not None:
        data["doc_string"] = {"value": step.docstring, "content_type": "", "line": step.line + 1}
    if step.datatable is not None:
        data["rows"] = [{"cells": list(row)} for row in step.datatable]
    return data


def _hook(location: str, status: StepStatus, message: str, attachments: Sequence[Attachment] | None = None) -> HookJson:
    result: Result = {"status": status}
    if message:
        result["error_message"] = message
    hook: HookJson = {"match": {"location": location}, "result": result}
    if attachments:
        hook["embeddings"] = _embeddings(attachments)
    return hook


def _embeddings(attachments: Sequence[Attachment]) -> list[Embedding]:
    """Cucumber JSON's embeddings: the data always base64."""
    out: list[Embedding] = []
    for attachment in attachments:
        data = attachment.body if attachment.base64 else base64.b64encode(attachment.data()).decode("ascii")
        embedding: Embedding = {"data": data, "mime_type": attachment.media_type}
        if attachment.name:
            embedding["name"] = attachment.name
        out.append(embedding)
    return out


def _steps_and_hooks(
    req: Requirement, steps: Sequence[Step], case: CaseResult | None, fallback: RequirementResult
) -> tuple[list[StepJson], list[HookJson], list[HookJson]]:
    outcome = case.outcome if case is not None else CaseOutcome(fallback.status, fallback.reason, fallback.message)
    shown = case_steps(outcome, len(steps))
    # The message goes on the step that stopped the case, unless a hook carries it.
    stopper = shown.message_step
    json_steps = [
        _step(req, step, status, shown.message if i == stopper else "", duration_at(outcome, i))
        for i, (step, status) in enumerate(zip(steps, shown.steps, strict=True))
    ]
    _embed(json_steps, shown.attachments)
    before = [_hook_step(req, hook, shown.attachments.get(-1)) for hook in shown.before]
    after = [_hook_step(req, hook, shown.attachments.get(len(steps))) for hook in shown.after]
    return json_steps, before, after


def _embed(json_steps: list[StepJson], attachments: Mapping[int, Sequence[Attachment]]) -> None:
    """Each step's attachments as its embeddings (a step without any has none)."""
    for index, json_step in enumerate(json_steps):
        if attachments.get(index):
            json_step["embeddings"] = _embeddings(attachments[index])


def _hook_step(req: Requirement, hook: HookStep, generic: Sequence[Attachment] | None) -> HookJson:
    """A recorded hook at its code (``file:line``), with its duration and attachments; the generic
    setup or teardown hook at the scenario."""
    run = hook.run
    if run is None:
        return _hook(req.location, hook.status, hook.message, generic)
    json_hook = _hook(f"{run.uri}:{run.line}", hook.status, hook.message, run.attachments)
    json_hook["result"]["duration"] = run.nanos
    return json_hook


def _element(
    req: Requirement, result: RequirementResult, case: Case | None, case_result: CaseResult | None, feature_id: str
) -> ElementJson:
    lines = tag_lines(req)
    # An outline's example is a case of its own; a requirement without cases stands for itself.
    name, line, tag_names, steps = (
        (case.name, case.line, case.tags, case.steps)
        if case is not None
        else (req.name, req.line, req.tags, req.outline_steps)
    )
    json_steps, before, after = _steps_and_hooks(req, steps, case_result, result)
    element: ElementJson = {
        "id": _element_id(feature_id, req, case),
        "name": name,
        "description": req.description,
        "keyword": req.keyword,
        "line": line,
        "type": "scenario",
        "tags": [{"name": f"@{tag}", "line": lines.get(tag, 1)} for tag in tag_names],
        "steps": json_steps,
    }
    if before:
        element["before"] = before
    if after:
        element["after"] = after
    return element


def _element_id(feature_id: str, req: Requirement, case: Case | None) -> str:
    """The feature's id and the scenario's slug; an outline's example adds its line."""
    element_id = f"{feature_id};{slug(req.name)}"
    if case is not None and case.example:
        element_id += f";{case.line}"
    return element_id


def _error_feature(path: str, errors: Sequence[GherkinError]) -> FeatureJson:
    """A file that is not Gherkin: one failed scenario, so report tools show the failure."""
    first = errors[0]
    message = "\n".join(str(error) for error in errors)
    return {
        "uri": path,
        "id": slug(path),
        "name": path,
        "description": "",
        "keyword": "Feature",
        "line": 1,
        "tags": [],
        "elements": [
            {
                "id": f"{slug(path)};cannot-be-read-as-gherkin",
                "name": "cannot be read as Gherkin",
                "description": "",
                "keyword": "Scenario",
                "line": first.line,
                "type": "scenario",
                "tags": [],
                "steps": [],
                "before": [_hook(f"{path}:{first.line}", "failed", message)],
            }
        ],
    }


def features(checklist: Checklist) -> Iterator[FeatureJson]:
    """Each feature of the report in turn, made when it is asked for."""
    grouped: dict[str, list[RequirementResult]] = {}
    for result in checklist.results:
        grouped.setdefault(result.requirement.feature, []).append(result)
    used_ids: set[str] = set()
    for results in grouped.values():
        yield _feature(results, used_ids)
    by_path: dict[str, list[GherkinError]] = {}
    for error in checklist.errors:
        by_path.setdefault(error.path, []).append(error)
    for path, errors in sorted(by_path.items()):
        yield _error_feature(path, errors)


def _feature(results: Sequence[RequirementResult], used_ids: set[str]) -> FeatureJson:
    """One feature file's requirements, an element per case; ``used_ids`` keeps element ids unique."""
    first = results[0].requirement
    feature: FeatureJson = {
        "uri": first.feature,
        "id": slug(first.feature_name or first.feature),
        "name": first.feature_name,
        "description": "",
        "keyword": "Feature",
        "line": 1,
        "tags": [],
        "elements": [],
    }
    for result in results:
        for case, case_result in _pairs(result):
            element = _element(result.requirement, result, case, case_result, feature["id"])
            if element["id"] in used_ids:  # report tools key scenarios on id
                element["id"] += f";{element['line']}"
            used_ids.add(element["id"])
            feature["elements"].append(element)
    return feature


def _pairs(result: RequirementResult) -> list[tuple[Case | None, CaseResult | None]]:
    """Each case with its result; a requirement without cases once, with its first result if any."""
    if not result.requirement.cases:
        return [(None, result.cases[0] if result.cases else None)]
    return list(zip(result.requirement.cases, result.cases, strict=False))


def render_data(checklist: Checklist) -> list[FeatureJson]:
    return list(features(checklist))


def stream(checklist: Checklist) -> Iterator[str]:
    """The text of ``render`` a feature at a time: only one feature's data is in memory at once."""
    return stream_json_list(features(checklist))


def render(checklist: Checklist) -> str:
    return json_dumps(render_data(checklist))
