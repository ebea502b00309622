"""Markdown report: totals, progress per area, what fails and what is pending, seeds traceability.

Pure: takes the checklist and the seeds list, returns text. Everything that comes from feature
files is escaped, so a name cannot become a link, a table column or raw HTML (GitHub renders the
job summary as Markdown with HTML).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    return [f"## Failing and error ({len(bad)})", *(line for r in bad for line in _problem(r))]


def _problem(r: RequirementResult) -> list[str]:
    """One failing or error requirement: status, reason and label; its message fenced below."""
    reason = f" — {escape(r.reason)}" if r.reason else ""
    lines = ["", f"- {r.status}{reason}: {_label(r)}"]
    if r.message.strip():
        lines += ["", *("  " + line if line else "" for line in fenced(r.message.strip()))]
    return lines


def _status_table(
    results: Sequence[RequirementResult],
    status: str,
    title: str,
    column: str,
    cell: Callable[[RequirementResult], object],
) -> list[str]:
    """A section listing the requirements of one status: id, name and one more escaped cell."""
    rows = [r for r in results if r.status == status]
    if not rows:
        return []
    lines = [f"## {title} ({len(rows)})", "", f"| id | requirement | {column} |", "|---|---|---|"]
    lines += [f"| {escape(r.requirement.id)} | {escape(r.requirement.name)} | {escape(cell(r))} |" for r in rows]
    return lines


def _figures(result: RequirementResult) -> str:
    measurements = [m for case in result.cases for m in case.outcome.measurements]
    return "; ".join(f"{m.name}: {m.describe()}" for m in measurements if m.required is not None)


def verified(results: Sequence[RequirementResult]) -> list[str]:
    """The verified requirements with the figures that verified them (measured vs required)."""
    return _status_table(results, "verified", "Verified", "figures", _figures)


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
    return lines + [_pending_row(r) for r in waiting]


def _pending_row(r: RequirementResult) -> str:
    """A pending requirement: id, name, reason, and the first line of what is missing."""
    first = (r.message.strip().splitlines() or [""])[0]
    return f"| {escape(r.requirement.id)} | {escape(r.requirement.name)} | {escape(r.reason)} | {escape(first)} |"


def skipped(results: Sequence[RequirementResult]) -> list[str]:
    return _status_table(results, "skipped", "Skipped", "why", lambda r: r.message or r.reason)


def _citations(results: Sequence[RequirementResult]) -> dict[str, list[str]]:
    """The requirement ids citing each seed id (``@seed-<id>``), in result order."""
    cited: dict[str, list[str]] = {}
    for r in results:
        for seed_id in r.requirement.seeds:
            cited.setdefault(seed_id, []).append(r.requirement.id)
    return cited


def _seed_row(seed: Mapping[str, Any], citing: Sequence[str]) -> str:
    seed_id = str(seed.get("id", ""))
    drawn = [str(x) for x in seed.get("requirements") or ()]
    return (
        f"| {escape(seed_id)} | {escape(seed.get('file', ''))} | {escape(str(seed.get('sha256', ''))[:12])} | "
        f"{escape(', '.join(drawn)) or 'none'} | {escape(', '.join(citing)) or 'none'} | "
        f"{escape(seed.get('verdict', ''))} |"
    )


def seeds_section(results: Sequence[RequirementResult], seeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each seed with the requirements drawn from it, and which scenarios cite it with ``@seed-<id>``."""
    cited = _citations(results)
    lines = ["## Seeds traceability", ""]
    if not seeds:
        lines.append("No seeds recorded.")
    else:
        lines += [
            "| seed | file | sha256 | requirements | cited by | verdict |",
            "|---|---|---|---|---|---|",
        ]
    lines += [_seed_row(seed, cited.get(str(seed.get("id", "")), [])) for seed in seeds]
    return lines + _unknown_seeds(cited, seeds)


