"""``living-checklist status``: the checklist's totals without running a step (dry run)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from living_checklist.core.escape import terminal_safe
from living_checklist.core.inventory import GherkinError
from living_checklist.dryrun.classify import StaticRequirement, StaticTotals, static_by_area, static_totals
from living_checklist.dryrun.decided import classify_decided
from living_checklist.dryrun.run import load

if TYPE_CHECKING:
    from living_checklist.core.lint import Finding

from living_checklist.cli._common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    PROG,
    SCHEMA_VERSION,
    _emit_json,
    _error_data,
    _finish,
    _plural,
)
from living_checklist.cli.lint import finding_data, lint_findings, project_quality
from living_checklist.core.quality import Quality, summary_lines


def totals_line(t: StaticTotals) -> str:
    reasons = ", ".join(f"{reason} {n}" for reason, n in t.pending_by_reason.items() if n)
    pending = f"{t.pending}" + (f" ({reasons})" if reasons else "")
    return (
        f"requirements: {t.requirements}  ready: {t.ready}  pending: {pending}  error: {t.error}  "
        f"cases: {t.cases} (ready {t.ready_cases})"
    )


def render_status(
    results: Sequence[StaticRequirement],
    errors: Sequence[GherkinError],
    findings: Sequence[Finding] = (),
    *,
    quiet: bool,
) -> list[str]:
    failing = [f for f in findings if f.fails]
    lines = _status_head(results, errors, findings, failing) + _area_table(results)
    if quiet:
        return lines
    return lines + _failing_lines(failing) + _status_details(results)


def _failing_lines(failing: Sequence[Finding]) -> list[str]:
    return ["", "lint:", *(f"  {f}" for f in failing)] if failing else []


def _status_head(
    results: Sequence[StaticRequirement],
    errors: Sequence[GherkinError],
    findings: Sequence[Finding],
    failing: Sequence[Finding],
) -> list[str]:
    lines = [
        "living checklist (dry run: no step was run)",
        totals_line(static_totals(results)),
        "ready: every step of every case has a definition; running tells verified, failing, skipped, or",
        "pending on a placeholder step. The other numbers are those a run would give.",
    ]
    if errors:
        lines.append(f"feature files that do not parse: {len({e.path for e in errors})} (listed on stderr)")
    if findings:
        warned = _plural(len(findings) - len(failing), "warning")
        lines.append(f"lint: {len(failing)} failing, {warned} (a run fails on these; see `{PROG} lint`)")
    return lines


def _area_table(results: Sequence[StaticRequirement]) -> list[str]:
    areas = static_by_area(results)
    if not areas:
        return []
    width = max(len("area"), *(len(a) for a in areas))
    lines = ["", f"{'area':<{width}}  {'reqs':>4}  {'ready':>5}  {'pending':>7}  {'error':>5}"]
    for area, t in areas.items():
        lines.append(f"{area:<{width}}  {t.requirements:>4}  {t.ready:>5}  {t.pending:>7}  {t.error:>5}")
    return lines


def _status_details(results: Sequence[StaticRequirement]) -> list[str]:
    by_status: dict[str, list[StaticRequirement]] = {"error": [], "pending": [], "ready": []}
    for r in results:
        by_status.setdefault(r.status, []).append(r)
    return _error_lines(by_status["error"]) + _pending_lines(by_status["pending"]) + _ready_lines(by_status["ready"])


def _error_lines(problems: Sequence[StaticRequirement]) -> list[str]:
    lines: list[str] = ["", "error:"] if problems else []
    for r in problems:
        lines.append(f"  {r.reason:<11} {r.requirement.id} {r.requirement.name}")
        lines += [f"      {line}" for line in r.message.splitlines()]
    return lines


def _pending_lines(pending: Sequence[StaticRequirement]) -> list[str]:
    lines: list[str] = ["", "pending:"] if pending else []
    for r in pending:
        detail = f" - {r.summary}" if r.summary else ""
        lines.append(f"  {r.reason:<11} {r.requirement.id} {r.requirement.name}{detail}")
    return lines


def _ready_lines(ready: Sequence[StaticRequirement]) -> list[str]:
    if not ready:
        return []
    return ["", "ready to run:", *(f"  {r.requirement.id} {r.requirement.name}" for r in ready)]


def status_data(
    results: Sequence[StaticRequirement],
    errors: Sequence[GherkinError],
    findings: Sequence[Finding] = (),
    covered: Quality | None = None,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "command": "status",
        "dry_run": True,
        "totals": _totals_data(static_totals(results)),
        "areas": {area: _totals_data(t) for area, t in static_by_area(results).items()},
        "requirements": [_requirement_data(r) for r in results],
        "findings": [finding_data(f) for f in findings],
        "errors": [_error_data(e) for e in errors],
        "quality": covered.data() if covered is not None else None,
    }


def _totals_data(t: StaticTotals) -> dict[str, Any]:
    data = asdict(t)
    data["pending_by_reason"] = dict(t.pending_by_reason)
    return data


def _requirement_data(r: StaticRequirement) -> dict[str, Any]:
    return {
        "id": r.requirement.id,
        "name": r.requirement.name,
        "feature": r.requirement.feature,
        "line": r.requirement.line,
        "area": r.requirement.area,
        "tags": list(r.requirement.tags),
        "status": r.status,
        "reason": r.reason,
        "message": r.message,
        "cases": [
            {"nodeid": c.nodeid, "status": c.status, "reason": c.reason, "message": c.message, "steps": c.steps}
            for c in r.cases
        ],
    }


def cmd_status(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    results, _ = classify_decided(project)
    findings = lint_findings(project)
    errors = project.inventory.errors
    covered = project_quality(project)
    if args.format == "json":
        _emit_json(status_data(results, errors, findings, covered))
    else:
        lines = render_status(results, errors, findings, quiet=args.quiet)
        shown = summary_lines(covered, verbose=not args.quiet)
        print(terminal_safe("\n".join([*lines, "", *shown] if shown else lines)))
    return _finish(project, EXIT_PROBLEMS if _run_fails(results, findings) else EXIT_OK)


def _run_fails(results: Sequence[StaticRequirement], findings: Sequence[Finding]) -> bool:
    """What makes a run fail whatever its steps do: an error requirement, a failing lint rule."""
    return any(r.status == "error" for r in results) or any(f.fails for f in findings)
