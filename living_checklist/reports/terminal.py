"""Terminal section ``living checklist``: totals line, per-area table, what is pending or failing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from living_checklist.core.quality import summary_lines
from living_checklist.core.status import Checklist, RequirementResult, Totals, by_area, is_not_selected
from living_checklist.reports import evidence
from living_checklist.reports.snippets import table as snippet_table

SNIPPETS_SHOWN = 10  # distinct snippets printed without -v; `living-checklist snippets` has them all


def totals_line(totals: Totals) -> str:
    reasons = ", ".join(f"{reason} {n}" for reason, n in totals.pending_by_reason.items() if n)
    pending = f"{totals.pending}" + (f" ({reasons})" if reasons else "")
    not_run = f"not run: {totals.not_run}  " if totals.not_run else ""
    return (
        f"requirements: {totals.requirements}  defined: {totals.defined}  verified: {totals.verified}  "
        f"failing: {totals.failing}  skipped: {totals.skipped}  pending: {pending}  error: {totals.error}  "
        f"{not_run}cases: {totals.cases}"
    )


def render(checklist: Checklist, verbose: bool = False, quiet: bool = False) -> list[str]:
    """The section's lines; ``quiet`` (pytest -q): the totals line and failing or error requirements only."""
    lines = [totals_line(checklist.totals)]
    if not checklist.complete:
        lines.append("INCOMPLETE: the run was interrupted or a worker died; these numbers are not the whole checklist")
    if quiet:
        return lines + _failing(checklist)
    lines += _area_table(checklist) + _failing(checklist) + _skipped(checklist) + _pending(checklist, verbose)
    lines += snippet_lines(checklist, None if verbose else SNIPPETS_SHOWN)
    if checklist.errors:
        lines += ["", "feature file errors:", *(f"  {error}" for error in checklist.errors)]
    lines += _lint(checklist)
    lines += evidence.terminal_lines(checklist.results)
    return [*lines, "", seeds_line(checklist), *_quality(checklist, verbose)]


def _lint(checklist: Checklist) -> list[str]:
    if not checklist.findings:
        return []
    failing = sum(1 for f in checklist.findings if f.fails)
    lines = ["", f"lint: {failing} error(s), {len(checklist.findings) - failing} warning(s)"]
    return lines + [f"  {finding}" for finding in checklist.findings]


def _quality(checklist: Checklist, verbose: bool) -> list[str]:
    return summary_lines(checklist.quality, verbose=verbose) if checklist.quality is not None else []


def _area_table(checklist: Checklist) -> list[str]:
    areas = by_area(checklist.results)
    if not areas:
        return []
    width = max(len("area"), *(len(a) for a in areas))
    header = (
        f"{'area':<{width}}  {'reqs':>4}  {'defined':>7}  {'verified':>8}  {'failing':>7}  {'pending':>7}  {'error':>5}"
    )
    lines = ["", header]
    for area, t in areas.items():
        lines.append(
            f"{area:<{width}}  {t.requirements:>4}  {t.defined:>7}  {t.verified:>8}  {t.failing:>7}  "
            f"{t.pending:>7}  {t.error:>5}"
        )
    return lines


def _skipped(checklist: Checklist) -> list[str]:
    """Skipped requirements, without those the run did not select (counted as ``not run``)."""
    shown = replace(checklist, results=tuple(r for r in checklist.results if not is_not_selected(r)))
    return _section(
        shown, "skipped:", ("skipped",), lambda r: f"{r.requirement.id} {r.requirement.name} - {_first_line(r)}"
    )


def _pending(checklist: Checklist, verbose: bool) -> list[str]:
    def line(r: RequirementResult) -> str:
        detail = f" - {_first_line(r)}" if verbose and r.message else ""
        return f"{r.reason:<11} {r.requirement.id} {r.requirement.name}{detail}"

    return _section(checklist, "pending:", ("pending",), line)


def _first_line(r: RequirementResult) -> str:
    return r.message.splitlines()[0] if r.message else ""


def _section(
    checklist: Checklist, title: str, statuses: tuple[str, ...], line: Callable[[RequirementResult], str]
) -> list[str]:
    chosen = [r for r in checklist.results if r.status in statuses]
    return ["", title, *(f"  {line(r)}" for r in chosen)] if chosen else []


def _failing(checklist: Checklist) -> list[str]:
    return _section(
        checklist,
        "failing and error:",
        ("error", "failing"),
        lambda r: f"{r.status.upper():<8} {r.requirement.id} {r.requirement.name} - {_first_line(r)}",
    )


def snippet_lines(checklist: Checklist, limit: int | None) -> list[str]:
    """Each distinct snippet of the undefined steps once, ready to paste (up to ``limit`` of them)."""
    table = snippet_table(checklist)
    if not len(table):
        return []
    lines = [
        "",
        f"undefined steps need {len(table)} step definition(s); paste into steps/ "
        "(import living_checklist; from pytest_bdd import given, when, then, step, parsers):",
    ]
    for number, (sid, code) in enumerate(table.items()):
        if limit is not None and number >= limit:
            lines.append(f"  ... and {len(table) - limit} more: run `living-checklist snippets` (or pytest -v)")
            break
        lines += [f"  # for {table.first_use[sid]}", *_indented(code.rstrip("\n"))]
    return lines


def _indented(code: str) -> list[str]:
    """The code's lines indented two spaces (an empty line stays empty)."""
    return [f"  {line}" if line else "" for line in code.splitlines()]


def seeds_line(checklist: Checklist) -> str:
    cited, uncited = checklist.traced
    docs = len(checklist.seeds)
    verified = sum(1 for s in checklist.seeds if s.get("verified") is True)
    absent = sum(1 for s in checklist.seeds if not s.get("present"))
    return (
        f"seeds: {docs} document(s) ({verified} checksum verified, {absent} not on disk); "
        f"requirements traced to a seed: {cited}, not traced: {uncited}"
    )
