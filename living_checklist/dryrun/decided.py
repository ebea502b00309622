"""The dry run's statuses after manual evidence and suspect imports, decided as a real run decides them."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from living_checklist.core import decisions, imports
from living_checklist.core.lint import Finding
from living_checklist.dryrun import snapshot
from living_checklist.dryrun.classify import StaticRequirement, classify_all
from living_checklist.dryrun.run import Project, ReadyStatus


def project_decisions(project: Project) -> tuple[decisions.Decisions, list[Finding]]:
    settings = project.settings
    root = settings.rootdir
    imports_dir = root / settings.seeds_dir / imports.IMPORTS_DIR
    evidence_dir = root / settings.evidence_dir
    for folder in (imports_dir.parent, imports_dir, evidence_dir):
        snapshot.depends_on(folder)  # a state file or a record added later changes the answer
    decided, findings = decisions.load(root / settings.seeds_dir, evidence_dir, root)
    if decided.evidence:
        snapshot.volatile()  # a record expires with the date, not with a file
    return decided, findings


def apply(results: list[StaticRequirement], decided: decisions.Decisions) -> list[StaticRequirement]:
    out = []
    for result in results:
        req_id = result.requirement.id
        status, reason, message = decisions.decide_before_running(decided, req_id, result.status, result.reason, "")
        if (status, reason) != (result.status, result.reason):
            known = message or result.message
            result = replace(result, status=cast(ReadyStatus, status), reason=reason, deciding=None, known=known)
        out.append(result)
    return out


def classify_decided(project: Project) -> tuple[list[StaticRequirement], list[Finding]]:
    """Every requirement's dry-run status, with the findings of unreadable import states."""
    decided, findings = project_decisions(project)
    return apply(classify_all(project), decided), findings
