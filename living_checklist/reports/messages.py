"""Cucumber Messages (NDJSON): the run as the Cucumber Compatibility Kit defines it.

Pure: built from the checklist (each case's step codes, step durations, start time and the
definitions its steps matched, all carried to the controller in ``user_properties``) and the
feature files' text, parsed again here with gherkin-official so that the gherkinDocument and
pickle messages are exactly the official ones. The order is the kit's: meta; per file source,
gherkinDocument, pickles; stepDefinitions and hooks in source order; testRunStarted; the
BeforeAll hooks' runs; every testCase; then per case testCaseStarted, per step testStepStarted (a
suggestion for an undefined step) and testStepFinished, testCaseFinished; the AfterAll hooks'
runs; testRunFinished. Step statuses and hook steps come from ``reports.results``, as for
Cucumber JSON and the HTML: each recorded hook (``core.hooks``) is a step of its own, and a status
that nothing recorded explains is on a generic Before or After hook step. The testCases come in
the order the cases ran, and every attempt of a case (pytest-rerunfailures' reruns,
``RunInfo.retried``) has its testCaseStarted; attempts are merged by timestamp: one after another
when they ran one after another, interleaved where xdist's workers ran them at once; no timestamp
goes back. Every step definition
registered where the cases are has its stepDefinition, used or not, each with the pattern
Cucumber's engines compile (``reports.patterns``), after a parameterType per ``extra_types``
converter; a test step's stepMatchArguments are the groups its text matched.

Deliberate differences from a Cucumber run: ``testRunFinished.success`` follows the harness's
exit status (pending and undefined keep CI green); a case not selected in this run has a pickle
but no testCase (as Cucumber does for a filtered-out pickle).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gherkin.ast_builder import AstBuilder
from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from gherkin.stream.id_generator import IdGenerator

from living_checklist.core.attach import Attachment
from living_checklist.core.definitions import ParameterTypeInfo, StepDefinitionInfo
from living_checklist.core.escape import json_dumps
from living_checklist.core.gherkin_files import media_type, token_matcher
from living_checklist.core.hooks import HookRun
from living_checklist.core.inventory import Step
from living_checklist.core.status import MATCH_SEPARATOR, CaseOutcome, CaseResult, Checklist
from living_checklist.reports import messages_attempts as attempts
from living_checklist.reports import messages_hooks, patterns
from living_checklist.reports.messages_steps import (
    hook_end,
    hook_run,
    result,
    step_run,
    test_run_hook_envelopes,
    timestamp,
)
from living_checklist.reports.results import CaseSteps, HookStep, case_steps, duration_at
from living_checklist.run.registry import snippet

PROTOCOL_VERSION = "33.0.4"  # the version the kit's expected samples declare (tests/data/cck)
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

    def order(self) -> tuple[str, int, str, str]:
        return (self.uri, self.line, self.kind, self.pattern)


@dataclass(frozen=True)
class RunInfo:
    """What the run adds to the checklist: when it started and finished, and whether it passed."""

    started: float
    finished: float
    success: bool
    version: str = "0"
    # The earlier attempts of a rerun case (pytest-rerunfailures), by node id, oldest first.
    retried: Mapping[str, Sequence[CaseOutcome]] = field(default_factory=dict)
    exception: tuple[str, str] | None = None  # what stopped the run outside any case: type, message


def meta(info: RunInfo) -> dict[str, Any]:
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "implementation": {"name": "living-checklist", "version": info.version},
        "runtime": {"name": platform.python_implementation(), "version": platform.python_version()},
        "os": {"name": sys.platform, "version": platform.release()},
        "cpu": {"name": platform.machine() or "unknown"},
    }


@dataclass
class _Planned:
    # Only the ids of the pickle and its steps: the whole pickles of thousands of cases would
    # stay in memory until the last envelope (issue 15, F2).
    pickle_id: str
    step_ids: tuple[str, ...]
    texts: tuple[str, ...]  # the pickle steps' texts, which the step definitions matched
    steps: tuple[Step, ...]
    case: CaseResult


@dataclass(frozen=True)
class _TestCase:
    """The ids the execution envelopes need: the case's, its steps' and its hook steps'."""

    id: str
    steps: tuple[tuple[str, str], ...]  # (test step id, pickle step id)
    before: tuple[str, ...]  # test step ids of its Before hook steps
    after: tuple[str, ...]
    planned: _Planned
    # The hook steps of the attempt that had the most, with any another attempt had besides.
    before_hooks: tuple[HookStep, ...] = ()
    after_hooks: tuple[HookStep, ...] = ()


