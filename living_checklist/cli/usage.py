"""``living-checklist usage``: which definition each step uses; unused and ambiguous ones."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from living_checklist.core.escape import terminal_safe
from living_checklist.dryrun.run import is_installed, load, stepdef_where
from living_checklist.run.registry import StepDef

if TYPE_CHECKING:
    from living_checklist.core.inventory import GherkinError

from living_checklist.cli._common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    PROG,
    SCHEMA_VERSION,
    Ambiguity,
    StepReport,
    Usage,
    _emit_json,
    _error_data,
    _finish,
    _keyword,
    _plural,
    step_report,
)
from living_checklist.cli.steps import phrase, stepdef_data


def ambiguity_line(item: Ambiguity, rootdir: Path) -> str:
    where = " and ".join(f"{_where(s, rootdir)} {s.describe().split(' at ')[0]}" for s in item.matches)
    return f"{item.use.location}: error: ambiguous step {item.use.text!r} matches {where}"


def _where(stepdef: StepDef, rootdir: Path) -> str:
    path, line = stepdef_where(stepdef, rootdir)
    return f"{path}:{line}"


def _sorted_usages(usages: Iterable[Usage], rootdir: Path) -> list[Usage]:
    return sorted(usages, key=lambda u: (is_installed(u.stepdef), *stepdef_where(u.stepdef, rootdir)))


def _definition_line(stepdef: StepDef, rootdir: Path) -> str:
    return f"{_keyword(stepdef.type):<5} {phrase(stepdef)}  {_where(stepdef, rootdir)}"


def render_usage(report: StepReport, rootdir: Path, *, verbose: bool) -> list[str]:
    used, unused = _used_and_unused(report, rootdir)
    places = len({(u.feature, u.step.line) for u in report.undefined})
    lines = [
        f"step definitions: {len(used)} used, {len(unused)} unused; steps: {sum(len(u.uses) for u in used)} defined, "
        f"{places} undefined, {len(report.ambiguous)} ambiguous"
    ]
    lines += _used_lines(used, rootdir, verbose)
    lines += _unused_lines(unused, rootdir)
    lines += _undefined_lines(report, places, verbose)
    lines += _ambiguous_lines(report, rootdir)
    return lines


def _unused_lines(unused: Sequence[Usage], rootdir: Path) -> list[str]:
    if not unused:
        return []
    return ["", "unused:", *(f"  {_definition_line(u.stepdef, rootdir)}" for u in unused)]


def _undefined_lines(report: StepReport, places: int, verbose: bool) -> list[str]:
    """How many steps no definition matches (in ``places`` distinct lines); each one when ``verbose``."""
    if not report.undefined:
        return []
    lines = ["", f"undefined: {_plural(places, 'step')} (paste definitions from `{PROG} snippets`)"]
    if verbose:
        lines += [f"  {use.location}: {use.text}" for use in report.undefined]
    return lines


def _ambiguous_lines(report: StepReport, rootdir: Path) -> list[str]:
    if not report.ambiguous:
        return []
    return ["", "ambiguous (errors):", *(f"  {ambiguity_line(item, rootdir)}" for item in report.ambiguous)]


def _used_and_unused(report: StepReport, rootdir: Path) -> tuple[list[Usage], list[Usage]]:
    """Definitions some step uses; the project's own that none uses (installed libraries' are not listed)."""
    used: list[Usage] = []
    unused: list[Usage] = []
    for u in _sorted_usages(report.usages, rootdir):
        if u.uses or u.ambiguous:
            used.append(u)
        elif not is_installed(u.stepdef):
            unused.append(u)
    return used, unused


def _used_lines(used: Sequence[Usage], rootdir: Path, verbose: bool) -> list[str]:
    if not used:
        return []
    lines = ["", "used:"]
    for u in used:
        lines += _usage_lines(u, rootdir, verbose)
    return lines


def _usage_lines(u: Usage, rootdir: Path, verbose: bool) -> list[str]:
    """The definition with its count of uses; each use too when ``verbose``."""
    also = f"  (and {len(u.ambiguous)} ambiguous)" if u.ambiguous else ""
    lines = [f"  {len(u.uses):>4}  {_definition_line(u.stepdef, rootdir)}{also}"]
    if verbose:
        lines += [f"          {use.location}: {use.text}" for use in u.uses]
    return lines


def cmd_usage(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    rootdir = project.settings.rootdir
    report = step_report(project)
    if args.format == "json":
        _emit_json(_usage_data(report, rootdir, project.inventory.errors))
    else:
        print(terminal_safe("\n".join(render_usage(report, rootdir, verbose=args.verbose))))
    return _finish(project, EXIT_PROBLEMS if report.ambiguous else EXIT_OK)


def _usage_data(report: StepReport, rootdir: Path, errors: Sequence[GherkinError]) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "command": "usage",
        "definitions": [_definition_data(u, rootdir) for u in _sorted_usages(report.usages, rootdir)],
        "undefined": [use.data() for use in report.undefined],
        "ambiguous": [_ambiguity_data(item, rootdir) for item in report.ambiguous],
        "errors": [_error_data(e) for e in errors],
    }


def _definition_data(usage: Usage, rootdir: Path) -> dict[str, Any]:
    return {
        **stepdef_data(usage.stepdef, rootdir),
        "count": len(usage.uses),
        "steps": [use.data() for use in usage.uses],
        "ambiguous": [use.data() for use in usage.ambiguous],
    }


def _ambiguity_data(item: Ambiguity, rootdir: Path) -> dict[str, Any]:
    return {
        **item.use.data(),
        "text": item.use.step.text,
        "message": ambiguity_line(item, rootdir),
        "matches": [stepdef_data(s, rootdir) for s in item.matches],
    }
