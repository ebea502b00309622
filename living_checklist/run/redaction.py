"""What pytest itself shows about a case, made safe before any reporter sees it.

The checklist's own messages are redacted where they are made (``core.status.CaseOutcome``); the
failure text pytest prints (the traceback under every ``--tb`` mode, JUnit's ``<failure>``) and the
captured output sections are made by pytest. Here, in the report hook, that text gets the same
rule: secrets masked (``core.redact``) and control characters shown as escapes (``core.escape``),
so a system's ANSI or OSC sequences never act on the terminal or a CI log.
"""

from __future__ import annotations

from typing import Any

import pytest

from living_checklist.core.escape import terminal_safe
from living_checklist.core.redact import redact_text

__all__ = ["safe_report"]


def _safe(text: str) -> str:
    return terminal_safe(redact_text(text))


def _safe_longrepr(longrepr: object) -> tuple[Any, Any, str] | str | None:
    """A safe copy of a report's failure text (a skip's (path, line, message) or any other), or None
    when it is safe already (or there is none)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, message = longrepr
        return (path, line, _safe(str(message))) if _safe(str(message)) != message else None
    if longrepr is None:
        return None
    text = str(longrepr)
    safe = _safe(text)
    return safe if safe != text else None


def safe_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Replace the report's failure text and captured sections by safe copies where they differ."""
    safe = _safe_longrepr(report.longrepr)
    if safe is not None:
        report.longrepr = safe
    report.sections = [(title, _safe(content)) for title, content in report.sections]
