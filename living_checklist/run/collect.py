"""Collecting: a ``.feature`` file becomes one pytest item per case (pickle), run with pytest-bdd steps.

Feature files are collected directly (no glue module). Each item runs its steps through the
step registry; a pending case costs no more than a passing test (no exception is raised and no
traceback formatted: the report is turned into an xfail afterwards).
"""

from __future__ import annotations

import dataclasses
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from living_checklist.core.attach import Attachment
from living_checklist.core.escape import terminal_safe
from living_checklist.core.hooks import HookRun, HookType
from living_checklist.core.inventory import Case, FeatureDoc, Requirement, Step, requirement_item_name
from living_checklist.core.measure import MEASUREMENT_PROPERTY
from living_checklist.core.pending import InvalidValue, Pending
from living_checklist.core.plan import is_tagged, known_outcome
from living_checklist.core.short_failure import raised_in_library, short_form
from living_checklist.core.status import CARRIED_PROPERTIES, MATCH_SEPARATOR, CaseOutcome
from living_checklist.run import _compat
from living_checklist.run.bdd import BddFeature, BddHooks
from living_checklist.run.execute import PendingPassed, StepError, execute_step, execute_step_with_hooks
from living_checklist.run.hooks import call_scenario_hook
from living_checklist.run.registry import Resolution, StepDef, StepRegistry


class CaseHost(Protocol):
    """What the items need of the run (``run.session.CaseHost``): a narrow interface, so that
    the items never reach up into the session and the two do not import each other."""

    carry_matches: bool

    def feature(self, path: Path) -> FeatureDoc: ...

    def register_tags(self, doc: FeatureDoc) -> None: ...

    def registry_for(self, node: pytest.Collector) -> StepRegistry: ...

    def bdd_hooks(self) -> BddHooks: ...

    def stepdef_key(self, stepdef: StepDef) -> str: ...


PARSE_ERROR_ITEM = "GHERKIN-ERROR"
# The outcome's data for the reports that is no documented property (CaseOutcome.to_carried).
CARRIED_KEY = pytest.StashKey[dict[str, str]]()
# What an attempt's status leaves in ``user_properties``: gone when a rerun begins.
ATTEMPT_PROPERTIES = frozenset({*CARRIED_PROPERTIES, MEASUREMENT_PROPERTY})


def is_marker_name(tag: str) -> bool:
    """Tags become markers when pytest can register them (no ':' or '(', no leading '_');
    the others still match ``-k``."""
    return bool(tag) and not tag.startswith("_") and ":" not in tag and "(" not in tag


def run_case(request: pytest.FixtureRequest) -> None:
    """The test function every case item runs; the item knows its steps."""
    __tracebackhide__ = True
    item = request.node
    assert isinstance(item, CaseItem)
    item.run_steps(request)


