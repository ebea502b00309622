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
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from living_checklist.core.inventory import Requirement, parse_feature
from living_checklist.core.status import Checklist, RequirementResult
from living_checklist.reports import badge as report_badge
from living_checklist.reports import baseline, write_report
from living_checklist.reports import html as report_html
from living_checklist.reports import json as report_json
from living_checklist.reports import markdown as report_md
from living_checklist.reports.merge import MergeError, describe, merge
from living_checklist.reports.terminal import totals_line


def read_report(path: Path) -> Checklist:
    """A shard's report as a checklist; ``ValueError`` naming the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a checklist report: not JSON ({exc})") from None
    problems = baseline.check(data)
    if problems:
        raise ValueError(f"{path}: not a usable checklist report: {'; '.join(problems)}")
    return report_json.from_data(data)


def with_gherkin(checklist: Checklist, rootdir: Path) -> Checklist:
    """Each scenario's Gherkin text and steps from its feature file, where the file still matches."""
    parsed: dict[str, dict[int, Requirement]] = {}
    results = []
    for result in checklist.results:
        req = result.requirement
        if req.feature not in parsed:
            try:
                doc = parse_feature((rootdir / req.feature).read_bytes(), req.feature, area=req.area)
            except OSError:
                doc = None
            parsed[req.feature] = {r.line: r for r in doc.requirements} if doc is not None else {}
        found = parsed[req.feature].get(req.line)
        names = [c.nodeid.split("::", 1)[-1] for c in result.cases]
        if found is None or [c.item_name for c in found.cases] != names:
            results.append(result)
            continue
        full = replace(found, id=req.id, has_id=req.has_id, area=req.area, tags=req.tags, seeds=req.seeds)
        results.append(
            RequirementResult(full, result.nodeid, result.status, result.reason, result.message, result.cases)
        )
    return replace(checklist, results=tuple(results))


def cmd_merge(args: argparse.Namespace) -> int:
    shards = []
    for raw in args.inputs:
        try:
            shards.append((raw, read_report(Path(raw))))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        merged = merge(shards)
    except MergeError as exc:
        print(f"{exc}; merge only the shards of one run", file=sys.stderr)
        return EXIT_BAD_INPUT
    checklist = with_gherkin(merged.checklist, Path(args.rootdir))
    seeds = [dict(seed) for seed in checklist.seeds]
    outputs: list[tuple[Path, Callable[[], str]]] = [(Path(args.output), lambda: report_json.render(checklist, seeds))]
    if args.md:
        outputs.append((Path(args.md), lambda: report_md.render(checklist, seeds)))
    if args.html:
        outputs.append((Path(args.html), lambda: report_html.render(checklist, seeds, generated="merged")))
    if args.badge:
        outputs.append((Path(args.badge), lambda: report_badge.render(checklist.totals)))
    for path, render in outputs:
        try:
            write_report(path, render())
        except OSError as exc:
            print(f"{path}: could not write the report ({exc.strerror or exc})", file=sys.stderr)
            return EXIT_BAD_INPUT
    notes = describe(merged)
    code = EXIT_PROBLEMS if merged.missing or not checklist.ok else EXIT_OK
    if args.format == "json":
        data = {
            "schema": 1,
            "command": "merge",
            "shards": [name for name, _ in shards],
            "output": str(args.output),
            "totals": report_json.to_data(checklist, seeds)["totals"],
            "missing": list(merged.missing),
            "overlapping": [{"nodeid": n, "shards": list(s)} for n, s in merged.overlapping],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return code
    print(f"merged {len(shards)} report(s) into {args.output}")
    print(totals_line(checklist.totals))
    for line in notes:
        print(line)
    return code
