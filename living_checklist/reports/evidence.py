"""Requirements decided by a manual evidence record, listed with who decided and when (terminal, Markdown).

The JSON report and the HTML page carry the record's message on the requirement itself; these two
would otherwise show a record's verdict only for pending or failing requirements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from living_checklist.core.status import RequirementResult

# The reasons core.decisions gives a requirement its evidence record decided.
EVIDENCE_REASONS = ("manual", "expired", "evidence")


def decided(results: Sequence[RequirementResult]) -> list[RequirementResult]:
    return [r for r in results if r.reason in EVIDENCE_REASONS]


def _first(result: RequirementResult) -> str:
    return result.message.strip().splitlines()[0] if result.message.strip() else ""


def terminal_lines(results: Sequence[RequirementResult]) -> list[str]:
    rows = decided(results)
    if not rows:
        return []
    return ["", "manual evidence:", *(f"  {r.status:<8} {r.requirement.id} - {_first(r)}" for r in rows)]


def markdown_section(results: Sequence[RequirementResult], esc: Callable[[object], str]) -> list[str]:
    rows = decided(results)
    if not rows:
        return []
    lines = [f"## Manual evidence ({len(rows)})", "", "| id | requirement | status | record |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {esc(r.requirement.id)} | {esc(r.requirement.name)} | {r.status} | {esc(_first(r))} |")
    return lines