def _unknown_seeds(cited: Mapping[str, Sequence[str]], seeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """The seeds scenarios cite that the manifest does not list, each with the requirements citing it."""
    known = {str(seed.get("id", "")) for seed in seeds}
    unknown = {seed: ids for seed, ids in cited.items() if seed not in known}
    if not unknown:
        return []
    lines = ["", "Cited but not in the seeds manifest:", ""]
    return lines + [f"- seed-{escape(seed)}: {escape(', '.join(ids))}" for seed, ids in sorted(unknown.items())]


def environment_section(environment: Mapping[str, Any] | None) -> list[str]:
    """Where the checks ran: the system, the machine, the software and the commit."""
    if environment is None:
        return []
    lines = ["## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {escape(label)} | {escape(text)} |" for label, text in describe(environment)]
    return lines


def _progress(progress: history.Progress) -> list[str]:
    """The trend line, whether this run is recorded, and what changed."""
    lines = ["## Progress", "", escape(history.trend_line(progress.entries))]
    if not progress.recorded:
        lines += ["", "This run is incomplete: it is not recorded in the history."]
    return lines + _changes(progress)


def _changes(progress: history.Progress) -> list[str]:
    """What changed since the previous run, the first ``CHANGES_SHOWN`` listed and the rest counted."""
    if not progress.changes:
        if len(progress.entries) > 1 or not progress.recorded:
            return ["", "No requirement changed status since the previous run."]
        return []
    lines = ["", f"Since the previous run ({len(progress.changes)} changed):", ""]
    lines += [f"- {escape(change.describe())}" for change in progress.changes[:CHANGES_SHOWN]]
    if len(progress.changes) > CHANGES_SHOWN:
        lines.append(f"- ... and {len(progress.changes) - CHANGES_SHOWN} more")
    return lines


def progress_section(progress: history.Progress | None, baseline_lines: Sequence[str] | None) -> list[str]:
    """The trend over the recorded runs and what changed since the previous one; the baseline delta."""
    lines = _progress(progress) if progress is not None else []
    if baseline_lines:
        lines += ["", "## Baseline", ""] if lines else ["## Baseline", ""]
        lines += [f"- {escape(line.strip())}" for line in baseline_lines]
    return lines


def _joined(sections: Iterable[Sequence[str]]) -> list[str]:
    """The non-empty sections, each after a blank line."""
    return [line for section in sections if section for line in ("", *section)]


def _decided(checklist: Checklist, seeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Manual evidence, seeds traceability and quality model coverage: what decides and traces the slots."""
    return _joined(
        (
            evidence_section(checklist.results, escape),
            seeds_section(checklist.results, seeds),
            markdown_section(checklist.quality, escape),
        )
    )


def _file_errors(checklist: Checklist) -> list[str]:
    if not checklist.errors:
        return []
    return [f"## Feature file errors ({len(checklist.errors)})", "", *(f"- {escape(e)}" for e in checklist.errors)]


def _lint(checklist: Checklist) -> list[str]:
    if not checklist.findings:
        return []
    failing = sum(1 for f in checklist.findings if f.fails)
    lines = [f"## Lint ({failing} errors, {len(checklist.findings) - failing} warnings)", ""]
    return lines + [f"- {escape(finding)}" for finding in checklist.findings]


def _header(checklist: Checklist, title: str) -> list[str]:
    """The title, the incomplete warning if any, the headline figures and the totals table."""
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
    return lines + ["", *totals_table(t)]


def render(
    checklist: Checklist,
    seeds: Sequence[Mapping[str, Any]] = (),
    title: str = "Living checklist",
    *,
    progress: history.Progress | None = None,
    baseline_lines: Sequence[str] | None = None,
) -> str:
    areas = area_table(checklist.results)
    results = checklist.results
    lines = _header(checklist, title)
    # First: a file that is not Gherkin hides every requirement in it.
    lines += _joined(
        (
            _file_errors(checklist),
            _lint(checklist),
            progress_section(progress, baseline_lines),
            ["## By area", "", *areas] if areas else [],
            problems(results),
            verified(results),
            pending(results),
            skipped(results),
        )
    )
    lines += _decided(checklist, seeds)
    lines += _joined((environment_section(checklist.environment),))
    return "\n".join(lines) + "\n"
