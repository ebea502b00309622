"""What the commands share: exit codes, JSON output, and the steps as the feature files use them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from living_checklist.core.escape import json_dumps, terminal_safe

if TYPE_CHECKING:  # the command modules import these; a served dry run imports none of them
    from collections.abc import Iterator

    from living_checklist.core.inventory import FeatureDoc, GherkinError, Requirement, Step
    from living_checklist.dryrun.run import Project
    from living_checklist.run.registry import StepDef

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
SCHEMA_VERSION = 1
PROG = "living-checklist"

_BAD_INPUT = """\
  2  bad input: a features folder or file that does not exist, a file that is not Gherkin,
     a conftest.py or step module that fails to import, a bad option or ini value
     (one line on stderr naming the file; never a traceback)"""


def exit_codes(ok: str, problems: str | None) -> str:
    lines = ["exit status:", f"  0  {ok}"]
    if problems:
        lines.append(f"  1  {problems}")
    return "\n".join([*lines, _BAD_INPUT])


def _error_data(error: GherkinError) -> dict[str, Any]:
    from living_checklist.core.inventory import problem_data  # the CLI starts without the inventory module

    return problem_data(error)


def _emit_json(data: dict[str, Any]) -> None:
    print(json_dumps(data), end="")


def _finish(project: Project, code: int) -> int:
    """Feature files that do not parse are bad input: one line each on stderr, exit status 2."""
    errors = project.inventory.errors
    for error in errors:
        print(terminal_safe(str(error)), file=sys.stderr)
    return EXIT_BAD_INPUT if errors else code


def _keyword(kind: str | None) -> str:
    return (kind or "step").capitalize()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class StepUse:
    """One step of a feature file (source line), as written in one of its cases."""

    feature: str
    area: str
    step: Step

    @property
    def location(self) -> str:
        return f"{self.feature}:{self.step.line}:{self.step.column}"

    @property
    def text(self) -> str:
        return f"{self.step.keyword.strip()} {self.step.text}"

    def data(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "line": self.step.line,
            "column": self.step.column,
            "keyword": self.step.keyword.strip(),
            "type": self.step.type,
            "text": self.step.text,
        }


@dataclass
class Usage:
    stepdef: StepDef
    uses: list[StepUse] = field(default_factory=list)
    # Steps it matches together with another definition: not a use, but not unused either.
    ambiguous: list[StepUse] = field(default_factory=list)


@dataclass(frozen=True)
class Ambiguity:
    use: StepUse
    matches: tuple[StepDef, ...]


@dataclass
class StepReport:
    usages: list[Usage]
    undefined: list[StepUse]
    ambiguous: list[Ambiguity]


def step_report(project: Project) -> StepReport:
    """Resolve every step of every case, once per (file, line, text): what matches it, if anything."""
    report = StepReport([], [], [])
    usages = {id(stepdef.context): Usage(stepdef) for stepdef in project.stepdefs}
    seen: set[tuple[str, int, str | None, str]] = set()
    counted: set[tuple[int, str, int]] = set()
    for doc in project.inventory.features:
        registry = project.registry(doc)
        for req, step in _doc_steps(doc):
            key = (doc.path, step.line, step.type, step.text)
            if key not in seen:
                seen.add(key)
                _count_use(report, usages, counted, StepUse(doc.path, req.area, step), registry.resolve(step))
    report.usages = list(usages.values())
    return report


def _doc_steps(doc: FeatureDoc) -> Iterator[tuple[Requirement, Step]]:
    """(requirement, step) for every step of every case of the feature file, in order."""
    return ((req, step) for req in doc.requirements for case in req.cases for step in case.steps)


def _count_use(
    report: StepReport, usages: dict[int, Usage], counted: set[tuple[int, str, int]], use: StepUse, resolution: Any
) -> None:
    """One step's resolution into the report: undefined, ambiguous (a use of each), or a use."""
    if resolution.undefined:
        report.undefined.append(use)
        return
    if resolution.ambiguous:
        report.ambiguous.append(Ambiguity(use, resolution.matches))
        for stepdef in resolution.matches:
            usages.setdefault(id(stepdef.context), Usage(stepdef)).ambiguous.append(use)
        return
    stepdef = resolution.matches[0]
    usage = usages.setdefault(id(stepdef.context), Usage(stepdef))
    # An outline's step is one step however many rows it has (the rows share file and line).
    key = (id(stepdef.context), use.feature, use.step.line)
    if key not in counted:
        counted.add(key)
        usage.uses.append(use)