_Ours = Sequence[tuple[tuple[Step, ...], int, CaseResult]]  # a feature file's cases: steps, line, result


def _by_feature(checklist: Checklist) -> dict[str, list[tuple[tuple[Step, ...], int, CaseResult]]]:
    """Each feature file's cases (their steps, line and result) in checklist order."""
    by_feature: dict[str, list[tuple[tuple[Step, ...], int, CaseResult]]] = {}
    for req_result in checklist.results:
        cases = by_feature.setdefault(req_result.requirement.feature, [])
        for case, case_result in zip(req_result.requirement.cases, req_result.cases, strict=False):
            cases.append((case.steps, case.line, case_result))
    return by_feature


def _feature_paths(checklist: Checklist, by_feature: Mapping[str, object]) -> list[str]:
    """Every feature file with cases or errors, in path order."""
    return sorted(set(by_feature) | {e.path for e in checklist.errors})


def _finished(info: RunInfo, run_id: str) -> dict[str, Any]:
    """The testRunFinished envelope: success, and what stopped the run outside any case."""
    finished: dict[str, Any] = {
        "testRunStartedId": run_id,
        "timestamp": timestamp(info.finished),
        "success": info.success and info.exception is None,
    }
    if info.exception is not None:
        kind, message = info.exception
        finished["message"] = message
        finished["exception"] = {"type": kind, "message": message}
    return {"testRunFinished": finished}


def envelopes(
    checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo
) -> Iterator[dict[str, Any]]:
    """Every envelope of the run, in the kit's order."""
    ids = IdGenerator()
    yield {"meta": meta(info)}
    by_feature = _by_feature(checklist)
    planned: list[_Planned] = []
    for path in _feature_paths(checklist, by_feature):
        yield from _document(ids, path, read_source(path), by_feature.get(path, []), planned)
    run_hooks = [run for item in planned for run in item.case.outcome.run_hooks]
    before_all, after_all = messages_hooks.test_run_hooks(run_hooks)
    running = [item for item in planned if _runs(item, before_all)]
    definitions: dict[str, _Definition] = {}
    hooks: dict[Any, str] = {}
    glue = messages_hooks.HookDefinitions(_every_attempt(running, info.retried), run_hooks, hooks)
    yield from _step_definitions(ids, checklist.definitions, planned, definitions, glue)
    yield from glue.rest(ids)
    run_id = ids.get_next_id()
    yield {"testRunStarted": {"id": run_id, "timestamp": timestamp(info.started)}}
    yield from test_run_hook_envelopes(ids, before_all, hooks, run_id)
    ran = attempts.in_order(running, lambda item: item.case, info.retried, info.started)
    test_cases: dict[int, _TestCase] = {}
    for item in _in_run_order(running, ran):
        test_cases[id(item)], envelope = _test_case(ids, item, definitions, hooks, run_id, info.retried)
        yield envelope
    yield from attempts.in_time_order(
        _execution(ids, test_cases[id(item)], info, outcome, attempt) for attempt, item, outcome in ran
    )
    yield from test_run_hook_envelopes(ids, after_all, hooks, run_id)
    yield _finished(info, run_id)


def _every_attempt(running: Sequence[_Planned], retried: Mapping[str, Sequence[CaseOutcome]]) -> list[CaseSteps]:
    """The hooks and steps of every attempt of every case that ran, earlier attempts first."""
    return [_shown(item, o) for item in running for o in (*retried.get(item.case.nodeid, ()), item.case.outcome)]


def _in_run_order(running: Sequence[_Planned], ran: Sequence[tuple[int, _Planned, CaseOutcome]]) -> list[_Planned]:
    """The cases in the order their first attempts ran."""
    first = {id(item): index for index, (_, item, _) in reversed(list(enumerate(ran)))}
    return sorted(running, key=lambda item: first[id(item)])


