"""JSON report: the checklist as plain data (schema 1), written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from living_checklist.status import Checklist, RequirementResult

SCHEMA_VERSION = 1


def requirement_data(result: RequirementResult) -> dict[str, Any]:
    req = result.requirement
    return {
        "id": req.id,
        "name": req.name,
        "description": req.description,
        "feature": req.feature,
        "line": req.line,
        "area": req.area,
        "rule": req.rule,
        "tags": list(req.tags),
        "seeds": list(req.seeds),
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "cases": [
            {
                "nodeid": case.nodeid,
                "status": case.outcome.status,
                "reason": case.outcome.reason,
                "message": case.outcome.message,
                "measurements": [asdict(m) for m in case.outcome.measurements],
                "steps": case.outcome.steps,
            }
            for case in result.cases
        ],
    }


def to_data(checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    totals = asdict(checklist.totals)
    totals["pending_by_reason"] = dict(checklist.totals.pending_by_reason)
    return {
        "schema": SCHEMA_VERSION,
        "complete": checklist.complete,
        "totals": totals,
        "requirements": [requirement_data(result) for result in checklist.results],
        "errors": [
            {
                "path": e.path,
                "line": e.line,
                "column": e.column,
                "message": e.message,
                "kind": "gherkin",
                "severity": "error",
                "text": str(e),
            }
            for e in checklist.errors
        ]
        + [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "kind": f.rule or "lint",
                "severity": "error" if f.fails else "warning",
                "text": str(f),
            }
            for f in checklist.findings
        ],
        "seeds": seeds or [],
        "environment": dict(checklist.environment) if checklist.environment is not None else None,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp makes the file private (0600); a report is as readable as any file we write.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> str:
    return json.dumps(to_data(checklist, seeds), indent=2, ensure_ascii=False) + "\n"


def write(path: Path, checklist: Checklist, seeds: list[dict[str, Any]] | None = None) -> None:
    write_atomic(path, render(checklist, seeds))
