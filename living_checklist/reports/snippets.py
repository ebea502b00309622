"""The snippets of a run's undefined steps, each distinct definition once.

Pure. Two undefined steps that a single definition would serve (``Given a step`` and ``And a
step``, or the rows of an outline: ``there are 12 cucumbers``, ``there are 20 cucumbers``) share
one snippet: pasting both would make the steps ambiguous. The JSON report stores this table
once and lets cases point at it; the terminal, Markdown and HTML print from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from living_checklist.core.inventory import Step
from living_checklist.core.status import Checklist, RequirementResult
from living_checklist.run.registry import snippet


@dataclass
class SnippetTable:
    """Distinct snippets in order of first use, and which cases use which."""

    codes: dict[str, str] = field(default_factory=dict)  # decorator line -> snippet
    ids: dict[str, str] = field(default_factory=dict)  # decorator line -> "S1", "S2", ...
    by_case: dict[str, list[str]] = field(default_factory=dict)  # node id -> snippet ids
    first_use: dict[str, str] = field(default_factory=dict)  # snippet id -> "path:line" of its first step

    def add(self, nodeid: str, step: Step, feature: str) -> str:
        code = snippet(step)
        key = code.split("\n", 1)[0]
        sid = self.ids.get(key)
        if sid is None:
            sid = self.ids[key] = f"S{len(self.ids) + 1}"
            self.codes[key] = code
            self.first_use[sid] = f"{feature}:{step.line}"
        used = self.by_case.setdefault(nodeid, [])
        if sid not in used:
            used.append(sid)
        return sid

    def items(self) -> Iterator[tuple[str, str]]:
        """(id, code) of every distinct snippet."""
        for key, sid in self.ids.items():
            yield sid, self.codes[key]

    def code(self, sid: str) -> str:
        return next(code for key, code in self.codes.items() if self.ids[key] == sid)

    def __len__(self) -> int:
        return len(self.ids)


def undefined_steps(result: RequirementResult) -> Iterator[tuple[str, Step]]:
    """(node id, step) of every step a case of ``result`` found undefined (code ``U``)."""
    for case, case_result in zip(result.requirement.cases, result.cases, strict=False):
        codes = case_result.outcome.steps
        for step, code in zip(case.steps, codes, strict=False):
            if code == "U":
                yield case_result.nodeid, step


def table(checklist: Checklist) -> SnippetTable:
    found = SnippetTable()
    for result in checklist.results:
        for nodeid, step in undefined_steps(result):
            found.add(nodeid, step, result.requirement.feature)
    return found
