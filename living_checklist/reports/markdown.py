"""Markdown report: totals, progress per area, what fails and what is pending, seeds traceability.

Pure: takes the checklist and the seeds list, returns text. Everything that comes from feature
files is escaped, so a name cannot become a link, a table column or raw HTML (GitHub renders the
job summary as Markdown with HTML).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from living_checklist.core.environment import describe
from living_checklist.core.escape import terminal_safe
from living_checklist.core.status import Checklist, RequirementResult, Totals, by_area
from living_checklist.reports import history
from living_checklist.reports.evidence import markdown_section as evidence_section
from living_checklist.reports.quality import markdown_section

# Enough to keep text inline and literal: no emphasis, code, links, HTML, table cells or math;
# and no autolinks or mentions GitHub would make of a scheme's "://", "www." or an "@".
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$@])")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=\bwww)(\.)")

CHANGES_SHOWN = 50  # changes listed since the previous run; the rest are counted


def escape(text: object) -> str:
    """Inline Markdown text: special characters backslash-escaped, one line; ``https://``, ``www.``
    and ``@`` escaped too, so a scenario name never becomes a link or a mention; control characters
    shown as escapes (a carriage return as ``\\r``), never folded away."""
    one_line = " ".join(terminal_safe(str(text)).split())
    return _AUTOLINK.sub(lambda match: "\\" + match.group(), _SPECIAL.sub(r"\\\1", one_line))


def percent(part: int, whole: int) -> str:
    """Rounded down, so 100% means all of it."""
    return f"{part * 100 // whole}%" if whole else "–"


def fenced(text: str, info: str = "text") -> list[str]:
    """A code block whose fence is longer than any backtick run inside it."""
    text = terminal_safe(text)  # a carriage return shown as \r, not a line break nobody sees
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *text.splitlines(), fence]


def totals_table(totals: Totals) -> list[str]:
    keys = ("requirements", "defined", "verified", "failing", "skipped", "pending", "error", "cases")
    lines = ["| " + " | ".join(keys) + " |", "|" + "---:|" * len(keys)]
    lines.append("| " + " | ".join(str(getattr(totals, key)) for key in keys) + " |")
    reasons = [f"{reason} {n}" for reason, n in totals.pending_by_reason.items() if n]
    if reasons:
        lines += ["", f"Pending by reason: {', '.join(reasons)}."]
    return lines


def area_table(results: Iterable[RequirementResult]) -> list[str]:
    areas = by_area(results)
    if not areas:
        return []
    lines = [
        "| area | requirements | defined | verified | failing | skipped | pending | error | verified % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for area, t in areas.items():
        lines.append(
            f"| {escape(area)} | {t.requirements} | {t.defined} | {t.verified} | {t.failing} | {t.skipped} | "
            f"{t.pending} | {t.error} | {percent(t.verified, t.requirements)} |"
        )
    return lines


def _label(result: RequirementResult) -> str:
    req = result.requirement
    return f"**{escape(req.id)}** {escape(req.name)} ({escape(req.location)})"


def problems(results: Sequence[RequirementResult]) -> list[str]:
    bad = [r for r in results if r.status in ("failing", "error")]
    if not bad:
        return []
    lines = [f"## Failing and error ({len(bad)})"]
    for r in bad:
        reason = f" — {escape(r.reason)}" if r.reason else ""
        lines += ["", f"- {r.status}{reason}: {_label(r)}"]
        if r.message.strip():
            lines += ["", *("  " + line if line else "" for line in fenced(r.message.strip()))]
    return lines


def verified(results: Sequence[RequirementResult]) -> list[str]:
    """The verified requirements with the figures that verified them (measured vs required)."""
    rows = [r for r in results if r.status == "verified"]
    if not rows:
        return []
    lines = [f"## Verified ({len(rows)})", "", "| id | requirement | figures |", "|---|---|---|"]
    for r in rows:
        figures = [
            f"{m.name}: {m.describe()}" for case in r.cases for m in case.outcome.measurements if m.required is not None
        ]
        lines.append(f"| {escape(r.requirement.id)} | {escape(r.requirement.name)} | {escape('; '.join(figures))} |")
    return lines


def pending(results: Sequence[RequirementResult]) -> list[str]:
    waiting = [r for r in results if r.status == "pending"]
    if not waiting:
        return []
    lines = [
        f"## Pending ({len(waiting)})",
        "",
        "| id | requirement | reason | what is missing |",
        "|---|---|---|---|",
    ]
    for r in waiting:
        first = r.message.strip().splitlines()[0] if r.message.strip() else ""
        lines.append(
            f"| {escape(r.requirement.id)} | {escape(r.requirement.name)} | {escape(r.reason)} | {escape(first)} |"
        )
    return lines


def skipped(results: Sequence[RequirementResult]) -> list[str]:
    rows = [r for r in results if r.status == "skipped"]
    if not rows:
        return []
    lines = [f"## Skipped ({len(rows)})", "", "| id | requirement | why |", "|---|---|---|"]
    for r in rows:
        lines.append(f"| {escape(r.requirement.id)} | {escape(r.requirement.name)} | {escape(r.message or r.reason)} |")
    return lines


def seeds_section(results: Sequence[RequirementResult], seeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each seed with the requirements drawn from it, and which scenarios cite it with ``@seed-<id>``."""
    cited: dict[str, list[str]] = {}
    for r in results:
        for seed_id in r.requirement.seeds:
            cited.setdefault(seed_id, []).append(r.requirement.id)
    lines = ["## Seeds traceability", ""]
    if not seeds:
        lines.append("No seeds recorded.")
    else:
        lines += [
            "| seed | file | sha256 | requirements | cited by | verdict |",
            "|---|---|---|---|---|---|",
        ]
    for seed in seeds:
        seed_id = str(seed.get("id", ""))
        drawn = [str(x) for x in seed.get("requirements") or ()]
        citing = cited.get(seed_id, [])
        lines.append(
            f"| {escape(seed_id)} | {escape(seed.get('file', ''))} | {escape(str(seed.get('sha256', ''))[:12])} | "
            f"{escape(', '.join(drawn)) or 'none'} | {escape(', '.join(citing)) or 'none'} | "
            f"{escape(seed.get('verdict', ''))} |"
        )
    known = {str(seed.get("id", "")) for seed in seeds}
    unknown = {seed: ids for seed, ids in cited.items() if seed not in known}
    if unknown:
        lines += ["", "Cited but not in the seeds manifest:", ""]
        lines += [f"- seed-{escape(seed)}: {escape(', '.join(ids))}" for seed, ids in sorted(unknown.items())]
    return lines