def _document(
    ids: IdGenerator,
    path: str,
    text: str | None,
    ours: _Ours,
    planned: list[_Planned],
) -> Iterator[dict[str, Any]]:
    """A feature file's source, gherkinDocument and pickles (or parse errors); its cases join ``planned``."""
    if text is None:
        return
    yield {"source": {"data": text, "uri": path, "mediaType": media_type(path)}}
    try:
        parsed = Parser(AstBuilder(ids)).parse(text, token_matcher(path))
    except (CompositeParserException, ParserError) as exc:
        yield from _parse_errors(path, exc)
        return
    document: dict[str, Any] = {**parsed, "uri": path}
    yield {"gherkinDocument": document}
    pickles: list[dict[str, Any]] = list(Compiler(ids).compile(document))  # type: ignore[arg-type]
    for pickle in pickles:
        yield {"pickle": pickle}
    planned.extend(_planned(pickles, ours))


def _parse_errors(path: str, exc: CompositeParserException | ParserError) -> Iterator[dict[str, Any]]:
    inner = exc.errors if isinstance(exc, CompositeParserException) else [exc]
    for err in inner:
        location = dict(getattr(err, "location", None) or {"line": 1})
        yield {"parseError": {"source": {"uri": path, "location": location}, "message": str(err)}}


def _planned(pickles: Sequence[dict[str, Any]], ours: _Ours) -> list[_Planned]:
    """Our cases with their pickles' ids; none when they are not gherkin-official's pickles of the
    same text, in the same order."""
    if len(ours) != len(pickles):
        return []
    if any(int(p["location"]["line"]) != line for p, (_, line, _) in zip(pickles, ours, strict=True)):
        return []
    return [_pickle_planned(p, steps, c) for p, (steps, _, c) in zip(pickles, ours, strict=True)]


def _pickle_planned(pickle: Mapping[str, Any], steps: tuple[Step, ...], case: CaseResult) -> _Planned:
    """A case with the ids of its pickle and the pickle's steps, and those steps' texts.

    A text equal to our step's is kept as our step's string, which the checklist holds anyway:
    the pickles' own copies go with their envelopes, so the report holds one file's share."""
    pickle_steps = pickle["steps"]
    ids = tuple(s["id"] for s in pickle_steps)
    texts = tuple(_same_text(s["text"], steps, index) for index, s in enumerate(pickle_steps))
    return _Planned(pickle["id"], ids, texts, steps, case)


def _same_text(text: str, steps: tuple[Step, ...], index: int) -> str:
    return steps[index].text if index < len(steps) and steps[index].text == text else text


@dataclass(frozen=True)
class _Definition:
    id: str
    info: StepDefinitionInfo | None


def _step_definitions(
    ids: IdGenerator,
    registered: Sequence[StepDefinitionInfo],
    planned: Sequence[_Planned],
    definitions: dict[str, _Definition],
    glue: messages_hooks.HookDefinitions,
) -> Iterator[dict[str, Any]]:
    """A parameterType per extra type, then a stepDefinition per definition: every registered one
    (in file and line order), then any other a step matched; ``definitions`` maps key to them."""
    infos: dict[str, StepDefinitionInfo | None] = {info.key: info for info in registered}
    refs = {key: ref for key in infos if (ref := StepDefRef.parse(key)) is not None}
    keys = sorted(refs, key=lambda k: refs[k].order())
    for key, ref in _matched_only(planned, refs):
        refs[key] = ref
        keys.append(key)
        infos.setdefault(key, patterns.info_from_key(ref.kind, ref.pattern, key))
    for kind in _parameter_kinds([infos.get(key) for key in keys]):
        yield {"parameterType": _parameter_type(ids.get_next_id(), kind)}
    for key in keys:
        ref, info = refs[key], infos.get(key)
        yield from glue.until(ids, ref.uri, ref.line)  # hooks are among the definitions in source order
        definitions[key] = _Definition(ids.get_next_id(), info)
        yield _step_definition(definitions[key].id, ref, info)


def _parameter_kinds(infos: Sequence[StepDefinitionInfo | None]) -> dict[ParameterTypeInfo, None]:
    """The extra types the definitions use, once each, in the order first used."""
    kinds: dict[ParameterTypeInfo, None] = {}
    for info in infos:
        kinds.update(dict.fromkeys(info.parameter_types if info is not None else ()))
    return kinds


def _step_definition(id_: str, ref: StepDefRef, info: StepDefinitionInfo | None) -> dict[str, Any]:
    pattern_type, source = patterns.cucumber_pattern(ref.kind, ref.pattern, info)
    return {
        "stepDefinition": {
            "id": id_,
            "pattern": {"type": pattern_type, "source": source},
            "sourceReference": {"uri": ref.uri, "location": {"line": ref.line}},
        }
    }


