"""``living-checklist lint``: the lint rules as ``path:line:col: message``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from living_checklist.core import decisions, quality
from living_checklist.core.escape import terminal_safe
from living_checklist.core.inventory import problem_data
from living_checklist.dryrun.decided import project_decisions
from living_checklist.dryrun.run import Project, load

if TYPE_CHECKING:
    from living_checklist.core.lint import Finding

from living_checklist.cli._common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    SCHEMA_VERSION,
    _emit_json,
    _error_data,
    _finish,
    _plural,
)


def finding_data(finding: Finding) -> dict[str, Any]:
    return {**problem_data(finding), "fails": finding.fails, "rule": finding.rule}


def project_quality(project: Project) -> quality.Quality:
    settings = project.settings
    return quality.coverage(project.inventory.requirements, settings.quality_model, dict(settings.waivers))


def lint_findings(project: Project) -> list[Finding]:
    """The rules a real run applies: lint of the feature files and the seeds manifest."""
    from living_checklist.core import seeds  # only lint needs these: keep the other commands' start-up short
    from living_checklist.core.lint import lint

    settings = project.settings
    seed_states, seed_findings = seeds.load(settings.rootdir / settings.seeds_dir, settings.rootdir)
    decided, decision_findings = project_decisions(project)
    seed_findings += decision_findings
    seed_findings += decisions.unknown_records(decided, {r.id for r in project.inventory.requirements})
    seed_findings += quality.findings(project_quality(project), settings.features_dir)
    findings = lint(
        project.inventory,
        require_ids=settings.require_ids,
        id_pattern=settings.id_pattern,
        seed_ids={state.seed.id for state in seed_states},
    )
    return sorted([*seed_findings, *findings], key=lambda f: (f.path, f.line, f.column, f.message))


def cmd_lint(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini, steps=False)
    findings = lint_findings(project)
    failing = sum(1 for f in findings if f.fails)
    if args.format == "json":
        _emit_json(_lint_data(project, findings, failing))
    else:
        lines = [str(f) for f in findings]
        lines.append(_lint_summary(len(findings), failing, len(project.inventory.features)))
        print(terminal_safe("\n".join(lines)))
    return _finish(project, EXIT_PROBLEMS if failing else EXIT_OK)


def _lint_data(project: Project, findings: list[Finding], failing: int) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "command": "lint",
        "failing": failing,
        "warnings": len(findings) - failing,
        "findings": [finding_data(f) for f in findings],
        "errors": [_error_data(e) for e in project.inventory.errors],
    }


def _lint_summary(findings: int, failing: int, files: int) -> str:
    if not findings:
        return f"lint: no problems in {_plural(files, 'feature file')}"
    return f"lint: {failing} failing, {_plural(findings - failing, 'warning')} in {_plural(files, 'feature file')}"