class FeatureFile(_compat.UnimportedModule):
    """A ``.feature`` file: one item per pickle, or one error item if the file is unusable.

    A Module (as pytest's own DoctestModule is), so that module-scoped fixtures have a node to
    live on and ``request.module`` exists, as for a pytest-bdd test module.
    """

    def collect(self) -> Iterator[pytest.Item]:
        state = self.state
        doc = state.feature(self.path)
        if doc.errors:
            yield FeatureErrorItem.from_parent(self, name=PARSE_ERROR_ITEM, doc=doc)
            return
        state.register_tags(doc)
        apply_tag = _compat.apply_tag_hook(self.config)  # the conftests loaded so far, as pytest-bdd sees them
        fixtureinfo = None
        for req in doc.requirements:
            cases: list[Case | None] = list(req.cases) or [None]
            for case in cases:
                name = case.item_name if case is not None else requirement_item_name(req)
                if apply_tag is None:
                    item = CaseItem.from_parent(
                        self, name=name, callobj=run_case, fixtureinfo=fixtureinfo, requirement=req, case=case
                    )
                    fixtureinfo = _compat.fixtureinfo(item)  # the same for every case of a file: compute once
                else:
                    # As pytest-bdd does for its test functions: each case gets its own function,
                    # marked by the hook before pytest reads its marks and fixtures.
                    func = _own_function(run_case)
                    handled = frozenset(tag for tag in req.tags if apply_tag(tag=tag, function=func) is not None)
                    item = CaseItem.from_parent(
                        self, name=name, callobj=func, requirement=req, case=case, hooked_tags=handled
                    )
                yield item

    def __init__(self, *, state: CaseHost, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = state
        self._bdd: BddFeature | None = None

    def bdd(self) -> BddFeature:
        """This file as pytest-bdd's parser objects, built on first use."""
        if self._bdd is None:
            self._bdd = BddFeature.load(self.path)
        return self._bdd

    def registry(self) -> StepRegistry:
        return self.state.registry_for(self)


def _own_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of ``func`` that can carry its own marks."""
    return types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)


class CaseItem(pytest.Function):
    """One case of a requirement; its node id names the requirement id."""

    def __init__(
        self, *, requirement: Requirement, case: Case | None, hooked_tags: frozenset[str] = frozenset(), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.requirement = requirement
        self.case = case
        if case is not None and case.example:  # allure-pytest-bdd shows the row's parameters, own history id
            self.callspec = _compat.outline_callspec(case.example, case.line)
        self.pending: CaseOutcome | None = None
        self.current_step: Step | None = None
        self.steps_done = 0
        self.steps_total = len(case.steps) if case is not None else 0
        self.durations: list[int] = []  # nanoseconds per step that ran
        self.started = 0.0
        self.exception = ""
        # The steps' codes when pytest-bdd's after-scenario hook failed after them (None: it did not).
        self.after_codes: str | None = None
        self.attachments: list[Attachment] = []  # what living_checklist.attach added while it ran
        self.hook_runs: list[HookRun] = []  # its fixtures and scenario hooks, as Cucumber hooks (run.hooks)
        self.run_hooks: list[HookRun] = []  # session fixtures that ran during it
        self.run_hook_failed = False  # a session fixture's teardown failed in its teardown
        self._plan: tuple[CaseOutcome | None, tuple[Resolution, ...]] | None = None
        tags = case.tags if case is not None else requirement.tags
        for tag in tags:
            if tag in hooked_tags:
                continue  # a pytest_bdd_apply_tag hook handled it
            if is_marker_name(tag):
                self.add_marker(tag)
            else:
                self.extra_keyword_matches.add(tag)
        self.extra_keyword_matches.add(requirement.name)
        if case is not None and case.name != requirement.name:
            self.extra_keyword_matches.add(case.name)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        line = self.case.line if self.case is not None else self.requirement.line
        name = self.case.name if self.case is not None else self.requirement.name
        return self.path, line - 1, terminal_safe(f"{self.requirement.id}: {name}")

    def plan(self) -> tuple[CaseOutcome | None, tuple[Resolution, ...]]:
        """What is known before running: a static outcome, or the resolved steps to run."""
        if self._plan is None:
            assert isinstance(self.parent, FeatureFile)
            self._plan = known_outcome(self.requirement, self.case, self.parent.registry().resolve_all)
        return self._plan

    def begin_attempt(self) -> None:
        """Before its setup: a rerun (pytest-rerunfailures runs the same item again) starts afresh,
        its start time now, none of the attempt before's steps, attachments or status."""
        self.pending = None
        self.current_step = None
        self.steps_done = 0
        self.durations = []
        self.started = time.time()
        self.exception = ""
        self.attachments = []
        self.hook_runs = []  # (the session fixtures' runs stay: they ran once, for every attempt)
        self.user_properties[:] = [p for p in self.user_properties if p[0] not in ATTEMPT_PROPERTIES]
        if CARRIED_KEY in self.stash:
            del self.stash[CARRIED_KEY]

    def forget_target_fixtures(self) -> None:
        """After teardown: drop the fixtures its ``target_fixture`` steps registered (see _compat)."""
        if self._plan is None:
            return
        names = {
            name
            for r in self._plan[1]
            if r.stepdef is not None and (name := r.stepdef.context.target_fixture) is not None
        }
        if names:
            _compat.forget_item_fixtures(self, names)

    @property
    def tagged(self) -> bool:
        return is_tagged(self.requirement, self.case)

    def runnable_prefix(self) -> int:
        """How many defined steps come before the first undefined, ambiguous or ``TBD`` step of a
        case whose outcome is known before running.

        Cucumber and pytest-bdd run those steps before they stop at that step; so do we. The case
        keeps its known status (pending, or error when ambiguous) whatever they do; their statuses
        go to the reports.
        """
        known, resolutions = self.plan()
        if known is None or known.status not in ("pending", "error") or not known.steps.strip("-"):
            return 0
        stop = len(known.steps) - len(known.steps.lstrip("-"))
        return next((i for i, r in enumerate(resolutions[:stop]) if r.stepdef is None), stop)

    def run_steps(self, request: pytest.FixtureRequest) -> None:
        __tracebackhide__ = True
        self.started = self.started or time.time()
        known, resolutions = self.plan()
        if known is None:
            self._execute(request, resolutions)
            return
        self.pending = known  # keeps the step codes for the report
        self._run_known(request, known, resolutions)
        if known.status == "error":
            raise StepError(known.message)

    @property
    def state(self) -> CaseHost:
        assert isinstance(self.parent, FeatureFile)
        return self.parent.state

    def bdd(self) -> tuple[Any, Any]:
        """pytest-bdd's Feature and rendered Scenario of this case (the same objects every call)."""
        assert isinstance(self.parent, FeatureFile) and self.case is not None
        bdd = self.parent.bdd()
        return bdd.feature, bdd.scenario(self.requirement.line, self.case.example)

    def _bdd_scenario(self, request: pytest.FixtureRequest, hooks: BddHooks) -> tuple[Any, Any]:
        """pytest-bdd's objects for the hooks (None, None when no one listens); says the scenario began."""
        if not hooks.active or self.case is None:
            return None, None
        feature, scenario = self.bdd()
        self.scenario_hook(hooks, "pytest_bdd_before_scenario", request, feature, scenario)
        return feature, scenario

    def scenario_hook(
        self, hooks: BddHooks, name: str, request: pytest.FixtureRequest, feature: Any, scenario: Any
    ) -> None:
        """pytest-bdd's before- or after-scenario hook, each of the project's implementations a hook step."""
        __tracebackhide__ = True
        caller = hooks.callers.get(name)
        if caller is None:
            return
        before = name == "pytest_bdd_before_scenario"
        kwargs = {"request": request, "feature": feature, "scenario": scenario}
        kind: HookType = "BEFORE_TEST_CASE" if before else "AFTER_TEST_CASE"
        position = -1 if before else self.steps_total
        call_scenario_hook(caller, self.config.rootpath, kind, self.hook_runs.append, kwargs, position)

    def _run_known(
        self, request: pytest.FixtureRequest, known: CaseOutcome, resolutions: tuple[Resolution, ...]
    ) -> None:
        """A case whose outcome is known before it runs. An undefined one runs its defined steps
        before the first undefined step, as Cucumber and pytest-bdd do, and stays pending; the
        listeners of pytest-bdd's hooks hear of the scenario and of the step that is undefined."""
        __tracebackhide__ = True
        hooks = self.state.bdd_hooks()
        feature, scenario = self._bdd_scenario(request, hooks)
        try:
            self._known_steps(request, known, resolutions, (hooks, feature, scenario))
        except BaseException:
            self._after_scenario(request, hooks, feature, scenario, failed=True)
            raise
        # A known error (an ambiguous step) is the case's, whatever the hook does after it.
        self._after_scenario(request, hooks, feature, scenario, failed=known.status == "error")

    def _known_steps(
        self,
        request: pytest.FixtureRequest,
        known: CaseOutcome,
        resolutions: tuple[Resolution, ...],
        bdd: tuple[BddHooks, Any, Any],
    ) -> None:
        """The defined steps before a known stop, and pytest-bdd's lookup error for an undefined one."""
        hooks, feature, scenario = bdd
        prefix = self.runnable_prefix()
        if prefix:
            try:
                finished = self._steps(request, resolutions[:prefix], hooks, feature, scenario)
            except (Exception, pytest.skip.Exception) as exc:
                stop = "-" if isinstance(exc, pytest.skip.Exception) else "F"
                codes = "." * self.steps_done + stop + known.steps[self.steps_done + 1 :]
                note = f"an earlier step did not pass: {self.failure_message(exc)}"
                self.pending = dataclasses.replace(known, message=f"{known.message}\n{note}", steps=codes)
                return
            if not finished:
                # A step before the known stop said pending: its code is P, the rest stay the
                # known ones, and so do the status and reason (what is known before running is
                # what every report, the dry run and a deselected shard say: core.plan).
                done = self.steps_done + 1
                self.pending = dataclasses.replace(known, steps="." * self.steps_done + "P" + known.steps[done:])
                return
            self.pending = dataclasses.replace(known, steps="." * prefix + known.steps[prefix:])
            self.current_step = None
        if scenario is not None and known.status == "pending" and "U" in known.steps:
            step = scenario.steps[known.steps.index("U")]
            not_found = _compat.StepDefinitionNotFoundError(
                f"Step definition is not found: {step}. "
                f'Line {step.line_number} in scenario "{scenario.name}" in the feature "{feature.filename}"'
            )
            hooks.call(
                "pytest_bdd_step_func_lookup_error",
                request=request,
                feature=feature,
                scenario=scenario,
                step=step,
                exception=not_found,
            )

    def _execute(self, request: pytest.FixtureRequest, resolutions: tuple[Resolution, ...]) -> None:
        __tracebackhide__ = True
        hooks = self.state.bdd_hooks()
        feature, scenario = self._bdd_scenario(request, hooks)
        try:
            finished = self._steps(request, resolutions, hooks, feature, scenario)
        except BaseException as exc:
            failed = not isinstance(exc, pytest.skip.Exception)
            self._after_scenario(request, hooks, feature, scenario, failed=failed, stopped=True)
            raise
        self._after_scenario(request, hooks, feature, scenario, failed=False, stopped=not finished)
        if not finished:
            return  # a step said pending
        self.current_step = None
        if self.tagged:
            raise PendingPassed(
                f"{self.requirement.id} is tagged @pending but every step passed: remove @pending "
                f"({self.requirement.location})"
            )

    def _after_scenario(
        self,
        request: pytest.FixtureRequest,
        hooks: BddHooks,
        feature: Any,
        scenario: Any,
        *,
        failed: bool,
        stopped: bool = True,
    ) -> None:
        """pytest-bdd's after-scenario hook, once the steps are done (as pytest-bdd calls it, in a
        ``finally``). What it raises is no step's: the reports show it on an After hook. It never
        hides what the steps did: after a step that failed, the step's failure is the case's; after
        one that did not pass (pending, skipped, known pending), a skip there changes nothing."""
        __tracebackhide__ = True
        if scenario is None:
            return
        codes = self.pending.steps if self.pending is not None else self.step_codes("-")
        step, self.current_step = self.current_step, None
        try:
            self.scenario_hook(hooks, "pytest_bdd_after_scenario", request, feature, scenario)
        except pytest.skip.Exception:
            if not stopped:
                raise  # every step passed: the hook's skip is the case's
        except BaseException:
            if not failed:
                self.after_codes = codes
                raise
        self.current_step = step

    def _steps(
        self,
        request: pytest.FixtureRequest,
        resolutions: tuple[Resolution, ...],
        hooks: BddHooks,
        feature: Any,
        scenario: Any,
    ) -> bool:
        """Run steps in order; False when one said pending (``self.pending`` then says why)."""
        __tracebackhide__ = True
        for index, resolution in enumerate(resolutions):
            step = self.current_step = resolution.step
            stepdef = resolution.stepdef
            assert stepdef is not None
            begun = time.perf_counter_ns()
            try:
                if scenario is None:
                    execute_step(request, step, stepdef)
                else:
                    execute_step_with_hooks(request, hooks, feature, scenario, scenario.steps[index], step, stepdef)
            except Pending as exc:
                reason = "tagged" if self.tagged else exc.reason
                where = f"{self.requirement.feature}:{step.line}: {step.keyword}{step.text}"
                message = f"{exc.message or 'pending'} ({where})"
                self.pending = CaseOutcome("pending", reason, message, steps=self.step_codes("P"))
                return False
            except InvalidValue as exc:
                raise StepError(f"{self.requirement.feature}:{step.line}:{step.column}: {exc}") from None
            finally:
                self.durations.append(time.perf_counter_ns() - begun)
            self.steps_done += 1
        self.current_step = None  # what fails from here (the after-scenario hook) is no step's
        return True

    def carried(self, outcome: CaseOutcome) -> CaseOutcome:
        """The outcome with what this item measured: step durations, start time, exception, matches."""
        matches = self._matches()
        return dataclasses.replace(
            outcome,
            durations=tuple(self.durations),
            started=self.started,
            exception=outcome.exception or self.exception,
            matches=matches or outcome.matches,
            attachments=tuple(self.attachments) or outcome.attachments,
        )

    def _matches(self) -> tuple[str, ...]:
        """Per step, the keys of the definitions it matched, when the run carries them (else none)."""
        if self.case is None or not isinstance(self.parent, FeatureFile) or not self.parent.state.carry_matches:
            return ()
        _, resolutions = self.plan()
        state = self.parent.state
        return tuple(MATCH_SEPARATOR.join(state.stepdef_key(d) for d in r.matches) for r in resolutions)

    def attach_position(self) -> int:
        """Where an attachment made now goes: the running step, or before (-1) or after the steps."""
        if self.current_step is not None:
            return self.steps_done
        return -1 if self.steps_done == 0 else self.steps_total

    def step_codes(self, stop: str) -> str:
        """Codes for the steps: passed up to the one that stopped the case, then not run. A stop
        outside the steps (before the first, after the last) is no step's: no code for it."""
        if self.steps_done >= self.steps_total or self.current_step is None:
            return "." * self.steps_done
        return "." * self.steps_done + stop + "-" * (self.steps_total - self.steps_done - 1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, StepError | PendingPassed):
            return terminal_safe(str(excinfo.value))
        step = self.current_step
        library_check = isinstance(excinfo.value, AssertionError) and raised_in_library(
            [str(entry.path) for entry in excinfo.traceback]
        )
        if library_check and self.config.getoption("tbstyle", "auto") in ("auto", "short"):
            where = f"{self.requirement.feature}:{step.line}: {step.keyword}{step.text}" if step is not None else ""
            return terminal_safe(short_form(where, str(excinfo.value)))
        rep = super().repr_failure(excinfo)
        if step is not None and hasattr(rep, "addsection"):
            rep.addsection("failing step", f"{self.requirement.feature}:{step.line}: {step.keyword}{step.text}")
        return rep

    def failure_message(self, exc: BaseException) -> str:
        step = self.current_step
        text = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
        text = text or "assertion failed"
        if step is not None:
            text = f"{text} (step {self.requirement.feature}:{step.line}: {step.keyword}{step.text})"
        return text


class FeatureErrorItem(pytest.Item):
    """Stands for a feature file that cannot be used, so the run goes on and still fails loudly."""

    def __init__(self, *, doc: FeatureDoc, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.doc = doc

    def runtest(self) -> None:
        raise StepError("\n".join(str(error) for error in self.doc.errors))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        return terminal_safe(str(excinfo.value))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        first = self.doc.errors[0]
        return self.path, first.line - 1, terminal_safe(f"{self.doc.path}: cannot be read as Gherkin")
