"""Cucumber Messages' hooks (part of ``reports.messages``): the ``hook`` definitions, in source order
among the step definitions, and the test-run hooks' ``testRunHookStarted`` / ``testRunHookFinished``.

A hook is each recorded hook (``core.hooks``: a project fixture's setup or teardown, a pytest-bdd
scenario hook implementation, a session fixture) that ran in some case, once; plus a generic
setup and teardown hook where a case's status came from outside any recorded hook.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gherkin.stream.id_generator import IdGenerator

from living_checklist.core.hooks import HookRun, merged_runs
from living_checklist.reports.results import CaseSteps, HookSide

HookKey = tuple[str, str, int, str]
GENERIC: dict[HookSide, tuple[str, str]] = {
    "before": ("BEFORE_TEST_CASE", "setup: fixtures and pytest_bdd_before_scenario"),
    "after": ("AFTER_TEST_CASE", "teardown: fixtures and pytest_bdd_after_scenario"),
}


class HookDefinitions:
    """The hook envelopes, written among the step definitions in source order (file, then line):
    ``until`` before a stepDefinition at (uri, line), ``rest`` after the last. ``hooks`` gets the id
    of each hook's key (and of a generic side)."""

    def __init__(self, shown: Sequence[CaseSteps], run_hooks: Sequence[HookRun], hooks: dict[Any, str]) -> None:
        found: dict[HookKey, HookRun] = {}
        self.generic: set[HookSide] = set()
        for case in shown:
            for hook in (*case.before, *case.after):
                if hook.run is None:
                    self.generic.add(hook.side)
                else:
                    found.setdefault(hook.run.key, hook.run)
        for run in run_hooks:
            found.setdefault(run.key, run)
        self.pending = sorted(found.values(), key=lambda r: (r.uri, r.line, not r.before))
        self.hooks = hooks

    def until(self, ids: IdGenerator, uri: str, line: int) -> Iterator[dict[str, Any]]:
        while self.pending and (self.pending[0].uri, self.pending[0].line) < (uri, line):
            yield _hook(ids, self.pending.pop(0), self.hooks)

    def rest(self, ids: IdGenerator) -> Iterator[dict[str, Any]]:
        while self.pending:
            yield _hook(ids, self.pending.pop(0), self.hooks)
        for side in ("before", "after"):
            if side in self.generic:
                kind, name = GENERIC[side]
                self.hooks[side] = ids.get_next_id()
                yield {"hook": {"id": self.hooks[side], "name": name, "type": kind, "sourceReference": {}}}


def _hook(ids: IdGenerator, run: HookRun, hooks: dict[Any, str]) -> dict[str, Any]:
    hooks[run.key] = ids.get_next_id()
    reference = {"uri": run.uri, "location": {"line": run.line}}
    return {"hook": {"id": hooks[run.key], "name": run.name, "type": run.type, "sourceReference": reference}}


def test_run_hooks(runs: Sequence[HookRun]) -> tuple[list[HookRun], list[HookRun]]:
    """The BeforeAll and AfterAll runs, each hook once (``merged_runs``), in the order they ran."""
    merged = merged_runs(sorted(runs, key=lambda r: r.started))
    return [r for r in merged if r.before], [r for r in merged if not r.before]