def _matched_only(planned: Sequence[_Planned], known: Mapping[str, StepDefRef]) -> Iterator[tuple[str, StepDefRef]]:
    """The definitions steps matched that no run described (its worker died), in the order first matched."""
    seen = set(known)
    for item in planned:
        for matched in item.case.outcome.matches:
            for key in matched.split(MATCH_SEPARATOR) if matched else ():
                if key not in seen and (ref := StepDefRef.parse(key)) is not None:
                    seen.add(key)
                    yield key, ref


def _parameter_type(id_: str, kind: ParameterTypeInfo) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id_,
        "name": patterns.parameter_type_name(kind.name),
        "regularExpressions": [patterns.parameter_type_regex(kind.regex)],
        "preferForRegularExpressionMatch": False,
        "useForSnippets": False,  # the snippets written for undefined steps use parse's own types
    }
    if kind.uri:
        body["sourceReference"] = {"uri": kind.uri, "location": {"line": kind.line}}
    return body


def _runs(item: _Planned, before_all: Sequence[HookRun]) -> bool:
    """Whether a case has a testCase: it ran, and not only into a failed BeforeAll hook (Cucumber
    runs no test case after one)."""
    outcome = item.case.outcome
    if outcome.reason in NOT_RUN_REASONS:
        return False
    stopped = any(run.status == "failed" for run in before_all)
    own = any(run.status != "passed" for run in outcome.hooks)
    return not (stopped and outcome.status == "error" and outcome.reason == "setup" and not own)


def _shown(item: _Planned, outcome: CaseOutcome | None = None) -> CaseSteps:
    """The hooks and steps of the case's (last, or the given) attempt."""
    outcome = outcome or item.case.outcome
    shown = case_steps(outcome, len(item.step_ids))
    if not item.step_ids and outcome.reason == "empty":
        # A scenario without steps has no test steps, as in the kit's "empty" sample (pending here).
        return CaseSteps((), (), (), None, shown.message, {})
    return shown


def _test_case(
    ids: IdGenerator,
    item: _Planned,
    definitions: Mapping[str, _Definition],
    hooks: Mapping[Any, str],
    run_id: str,
    retried: Mapping[str, Sequence[CaseOutcome]],
) -> tuple[_TestCase, dict[str, Any]]:
    """The case's testCase envelope (with the hook steps any of its attempts had), and the ids its
    execution refers to."""
    every = _every_attempt([item], retried)
    before_hooks = attempts.union([shown.before for shown in every])
    after_hooks = attempts.union([shown.after for shown in every])
    before, envelope_steps = _hook_test_steps(ids, hooks, before_hooks)
    step_ids: list[tuple[str, str]] = []
    for index, pickle_step_id in enumerate(item.step_ids):
        found = _found(definitions, item.case.outcome.matches, index)
        step_ids.append((ids.get_next_id(), pickle_step_id))
        envelope_steps.append(_test_step(step_ids[-1], found, item.texts[index]))
    after, after_steps = _hook_test_steps(ids, hooks, after_hooks)
    envelope_steps += after_steps
    test_case = _TestCase(ids.get_next_id(), tuple(step_ids), before, after, item, before_hooks, after_hooks)
    body = {"id": test_case.id, "pickleId": item.pickle_id, "testSteps": envelope_steps, "testRunStartedId": run_id}
    return test_case, {"testCase": body}


def _test_step(ids: tuple[str, str], found: Sequence[_Definition], text: str) -> dict[str, Any]:
    """A pickle step's testStep (``ids``: its own and its pickle step's) with what each definition matched."""
    step_id, pickle_step_id = ids
    return {
        "id": step_id,
        "pickleStepId": pickle_step_id,
        "stepDefinitionIds": [d.id for d in found],
        "stepMatchArgumentsLists": [{"stepMatchArguments": _arguments(d, text)} for d in found],
    }


