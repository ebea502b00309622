"""``living-checklist snippets``: step definitions to paste for every undefined step."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from living_checklist.core.escape import terminal_safe
from living_checklist.core.inventory import Step
from living_checklist.dryrun.run import load
from living_checklist.run.registry import snippet

if TYPE_CHECKING:
    pass

from living_checklist.cli._common import (
    EXIT_OK,
    SCHEMA_VERSION,
    StepUse,
    _emit_json,
    _error_data,
    _finish,
    _plural,
    step_report,
)


@dataclass(frozen=True)
class Snippet:
    key: tuple[str | None, str]
    code: str
    uses: tuple[StepUse, ...]


@dataclass(frozen=True)
class SnippetFile:
    path: str
    module: str
    exists: bool
    snippets: tuple[Snippet, ...]

    @property
    def imports(self) -> list[str]:
        used = {s.key[0] or "step" for s in self.snippets}
        names = sorted(used | ({"parsers"} if any("parsers." in s.code for s in self.snippets) else set()))
        # isort order: pytest_bdd is third-party, checklist first-party.
        return [f"from pytest_bdd import {', '.join(names)}", "", "import living_checklist"]


_SHARED_MODULE = "common"


def snippet_code(step: Step) -> str:
    """The ready-to-paste definition for an undefined step (``registry.snippet``)."""
    return snippet(step)


def module_for(area: str) -> str:
    name = re.sub(r"\W", "_", area).strip("_").lower()
    if not name:
        return _SHARED_MODULE
    return f"area_{name}" if name[0].isdigit() else name


def group_snippets(undefined: Iterable[StepUse], rootdir: Path, steps_dir: str = "steps") -> list[SnippetFile]:
    """One snippet per (step type, pattern), in the file of the area that uses it (``common`` if several)."""
    files: dict[str, list[Snippet]] = {}
    for key, (code, uses) in _by_key(undefined).items():
        areas = {use.area for use in uses}
        module = module_for(areas.pop()) if len(areas) == 1 else _SHARED_MODULE
        files.setdefault(module, []).append(Snippet(key, code, tuple(uses)))
    return [_snippet_file(module, snippets, rootdir, steps_dir) for module, snippets in sorted(files.items())]


def _by_key(undefined: Iterable[StepUse]) -> dict[tuple[str | None, str], tuple[str, list[StepUse]]]:
    """(step type, decorator line) → the snippet's code and the steps it defines, each place once."""
    by_key: dict[tuple[str | None, str], tuple[str, list[StepUse]]] = {}
    for use in undefined:
        code = snippet_code(use.step)
        key = (use.step.type, code.split("\n", 1)[0])
        uses = by_key.setdefault(key, (code, []))[1]
        # The rows of an outline give one step several texts; where it is written is one place.
        if not any(u.feature == use.feature and u.step.line == use.step.line for u in uses):
            uses.append(use)
    return by_key


def _snippet_file(module: str, snippets: list[Snippet], rootdir: Path, steps_dir: str) -> SnippetFile:
    path = f"{steps_dir}/{module}.py"
    return SnippetFile(path, f"{steps_dir}.{module}".replace("/", "."), (rootdir / path).exists(), tuple(snippets))


def undefined_count(files: Sequence[SnippetFile]) -> int:
    """Undefined steps, counted where they are written (an outline's step once)."""
    return sum(len(s.uses) for f in files for s in f.snippets)


def _comment(text: str) -> str:
    """Text for a ``#`` comment of generated code: one line whatever it holds (a feature file name
    with a newline must not become code), control characters escaped."""
    return terminal_safe(text).replace("\n", "\\n")


def render_snippets(files: Sequence[SnippetFile]) -> list[str]:
    if not files:
        return ["no undefined steps: every step has a definition"]
    count = sum(len(f.snippets) for f in files)
    undefined = undefined_count(files)
    lines = [
        f"# {_plural(undefined, 'undefined step')}: {_plural(count, 'step definition')} to write, "
        f"in {_plural(len(files), 'file')}."
    ]
    for f in files:
        lines += ["", "", f"# ---- {_comment(f.path)}", *_file_head(f)]
        for s in f.snippets:
            lines += ["", "", _snippet_comment(s), s.code.rstrip("\n")]
    return lines


def _file_head(f: SnippetFile) -> list[str]:
    """What to do with the file: the imports an existing one lacks, or how to load a new one."""
    if f.exists:
        needed = "; ".join(line for line in f.imports if line)
        return [f"# (append to the existing file; add the imports it lacks: {needed})"]
    return [
        f'# (a new file: add "{f.module}" to pytest_plugins in the rootdir conftest.py)',
        "from __future__ import annotations",
        "",
        *f.imports,
    ]


def _snippet_comment(s: Snippet) -> str:
    """The first step the snippet defines, and how many more."""
    first = s.uses[0]
    more = f" (+{len(s.uses) - 1} more)" if len(s.uses) > 1 else ""
    return f"# {_comment(f'{first.location}: {first.text}')}{more}"


def _file_data(f: SnippetFile) -> dict[str, Any]:
    return {
        "path": f.path,
        "module": f.module,
        "exists": f.exists,
        "imports": f.imports,
        "snippets": [
            {"type": s.key[0], "decorator": s.key[1], "code": s.code, "steps": [u.data() for u in s.uses]}
            for s in f.snippets
        ],
    }


def cmd_snippets(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    report = step_report(project)
    files = group_snippets(report.undefined, project.settings.rootdir, args.steps_dir.strip("/") or "steps")
    if args.format == "json":
        _emit_json(
            {
                "schema": SCHEMA_VERSION,
                "command": "snippets",
                "undefined_steps": undefined_count(files),
                "files": [_file_data(f) for f in files],
                "errors": [_error_data(e) for e in project.inventory.errors],
            }
        )
    else:
        print(terminal_safe("\n".join(render_snippets(files))))
    return _finish(project, EXIT_OK)
