"""The quality model coverage in the Markdown and HTML reports (the terminal uses core.quality.summary_lines)."""

from __future__ import annotations

from collections.abc import Callable

from living_checklist.core.escape import html_text as escape
from living_checklist.core.quality import SUB_CHARACTERISTICS, Quality, rows


def _counts(quality: Quality) -> str:
    return (
        f"{len(SUB_CHARACTERISTICS)} sub-characteristics: {len(quality.covered)} covered, "
        f"{len(quality.waived)} waived, {len(quality.missing)} missing"
    )


def markdown_section(quality: Quality | None, esc: Callable[[object], str]) -> list[str]:
    if quality is None or not quality.in_use:
        return []
    lines = [f"## Quality model (ISO/IEC 25010:2023): {_counts(quality)}", ""]
    lines += ["| characteristic | sub-characteristic | state | slots or reason |", "| --- | --- | --- | --- |"]
    for characteristic, name, state, detail in rows(quality):
        shown = f"**{state}**" if state == "missing" else state
        lines.append(f"| {esc(characteristic)} | {esc(name)} | {shown} | {esc(detail)} |")
    return lines


def html_section(quality: Quality | None) -> str:
    if quality is None or not quality.in_use:
        return ""
    body = "".join(
        f'<tr class="{state}"><td>{escape(characteristic)}</td><td>{escape(name)}</td><td>{state}</td>'
        f"<td>{escape(detail)}</td></tr>"
        for characteristic, name, state, detail in rows(quality)
    )
    return (
        f'<section id="quality"><h2>Quality model (ISO/IEC 25010:2023)</h2><p>{escape(_counts(quality))}</p>'
        "<table><thead><tr><th>characteristic</th><th>sub-characteristic</th><th>state</th>"
        f"<th>slots or reason</th></tr></thead><tbody>{body}</tbody></table></section>"
    )
