"""``living-checklist merge -o OUT.json IN.json...``: shard reports in, the one checklist out.

(Its options are defined in ``living_checklist.cli``, which must not import this module's
dependencies: the reports, pytest.)

The pure part is ``living_checklist.reports.merge``; here the reports are read and checked, the feature
files (when they are where the reports say) give back each scenario's Gherkin and steps, and the
merged checklist is written as JSON and, on request, as Markdown, HTML and a badge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from living_checklist.core.escape import terminal_safe
from living_checklist.core.files import NotRegularFile, read_regular
from living_checklist.core.gherkin_files import is_feature_file
from living_checklist.core.inventory import Requirement, parse_feature
from living_checklist.core.status import Checklist, RequirementResult
from living_checklist.reports import badge as report_badge
from living_checklist.reports import baseline, write_report
from living_checklist.reports import html as report_html
from living_checklist.reports import json as report_json
from living_checklist.reports import markdown as report_md
from living_checklist.reports.merge import Merged, MergeError, describe, merge
from living_checklist.reports.terminal import totals_line

FEATURE_LIMIT = 64 << 20  # bytes of one feature file read back for its Gherkin
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, OverflowError)


def _short(exc: BaseException | str, limit: int = 200) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def read_report(path: Path) -> Checklist:
    """A shard's report as a checklist; ``ValueError`` naming the file, in one line, when it is not one:
    not a regular file, not JSON (also too deep, or an integer of thousands of digits), not a
    report's shape (wrong types, missing keys, another schema)."""
    checklist, problems = _checklist(_read_json(path))
    if checklist is None:
        raise ValueError(f"{path}: not a usable checklist report: {'; '.join(problems)}")
    return checklist


def _read_json(path: Path) -> Any:
    try:
        raw = read_regular(path)
    except OSError as exc:
        why = exc.what if isinstance(exc, NotRegularFile) else exc.strerror or exc
        raise ValueError(f"{path}: cannot be read ({why})") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise ValueError(f"{path}: not a checklist report: not JSON ({_short(exc)})") from None


def _checklist(data: Any) -> tuple[Checklist | None, list[str]]:
    """The checklist the report's data holds, or None and what is wrong with it."""
    try:
        problems = baseline.check(data) or _schema_problems(data)
        return (None if problems else report_json.from_data(data)), problems
    except _MALFORMED as exc:
        return None, [f"{type(exc).__name__}: {_short(exc)}"]


