"""Cucumber Messages (NDJSON): the run as the Cucumber Compatibility Kit defines it.

Pure: built from the checklist (each case's step codes, step durations, start time and the
definitions its steps matched, all carried to the controller in ``user_properties``) and the
feature files' text, parsed again here with gherkin-official so that the gherkinDocument and
pickle messages are exactly the official ones. The order is the kit's: meta; per file source,
gherkinDocument, pickles; stepDefinitions; testRunStarted; every testCase; then per case
testCaseStarted, per step testStepStarted (a suggestion for an undefined step) and
testStepFinished, testCaseFinished; testRunFinished. Cases are written in file order whatever
order the workers ran them in, so ``-n 2`` writes the same sequence.

Deliberate differences from a Cucumber run: ``testRunFinished.success`` follows the harness's
exit status (pending and undefined keep CI green); a case not selected in this run has a pickle
but no testCase (as Cucumber does for a filtered-out pickle); parse patterns are reported as
Cucumber expressions and ``re`` patterns as regular expressions.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gherkin.ast_builder import AstBuilder
from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from gherkin.stream.id_generator import IdGenerator

from living_checklist.core.escape import json_dumps
from living_checklist.core.inventory import Step
from living_checklist.core.status import MATCH_SEPARATOR, CaseResult, Checklist
from living_checklist.run.registry import snippet

PROTOCOL_VERSION = "32.0.0"
MEDIA_TYPE = "text/x.cucumber.gherkin+plain"
# Step codes of a case (see status.CaseOutcome.steps) and Cucumber's TestStepResultStatus.
CODE_STATUS = {".": "PASSED", "F": "FAILED", "E": "FAILED", "P": "PENDING", "U": "UNDEFINED", "-": "SKIPPED"}
NOT_RUN_REASONS = frozenset({"not-selected", "not-run"})
KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class StepDefRef:
    """A step definition as the worker saw it: file, line, parser kind and pattern."""

    uri: str
    line: int
    kind: str  # the pytest-bdd parser class: string, parse, cfparse, re
    pattern: str

    @classmethod
    def parse(cls, key: str) -> StepDefRef | None:
        parts = key.split(KEY_SEPARATOR, 3)
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])

    @property
    def pattern_type(self) -> str:
        return "REGULAR_EXPRESSION" if self.kind == "re" else "CUCUMBER_EXPRESSION"


@dataclass(frozen=True)
class RunInfo:
    """What the run adds to the checklist: when it started and finished, and whether it passed."""

    started: float
    finished: float
    success: bool
    version: str = "0"


def timestamp(seconds: float) -> dict[str, int]:
    nanos = int(round(seconds * 1e9))
    return {"seconds": nanos // 1_000_000_000, "nanos": nanos % 1_000_000_000}


def duration(nanos: int) -> dict[str, int]:
    return {"seconds": nanos // 1_000_000_000, "nanos": nanos % 1_000_000_000}


def meta(info: RunInfo) -> dict[str, Any]:
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "implementation": {"name": "living-checklist", "version": info.version},
        "runtime": {"name": platform.python_implementation(), "version": platform.python_version()},
        "os": {"name": sys.platform, "version": platform.release()},
        "cpu": {"name": platform.machine() or "unknown"},
    }


def step_statuses(codes: str, count: int, reason: str, status: str) -> list[str]:
    """Cucumber's status of each step; a case that stopped before its first step fails there."""
    statuses = [CODE_STATUS.get(code, "SKIPPED") for code in codes[:count]]
    if reason == "ambiguous":
        statuses = ["AMBIGUOUS" if code == "E" else s for code, s in zip(codes, statuses, strict=False)]
    statuses += ["SKIPPED"] * (count - len(statuses))
    if not codes and status == "error" and statuses:
        statuses[0] = "FAILED"  # setup failed, or the run died before the first step
    return statuses


@dataclass
class _Planned:
    # Only the ids of the pickle and its steps: the whole pickles of thousands of cases would
    # stay in memory until the last envelope (issue 15, F2).
    pickle_id: str
    step_ids: tuple[str, ...]
    steps: tuple[Step, ...]
    case: CaseResult