def environment_section(environment: Mapping[str, Any] | None) -> list[str]:
    """Where the checks ran: the system, the machine, the software and the commit."""
    if environment is None:
        return []
    lines = ["## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {escape(label)} | {escape(text)} |" for label, text in describe(environment)]
    return lines


def progress_section(progress: history.Progress | None, baseline_lines: Sequence[str] | None) -> list[str]:
    """The trend over the recorded runs and what changed since the previous one; the baseline delta."""
    lines: list[str] = []
    if progress is not None:
        lines += ["## Progress", "", escape(history.trend_line(progress.entries))]
        if not progress.recorded:
            lines += ["", "This run is incomplete: it is not recorded in the history."]
        if progress.changes:
            shown = progress.changes[:CHANGES_SHOWN]
            lines += ["", f"Since the previous run ({len(progress.changes)} changed):", ""]
            lines += [f"- {escape(change.describe())}" for change in shown]
            if len(progress.changes) > CHANGES_SHOWN:
                lines.append(f"- ... and {len(progress.changes) - CHANGES_SHOWN} more")
        elif len(progress.entries) > 1 or not progress.recorded:
            lines += ["", "No requirement changed status since the previous run."]
    if baseline_lines:
        lines += ["", "## Baseline", ""] if lines else ["## Baseline", ""]
        lines += [f"- {escape(line.strip())}" for line in baseline_lines]
    return lines


def _decided(checklist: Checklist, seeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Manual evidence, seeds traceability and quality model coverage: what decides and traces the slots."""
    lines = []
    for section in (
        evidence_section(checklist.results, escape),
        seeds_section(checklist.results, seeds),
        markdown_section(checklist.quality, escape),
    ):
        if section:
            lines += ["", *section]
    return lines


def render(
    checklist: Checklist,
    seeds: Sequence[Mapping[str, Any]] = (),
    title: str = "Living checklist",
    *,
    progress: history.Progress | None = None,
    baseline_lines: Sequence[str] | None = None,
) -> str:
    t = checklist.totals
    lines = [f"# {escape(title)}", ""]
    if not checklist.complete:
        lines += [
            "> **Incomplete:** the run was interrupted or a worker died; these numbers are not the whole checklist.",
            "",
        ]
    lines.append(
        f"**{t.verified} of {t.requirements} requirements verified** ({percent(t.verified, t.requirements)}); "
        f"{t.defined} defined, {t.pending} pending, {t.failing} failing, {t.error} error."
    )
    lines += ["", *totals_table(t)]
    if checklist.errors:
        # First: a file that is not Gherkin hides every requirement in it.
        lines += ["", f"## Feature file errors ({len(checklist.errors)})", ""]
        lines += [f"- {escape(error)}" for error in checklist.errors]
    if checklist.findings:
        failing = sum(1 for f in checklist.findings if f.fails)
        lines += ["", f"## Lint ({failing} errors, {len(checklist.findings) - failing} warnings)", ""]
        lines += [f"- {escape(finding)}" for finding in checklist.findings]
    trend = progress_section(progress, baseline_lines)
    if trend:
        lines += ["", *trend]
    areas = area_table(checklist.results)
    if areas:
        lines += ["", "## By area", "", *areas]
    results = checklist.results
    for section in (problems(results), verified(results), pending(results), skipped(results)):
        if section:
            lines += ["", *section]
    lines += _decided(checklist, seeds)
    environment = environment_section(checklist.environment)
    if environment:
        lines += ["", *environment]
    return "\n".join(lines) + "\n"
