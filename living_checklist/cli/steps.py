"""``living-checklist steps``: the catalogue of step phrases."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from living_checklist.core.escape import terminal_safe
from living_checklist.dryrun.run import is_installed, load, stepdef_where
from living_checklist.run.registry import StepDef

if TYPE_CHECKING:
    pass

from living_checklist.cli._common import (
    EXIT_OK,
    SCHEMA_VERSION,
    _emit_json,
    _finish,
    _keyword,
    _plural,
)


def _parser_kind(stepdef: StepDef) -> str:
    return type(stepdef.context.parser).__name__


_PARSE_FIELD = re.compile(r"\{\{|\}\}|\{([^{}:]*)(?::[^{}]*)?\}")


def phrase(stepdef: StepDef) -> str:
    """The step as people write it, parameters as ``<name>`` ; regexes stay regexes
    except for their named groups."""
    pattern = stepdef.pattern
    kind = _parser_kind(stepdef)
    if kind in ("parse", "cfparse"):
        return _PARSE_FIELD.sub(_parse_field, pattern)
    if kind == "re":
        return _named_groups(pattern.removeprefix("^").removesuffix("$"))
    return pattern


def _parse_field(match: re.Match[str]) -> str:
    """A ``parse`` field as ``<name>`` (``<_>`` unnamed); an escaped brace as the brace."""
    if match.group(1) is None:
        return match.group(0)[0]
    return f"<{match.group(1) or '_'}>"


def _named_groups(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            end = pattern.find(">", i)
            out.append(f"<{pattern[i + 4 : end]}>")
            i = _group_end(pattern, end + 1)
        elif pattern[i] == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            out.append(pattern[i + 1])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _group_end(pattern: str, j: int) -> int:
    """The index after the ``)`` that closes the group whose body starts at ``j`` (escapes skipped)."""
    depth = 1
    while j < len(pattern) and depth:
        if pattern[j] == "\\":
            j += 2
            continue
        depth += {"(": 1, ")": -1}.get(pattern[j], 0)
        j += 1
    return j


def stepdef_data(stepdef: StepDef, rootdir: Path) -> dict[str, Any]:
    path, line = stepdef_where(stepdef, rootdir)
    return {
        "type": stepdef.type,
        "phrase": phrase(stepdef),
        "pattern": stepdef.pattern,
        "parser": _parser_kind(stepdef),
        "function": getattr(stepdef.func, "__qualname__", repr(stepdef.func)),
        "path": path,
        "line": line,
        "location": f"{path}:{line}",
        "scope": stepdef.scope,
        "installed": is_installed(stepdef),
        "doc": inspect.getdoc(stepdef.func) or "",
    }


def _sorted_stepdefs(stepdefs: Iterable[StepDef], rootdir: Path) -> list[StepDef]:
    return sorted(stepdefs, key=lambda s: (is_installed(s), *stepdef_where(s, rootdir), s.type or ""))


def _visibility(stepdef: StepDef) -> str:
    return f" (only under {stepdef.scope})" if stepdef.scope else ""


def render_steps(stepdefs: Sequence[StepDef], rootdir: Path) -> list[str]:
    files: dict[str, list[StepDef]] = {}
    for stepdef in stepdefs:
        files.setdefault(stepdef_where(stepdef, rootdir)[0], []).append(stepdef)
    lines = [f"{_plural(len(stepdefs), 'step definition')} in {_plural(len(files), 'file')}"]
    for path, defs in files.items():
        installed = " (installed package)" if is_installed(defs[0]) else ""
        lines += ["", f"{path}{installed}"]
        for stepdef in defs:
            lines += _stepdef_lines(stepdef, rootdir)
    return lines


def _stepdef_lines(stepdef: StepDef, rootdir: Path) -> list[str]:
    """Its line, keyword and phrase, then the first paragraph of its docstring."""
    line = stepdef_where(stepdef, rootdir)[1]
    doc = (inspect.getdoc(stepdef.func) or "").split("\n\n", 1)[0]
    return [
        f"  {line:>5}  {_keyword(stepdef.type):<5} {phrase(stepdef)}{_visibility(stepdef)}",
        *(f"         {text}" for text in doc.splitlines()),
    ]


def cmd_steps(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    rootdir = project.settings.rootdir
    stepdefs = _sorted_stepdefs(project.stepdefs, rootdir)
    if args.format == "json":
        _emit_json(
            {"schema": SCHEMA_VERSION, "command": "steps", "steps": [stepdef_data(s, rootdir) for s in stepdefs]}
        )
    else:
        print(terminal_safe("\n".join(render_steps(stepdefs, rootdir))))
    return _finish(project, EXIT_OK)