def envelopes(
    checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo
) -> Iterator[dict[str, Any]]:
    """Every envelope of the run, in the kit's order."""
    ids = IdGenerator()
    yield {"meta": meta(info)}
    by_feature: dict[str, list[tuple[tuple[Step, ...], int, CaseResult]]] = {}
    for result in checklist.results:
        cases = by_feature.setdefault(result.requirement.feature, [])
        for case, case_result in zip(result.requirement.cases, result.cases, strict=False):
            cases.append((case.steps, case.line, case_result))
    planned: list[_Planned] = []
    for path in sorted(set(by_feature) | {e.path for e in checklist.errors}):
        text = read_source(path)
        if text is None:
            continue
        yield {"source": {"data": text, "uri": path, "mediaType": MEDIA_TYPE}}
        try:
            parsed = Parser(AstBuilder(ids)).parse(text)
        except (CompositeParserException, ParserError) as exc:
            inner = exc.errors if isinstance(exc, CompositeParserException) else [exc]
            for err in inner:
                location = dict(getattr(err, "location", None) or {"line": 1})
                yield {"parseError": {"source": {"uri": path, "location": location}, "message": str(err)}}
            continue
        document: dict[str, Any] = {**parsed, "uri": path}
        yield {"gherkinDocument": document}
        pickles: list[dict[str, Any]] = list(Compiler(ids).compile(document))  # type: ignore[arg-type]
        for pickle in pickles:
            yield {"pickle": pickle}
        # Our cases are gherkin-official's pickles of the same text, in the same order.
        ours = by_feature.get(path, [])
        if len(ours) == len(pickles) and all(
            int(p["location"]["line"]) == line for p, (_, line, _) in zip(pickles, ours, strict=True)
        ):
            planned.extend(
                _Planned(p["id"], tuple(s["id"] for s in p["steps"]), steps, c)
                for p, (steps, _, c) in zip(pickles, ours, strict=True)
            )
    definitions: dict[str, str] = {}
    for item in planned:
        for refs in item.case.outcome.matches:
            for key in refs.split(MATCH_SEPARATOR) if refs else ():
                ref = StepDefRef.parse(key)
                if ref is None or key in definitions:
                    continue
                definitions[key] = ids.get_next_id()
                yield {
                    "stepDefinition": {
                        "id": definitions[key],
                        "pattern": {"type": ref.pattern_type, "source": ref.pattern},
                        "sourceReference": {"uri": ref.uri, "location": {"line": ref.line}},
                    }
                }
    run_id = ids.get_next_id()
    yield {"testRunStarted": {"id": run_id, "timestamp": timestamp(info.started)}}
    # Only the ids the execution envelopes need: (test case id, ((test step id, pickle step id), ...)).
    test_cases: list[tuple[str, tuple[tuple[str, str], ...], _Planned]] = []
    for item in planned:
        if item.case.outcome.reason in NOT_RUN_REASONS:
            continue
        matches = item.case.outcome.matches
        steps = []
        step_ids: list[tuple[str, str]] = []
        for index, pickle_step_id in enumerate(item.step_ids):
            refs = matches[index] if index < len(matches) else ""
            def_ids = [definitions[k] for k in refs.split(MATCH_SEPARATOR) if k in definitions] if refs else []
            step_id = ids.get_next_id()
            step_ids.append((step_id, pickle_step_id))
            steps.append(
                {
                    "id": step_id,
                    "pickleStepId": pickle_step_id,
                    "stepDefinitionIds": def_ids,
                    "stepMatchArgumentsLists": [{"stepMatchArguments": []} for _ in def_ids[:1]],
                }
            )
        test_case_id = ids.get_next_id()
        test_cases.append((test_case_id, tuple(step_ids), item))
        test_case = {"id": test_case_id, "pickleId": item.pickle_id, "testSteps": steps, "testRunStartedId": run_id}
        yield {"testCase": test_case}
    for test_case_id, test_steps, item in test_cases:
        yield from _execution(ids, test_case_id, test_steps, item, info)
    finished = {"testRunStartedId": run_id, "timestamp": timestamp(info.finished), "success": info.success}
    yield {"testRunFinished": finished}


def _execution(
    ids: IdGenerator, test_case_id: str, test_steps: Sequence[tuple[str, str]], item: _Planned, info: RunInfo
) -> Iterator[dict[str, Any]]:
    outcome = item.case.outcome
    started_id = ids.get_next_id()
    clock = outcome.started or info.started
    yield {
        "testCaseStarted": {
            "id": started_id,
            "testCaseId": test_case_id,
            "timestamp": timestamp(clock),
            "attempt": 0,
        }
    }
    statuses = step_statuses(outcome.steps, len(test_steps), outcome.reason, outcome.status)
    stopped = next((i for i, s in enumerate(statuses) if s in ("FAILED", "PENDING", "AMBIGUOUS")), None)
    for index, ((step_id, pickle_step_id), status) in enumerate(zip(test_steps, statuses, strict=True)):
        nanos = outcome.durations[index] if index < len(outcome.durations) else 0
        yield {
            "testStepStarted": {"testCaseStartedId": started_id, "testStepId": step_id, "timestamp": timestamp(clock)}
        }
        if status == "UNDEFINED" and index < len(item.steps):
            code = snippet(item.steps[index])
            yield {
                "suggestion": {
                    "id": ids.get_next_id(),
                    "pickleStepId": pickle_step_id,
                    "snippets": [{"language": "python", "code": code}],
                }
            }
        clock += nanos / 1e9
        result: dict[str, Any] = {"status": status, "duration": duration(nanos)}
        if index == stopped and outcome.message:
            result["message"] = outcome.message
            if status == "FAILED" and outcome.exception:
                result["exception"] = {"type": outcome.exception, "message": outcome.message}
        yield {
            "testStepFinished": {
                "testCaseStartedId": started_id,
                "testStepId": step_id,
                "testStepResult": result,
                "timestamp": timestamp(clock),
            }
        }
    yield {"testCaseFinished": {"testCaseStartedId": started_id, "timestamp": timestamp(clock), "willBeRetried": False}}


def stream(checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo) -> Iterator[str]:
    """The NDJSON text a line at a time (one envelope a line), so it is never whole in memory."""
    for envelope in envelopes(checklist, read_source, info):
        yield json_dumps(envelope, compact=True)


def render(checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo) -> str:
    """The whole NDJSON text: one envelope a line."""
    return "".join(stream(checklist, read_source, info))
