"""Terminal section ``living checklist``: totals line, per-area table, what is pending or failing."""

from __future__ import annotations

from checklist.status import Checklist, Totals, by_area


def totals_line(totals: Totals) -> str:
    reasons = ", ".join(f"{reason} {n}" for reason, n in totals.pending_by_reason.items() if n)
    pending = f"{totals.pending}" + (f" ({reasons})" if reasons else "")
    return (
        f"requirements: {totals.requirements}  defined: {totals.defined}  verified: {totals.verified}  "
        f"failing: {totals.failing}  skipped: {totals.skipped}  pending: {pending}  error: {totals.error}  "
        f"cases: {totals.cases}"
    )


def render(checklist: Checklist, verbose: bool = False) -> list[str]:
    lines = [totals_line(checklist.totals)]
    if not checklist.complete:
        lines.append("INCOMPLETE: the run was interrupted or a worker died; these numbers are not the whole checklist")
    areas = by_area(checklist.results)
    if areas:
        width = max(len("area"), *(len(a) for a in areas))
        header = (
            f"{'area':<{width}}  {'reqs':>4}  {'defined':>7}  {'verified':>8}  {'failing':>7}  {'pending':>7}  "
            f"{'error':>5}"
        )
        lines += ["", header]
        for area, t in areas.items():
            lines.append(
                f"{area:<{width}}  {t.requirements:>4}  {t.defined:>7}  {t.verified:>8}  {t.failing:>7}  "
                f"{t.pending:>7}  {t.error:>5}"
            )
    problems = [r for r in checklist.results if r.status in ("error", "failing")]
    if problems:
        lines += ["", "failing and error:"]
        for r in problems:
            first = r.message.splitlines()[0] if r.message else ""
            lines.append(f"  {r.status.upper():<8} {r.requirement.id} {r.requirement.name} - {first}")
    skipped = [r for r in checklist.results if r.status == "skipped"]
    if skipped:
        lines += ["", "skipped:"]
        for r in skipped:
            first = r.message.splitlines()[0] if r.message else ""
            lines.append(f"  {r.requirement.id} {r.requirement.name} - {first}")
    pending = [r for r in checklist.results if r.status == "pending"]
    if pending:
        lines += ["", "pending:"]
        for r in pending:
            first = r.message.splitlines()[0] if r.message else ""
            detail = f" - {first}" if verbose and first else ""
            lines.append(f"  {r.reason:<11} {r.requirement.id} {r.requirement.name}{detail}")
    if checklist.errors:
        lines += ["", "feature file errors:"]
        lines += [f"  {error}" for error in checklist.errors]
    if checklist.findings:
        failing = sum(1 for f in checklist.findings if f.fails)
        lines += ["", f"lint: {failing} error(s), {len(checklist.findings) - failing} warning(s)"]
        lines += [f"  {finding}" for finding in checklist.findings]
    lines += ["", seeds_line(checklist)]
    return lines


def seeds_line(checklist: Checklist) -> str:
    cited, uncited = checklist.traced
    docs = len(checklist.seeds)
    verified = sum(1 for s in checklist.seeds if s.get("verified") is True)
    absent = sum(1 for s in checklist.seeds if not s.get("present"))
    return (
        f"seeds: {docs} document(s) ({verified} checksum verified, {absent} not on disk); "
        f"requirements traced to a seed: {cited}, not traced: {uncited}"
    )