def _schema_problems(data: dict[str, object]) -> list[str]:
    """Where a schema-2 report breaks its JSON Schema (the first place), as one problem."""
    if data.get("schema") != report_json.SCHEMA_VERSION:
        return []
    import jsonschema  # type: ignore[import-untyped, unused-ignore]

    schema = json.loads(resources.files("living_checklist.reports").joinpath("report.schema.json").read_text("utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    return [] if error is None else [f"{error.json_path}: {_short(error.message)}"]


def _feature_source(rootdir: Path, feature: str) -> bytes | None:
    """The bytes of a feature file a shard names, only when it is a regular ``.feature`` file inside
    ``rootdir`` (a shard naming ``/dev/zero``, a FIFO or ``../../etc/passwd`` gets no Gherkin)."""
    root = Path(os.path.realpath(rootdir))
    path = Path(os.path.realpath(root / feature))
    if not is_feature_file(path) or not path.is_relative_to(root):
        return None
    try:
        return read_regular(path, FEATURE_LIMIT)
    except OSError:
        return None


def with_gherkin(checklist: Checklist, rootdir: Path) -> Checklist:
    """Each scenario's Gherkin text and steps from its feature file, where the file still matches."""
    parsed: dict[str, dict[int, Requirement]] = {}
    results = []
    for result in checklist.results:
        req = result.requirement
        if req.feature not in parsed:
            parsed[req.feature] = _scenarios(rootdir, req)
        results.append(_with_scenario(result, parsed[req.feature].get(req.line)))
    return replace(checklist, results=tuple(results))


def _scenarios(rootdir: Path, req: Requirement) -> dict[int, Requirement]:
    """The scenarios of the requirement's feature file by line (none when it cannot be read)."""
    data = _feature_source(rootdir, req.feature)
    if data is None:
        return {}
    return {r.line: r for r in parse_feature(data, req.feature, area=req.area).requirements}


def _with_scenario(result: RequirementResult, found: Requirement | None) -> RequirementResult:
    """The result with the scenario as its file has it, when the file has it with the same cases."""
    names = [c.nodeid.split("::", 1)[-1] for c in result.cases]
    if found is None or [c.item_name for c in found.cases] != names:
        return result
    req = result.requirement
    full = replace(found, id=req.id, has_id=req.has_id, area=req.area, tags=req.tags, seeds=req.seeds)
    return RequirementResult(full, result.nodeid, result.status, result.reason, result.message, result.cases)


Shards = list[tuple[str, Checklist]]


def _read_shards(inputs: list[str]) -> Shards | None:
    """Every shard read; each one that cannot be is one line on stderr, and then None."""
    shards, bad = [], 0
    for raw in inputs:
        try:
            shards.append((raw, read_report(Path(raw))))
        except ValueError as exc:
            print(terminal_safe(str(exc)), file=sys.stderr)
            bad += 1
    return None if bad else shards


def _outputs(args: argparse.Namespace, checklist: Checklist) -> list[tuple[Path, Callable[[], str]]]:
    """The JSON report and each other one asked for, with the function that renders it."""
    seeds = [dict(seed) for seed in checklist.seeds]
    outputs: list[tuple[Path, Callable[[], str]]] = [(Path(args.output), lambda: report_json.render(checklist, seeds))]
    optional: list[tuple[str | None, Callable[[], str]]] = [
        (args.md, lambda: report_md.render(checklist, seeds)),
        (args.html, lambda: report_html.render(checklist, seeds, generated="merged")),
        (args.badge, lambda: report_badge.render(checklist.totals)),
    ]
    return outputs + [(Path(name), render) for name, render in optional if name]


def _write_outputs(args: argparse.Namespace, checklist: Checklist) -> bool:
    for path, render in _outputs(args, checklist):
        try:
            write_report(path, render())
        except OSError as exc:
            print(f"{path}: could not write the report ({exc.strerror or exc})", file=sys.stderr)
            return False
    return True


def cmd_merge(args: argparse.Namespace) -> int:
    shards = _read_shards(args.inputs)
    if shards is None:
        return EXIT_BAD_INPUT
    try:
        merged = merge(shards)
    except MergeError as exc:
        print(f"{terminal_safe(str(exc))}; merge only the shards of one run", file=sys.stderr)
        return EXIT_BAD_INPUT
    checklist = with_gherkin(merged.checklist, Path(args.rootdir))
    if not _write_outputs(args, checklist):
        return EXIT_BAD_INPUT
    if args.format == "json":
        print(json.dumps(_merge_data(args, shards, merged, checklist), indent=2, ensure_ascii=False))
    else:
        _print_merged(args, shards, merged, checklist)
    return _exit_code(merged, checklist)


def _exit_code(merged: Merged, checklist: Checklist) -> int:
    # A checklist the merge marks incomplete (a shard interrupted, cases no shard ran) never passes.
    failed = merged.missing or not checklist.ok or not checklist.complete
    return EXIT_PROBLEMS if failed else EXIT_OK


def _merge_data(args: argparse.Namespace, shards: Shards, merged: Merged, checklist: Checklist) -> dict[str, Any]:
    return {
        "schema": 1,
        "command": "merge",
        "shards": [name for name, _ in shards],
        "output": str(args.output),
        "totals": report_json.to_data(checklist, [dict(seed) for seed in checklist.seeds])["totals"],
        "complete": checklist.complete,
        "missing": list(merged.missing),
        "overlapping": [{"nodeid": n, "shards": list(s)} for n, s in merged.overlapping],
        "pooled": list(merged.pooled),
    }


def _print_merged(args: argparse.Namespace, shards: Shards, merged: Merged, checklist: Checklist) -> None:
    print(f"merged {len(shards)} report(s) into {args.output}")
    print(totals_line(checklist.totals))
    if not checklist.complete:
        print("INCOMPLETE: a shard's run was interrupted or did not run every case it selected")
    for line in describe(merged):
        print(terminal_safe(line))