def _hook_test_steps(
    ids: IdGenerator, hooks: Mapping[Any, str], hook_steps: Sequence[HookStep]
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The test step ids of hook steps, and their testSteps (each naming its hook)."""
    step_ids = tuple(ids.get_next_id() for _ in hook_steps)
    return step_ids, [{"id": i, "hookId": _hook_id(hooks, h)} for i, h in zip(step_ids, hook_steps, strict=True)]


def _found(definitions: Mapping[str, _Definition], matches: Sequence[str], index: int) -> list[_Definition]:
    """The described definitions the step at ``index`` matched."""
    refs = matches[index] if index < len(matches) else ""
    return [definitions[k] for k in refs.split(MATCH_SEPARATOR) if k in definitions] if refs else []


def _arguments(definition: _Definition, text: str) -> list[dict[str, Any]]:
    return [] if definition.info is None else patterns.match_arguments(definition.info, text)


def _hook_id(hooks: Mapping[Any, str], hook: HookStep) -> str:
    return hooks[attempts.hook_key(hook)]


def _execution(
    ids: IdGenerator, test_case: _TestCase, info: RunInfo, outcome: CaseOutcome, attempt: int
) -> Iterator[dict[str, Any]]:
    """One attempt of a case: testCaseStarted, its steps, testCaseFinished (retried unless the last)."""
    item = test_case.planned
    started_id = ids.get_next_id()
    clock = outcome.started or info.started
    yield {
        "testCaseStarted": {
            "id": started_id,
            "testCaseId": test_case.id,
            "timestamp": timestamp(clock),
            "attempt": attempt,
        }
    }
    shown = _shown(item, outcome)
    count = len(test_case.steps)
    before = attempts.aligned(shown.before, test_case.before_hooks)
    clock = yield from _hook_runs(started_id, test_case.before, before, clock, shown.attachments.get(-1, []), "")
    clock = yield from _step_runs(ids, started_id, test_case, shown, outcome, clock)
    after = attempts.aligned(shown.after, test_case.after_hooks)
    clock = yield from _hook_runs(
        started_id, test_case.after, after, clock, shown.attachments.get(count, []), outcome.exception
    )
    retried = attempt < len(info.retried.get(item.case.nodeid, ()))
    finished = {"testCaseStartedId": started_id, "timestamp": timestamp(clock), "willBeRetried": retried}
    yield {"testCaseFinished": finished}


def _hook_runs(
    started_id: str,
    step_ids: Sequence[str],
    hooks: Sequence[HookStep],
    clock: float,
    generic: Sequence[Attachment],
    exception: str,
) -> Generator[dict[str, Any], None, float]:
    """The hook steps' runs one after another from ``clock``; returns when the last one ended."""
    for step_id, hook in zip(step_ids, hooks, strict=True):
        yield from hook_run((started_id, step_id), clock, hook, generic, exception)
        clock = hook_end(clock, hook)
    return clock


def _step_runs(
    ids: IdGenerator, started_id: str, test_case: _TestCase, shown: CaseSteps, outcome: CaseOutcome, clock: float
) -> Generator[dict[str, Any], None, float]:
    """The test steps' runs one after another from ``clock`` (the message on the one that stopped the
    case, a suggestion for an undefined one); returns when the last one ended."""
    item = test_case.planned
    for index, ((step_id, pickle_step_id), status) in enumerate(zip(test_case.steps, shown.steps, strict=True)):
        nanos = duration_at(outcome, index) or 0
        suggestion = _suggestion(ids, item, index, pickle_step_id) if status == "undefined" else None
        message = shown.message if index == shown.message_step else ""
        step_result = result(status, message, outcome.exception, nanos)
        attached = shown.attachments.get(index, [])
        yield from step_run((started_id, step_id), clock, nanos, step_result, attached, suggestion)
        clock += nanos / 1e9
    return clock


def _suggestion(ids: IdGenerator, item: _Planned, index: int, pickle_step_id: str) -> dict[str, Any] | None:
    """The snippet suggested for the undefined step at ``index`` (none when its step is not known)."""
    if index >= len(item.steps):
        return None
    code = snippet(item.steps[index])
    return {"id": ids.get_next_id(), "pickleStepId": pickle_step_id, "snippets": [{"language": "python", "code": code}]}


def stream(checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo) -> Iterator[str]:
    """The NDJSON text a line at a time (one envelope a line), so it is never whole in memory."""
    for envelope in envelopes(checklist, read_source, info):
        yield json_dumps(envelope, compact=True)


def render(checklist: Checklist, read_source: Callable[[str], str | None], info: RunInfo) -> str:
    """The whole NDJSON text: one envelope a line."""
    return "".join(stream(checklist, read_source, info))
