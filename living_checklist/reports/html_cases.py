"""The HTML page's tables of a requirement: its measurements and its cases (part of ``reports.html``)."""

from __future__ import annotations

from living_checklist.core.escape import html_text as escape
from living_checklist.core.measure import Measurement
from living_checklist.core.status import RequirementResult


def source_lines(text: str) -> list[str]:
    """``text`` split at line ends (``\\n``, ``\\r\\n``) only: a lone ``\\r`` or ``\\x1e`` inside a line
    is shown (``\\r``), not taken for a line break nobody sees."""
    found = text.replace("\r\n", "\n").split("\n")
    return found[:-1] if found[-1] == "" else found


def _fmt(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def measurements_table(result: RequirementResult) -> str:
    rows = []
    many = len(result.cases) > 1
    for case in result.cases:
        for m in case.outcome.measurements:
            rows.append((case.nodeid.rsplit("::", 1)[-1], m))
    if not rows:
        return ""
    head = "<th>case</th>" if many else ""
    body = [_measurement_row(case_name if many else None, m) for case_name, m in rows]
    return (
        f'<table class="small measurements"><caption>Measurements</caption>'
        f"<thead><tr>{head}<th>quantity</th><th class=num>measured</th><th class=num>required</th><th>met</th></tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _measurement_row(case_name: str | None, m: Measurement) -> str:
    """A measurement's row: its case (when the requirement has several), quantity, figures, whether met."""
    unit = f" {m.unit}" if m.unit else ""
    required = f"{m.comparison} {_fmt(m.required)}{unit}" if m.required is not None else "—"
    return (
        "<tr>"
        + (f"<td>{escape(case_name)}</td>" if case_name is not None else "")
        + f"<td>{escape(m.name)}</td><td class=num>{escape(_fmt(m.value) + unit)}</td>"
        f"<td class=num>{escape(required)}</td>{_met(m)}</tr>"
    )


def _met(m: Measurement) -> str:
    if m.required is None:
        return '<td class="met-none">—</td>'  # a figure recorded without a requirement: nothing to meet
    try:
        holds = m.holds()
    except (TypeError, KeyError):
        return "<td>?</td>"
    return '<td class="met-yes">yes</td>' if holds else '<td class="met-no">no</td>'


def cases_table(result: RequirementResult) -> str:
    if len(result.cases) < 2:
        return ""
    rows = []
    for case in result.cases:
        first = source_lines(case.outcome.message.strip())
        rows.append(
            f"<tr><td>{escape(case.nodeid.rsplit('::', 1)[-1])}</td>"
            f'<td><span class="badge {case.outcome.status}">{case.outcome.status}</span></td>'
            f"<td>{escape(case.outcome.reason)}</td><td>{escape(first[0] if first else '')}</td></tr>"
        )
    return (
        f'<table class="small cases"><caption>Cases ({len(result.cases)})'
        f"</caption><thead><tr><th>case</th><th>status</th><th>reason</th><th>message</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
