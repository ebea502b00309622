"""HTML living documentation: one self-contained page, readable offline.

Pure: takes the checklist and the seeds list, returns the page. Every piece of text that comes from
feature files, step messages or seeds goes through ``html.escape``; the only script is
``assets/html.js`` (read from the package with the style sheet ``assets/html.css``; it reads no
data, it only shows and hides rows), and the page's Content Security
Policy allows that script by hash and nothing remote at all.

Filtering works with or without a click: ``#status=failing&area=hardware&q=memory`` in the address
selects the same rows the controls do, so a link can point at "what is failing in hardware".
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html import escape as escape_markup
from importlib import resources
from typing import Any
from urllib.parse import quote

from living_checklist.core.environment import describe
from living_checklist.core.escape import html_text as escape
from living_checklist.core.inventory import Requirement
from living_checklist.core.status import STATUSES, Checklist, RequirementResult, Totals, by_area
from living_checklist.reports import history
from living_checklist.reports.html_cases import cases_table as _cases
from living_checklist.reports.html_cases import measurements_table as _measurements
from living_checklist.reports.html_cases import source_lines
from living_checklist.reports.html_steps import steps as _steps
from living_checklist.reports.quality import html_section


def _asset(name: str) -> str:
    """A file of ``reports/assets`` (the page's style sheet and script), as the package holds it."""
    return resources.files("living_checklist.reports").joinpath("assets", name).read_text(encoding="utf-8").strip()


# Bar segments, left to right: done first, then what needs work.
SEGMENTS: tuple[str, ...] = ("verified", "skipped", "failing", "error", "pending")

STYLE = _asset("html.css")

SCRIPT = _asset("html.js")


SCRIPT_ELEMENT = f"<script>\n{SCRIPT}\n</script>"

CHANGES_SHOWN = 50  # changes listed since the previous run; the rest are counted

EVIDENCE_LINES = 12  # longer messages are collapsed under their first line


def _script_hash() -> str:
    """CSP hash of the script element's exact text, so this script runs and no other can."""
    body = SCRIPT_ELEMENT.removeprefix("<script>").removesuffix("</script>")
    return "sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")


CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src '{_script_hash()}'; img-src data:"


def anchor(prefix: str, name: str) -> str:
    """An element id: no whitespace, and stable for the same name."""
    return prefix + re.sub(r"\s+", "_", name)


def link_to(element_id: str) -> str:
    """An in-page link, percent-encoded so no id can look like a filter (``=``) or break the URL."""
    return escape_markup("#" + quote(element_id, safe=""))


def bar(counts: Mapping[str, int], total: int, big: bool = False) -> str:
    label = ", ".join(f"{counts.get(key, 0)} {key}" for key in SEGMENTS if counts.get(key, 0)) or "no requirements"
    cls = "bar big" if big else "bar"
    return f'<div class="{cls}" role="img" aria-label="{escape(label)}">{_segments(counts, total)}</div>'


def _segments(counts: Mapping[str, int], total: int) -> str:
    """A span per status that has requirements, as wide as its share of ``total``."""
    spans = []
    for key in SEGMENTS:
        n = counts.get(key, 0)
        if n and total:
            spans.append(f'<span class="seg-{key}" style="width:{n * 100 / total:.3f}%" title="{n} {key}"></span>')
    return "".join(spans)


def _counts(t: Totals) -> dict[str, int]:
    return {key: getattr(t, key) for key in STATUSES}


def gherkin(text: str) -> str:
    """The scenario's source, escaped, with keywords, tags, comments and TBD marked up."""
    out = []
    for raw in source_lines(text):
        line = escape(raw, quote=False)
        stripped = raw.lstrip()
        if stripped.startswith("#"):
            out.append(f'<span class="cm">{line}</span>')
            continue
        if stripped.startswith("@"):
            out.append(re.sub(r"@\S+", lambda m: f'<span class="tg">{m.group(0)}</span>', line))
            continue
        line = re.sub(
            r"^(\s*)(Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios|Background|Rule"
            r"|Given|When|Then|And|But|\*)(?=[\s:])",
            lambda m: f'{m.group(1)}<span class="kw">{m.group(2)}</span>',
            line,
        )
        out.append(re.sub(r"\bTBD\b", "<mark>TBD</mark>", line))
    return "\n".join(out)


def evidence(message: str, reason_html: str) -> str:
    """A message as evidence: one line inline, a few lines as a block, a long one collapsed."""
    lines = source_lines(message)
    if len(lines) <= 1:
        sep = ": " if reason_html and message else ""
        return f'<p class="reason">{reason_html}{sep}<span class="message">{escape(message)}</span></p>'
    if len(lines) <= EVIDENCE_LINES:
        return f'<div class="reason">{reason_html}<pre class="message">{escape(message)}</pre></div>'
    return (
        f'<div class="reason">{reason_html}<details class="evidence"><summary>{escape(lines[0])} '
        f'<span class="muted">({len(lines)} lines)</span></summary><pre class="message">{escape(message)}</pre>'
        "</details></div>"
    )


def requirement(result: RequirementResult, known_seeds: set[str]) -> str:
    req = result.requirement
    search = " ".join([req.id, req.name, req.description, req.feature, result.reason, *req.tags]).lower()
    parts = [
        f'<article class="req {result.status}" id="{escape_markup(anchor("req-", req.id))}" '
        f'data-status="{result.status}" data-area="{escape_markup(req.area)}" data-search="{escape(search)}">',
        f'<div><span class="badge {result.status}">{result.status}</span>'
        f'<span class="rid">{escape(req.id)}</span> <h4>{escape(req.name)}</h4></div>',
        _where(req, known_seeds),
    ]
    if req.description:
        parts.append(f'<div class="desc">{escape(req.description)}</div>')
    parts.append(_evidence(result))
    parts.append(_measurements(result))
    parts.append(_cases(result))
    parts.append(_steps(result))
    if req.text:
        parts.append(
            f'<details><summary>Gherkin</summary><pre class="gherkin"><code>{gherkin(req.text)}</code></pre></details>'
        )
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def _where(req: Requirement, known_seeds: set[str]) -> str:
    """Where the requirement is: file and line, its rule and tags, and the seeds it cites."""
    rule = f" · rule: {escape(req.rule)}" if req.rule else ""
    tags = " · " + " ".join(f'<span class="tag">@{escape(t)}</span>' for t in req.tags) if req.tags else ""
    return f'<p class="where">{escape(req.feature)}:{req.line}{rule}{tags} · {_cited(req.seeds, known_seeds)}</p>'


def _evidence(result: RequirementResult) -> str:
    if not (result.reason or result.message):
        return ""
    reason = f"<strong>{escape(result.reason)}</strong>" if result.reason else ""
    return evidence(result.message.strip(), reason)


def _cited(seeds: Sequence[str], known_seeds: set[str]) -> str:
    if not seeds:
        return '<span class="seeds">no seed cited</span>'
    links = []
    for seed in seeds:
        label = f"seed-{escape(seed)}"
        if seed in known_seeds:
            links.append(f'<a href="{link_to(anchor("seed-", seed))}">{label}</a>')
        else:
            links.append(f"{label} (not in the seeds manifest)")
    return f'<span class="seeds">cites {", ".join(links)}</span>'


def _option(value: str, label: str) -> str:
    return f'<option value="{escape_markup(value)}">{escape(label)}</option>'


def areas_table(results: Sequence[RequirementResult]) -> str:
    rows = []
    for area, t in by_area(results).items():
        rate = f"{t.verified * 100 // t.requirements}%" if t.requirements else "–"
        rows.append(
            f'<tr><th scope="row"><a href="#area={escape(quote(area, safe=""))}">{escape(area)}</a></th>'
            f'<td class="barcell">{bar(_counts(t), t.requirements)}</td>'
            f"<td class=num>{t.requirements}</td><td class=num>{t.verified}</td><td class=num>{t.skipped}</td>"
            f"<td class=num>{t.failing}</td><td class=num>{t.error}</td><td class=num>{t.pending}</td>"
            f"<td class=num>{rate}</td></tr>"
        )
    if not rows:
        return '<p class="muted">No requirements yet.</p>'
    return (
        '<div class="scroll"><table class="areas"><thead><tr><th>area</th><th>progress</th>'
        "<th class=num>requirements</th>"
        "<th class=num>verified</th><th class=num>skipped</th><th class=num>failing</th><th class=num>error</th>"
        "<th class=num>pending</th><th class=num>verified %</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def seeds_table(results: Sequence[RequirementResult], seeds: Sequence[Mapping[str, Any]]) -> str:
    cited: dict[str, list[str]] = {}
    for r in results:
        for seed_id in r.requirement.seeds:
            cited.setdefault(seed_id, []).append(r.requirement.id)
    missing = _uncited_seeds(cited, {str(seed.get("id", "")) for seed in seeds})
    if not seeds:
        return '<p class="muted">No seeds recorded.</p>' + missing
    rows = "".join(_seed_row(seed, cited.get(str(seed.get("id", "")), [])) for seed in seeds)
    return (
        '<div class="scroll"><table class="seeds"><thead><tr><th>seed</th><th>file</th><th>sha256</th>'
        "<th>requirements</th>"
        f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table></div>" + missing
    )


def _requirement_links(ids: Iterable[str]) -> str:
    return ", ".join(f'<a href="{link_to(anchor("req-", x))}">{escape(x)}</a>' for x in ids)


def _uncited_seeds(cited: Mapping[str, list[str]], known: set[str]) -> str:
    """Seeds scenarios cite that the manifest does not list."""
    unknown = {seed_id: ids for seed_id, ids in sorted(cited.items()) if seed_id not in known}
    if not unknown:
        return ""
    items = "".join(f"<li>seed-{escape(seed_id)}: {_requirement_links(ids)}</li>" for seed_id, ids in unknown.items())
    return f"<p>Cited by scenarios but not in the seeds manifest:</p><ul>{items}</ul>"


def _seed_row(seed: Mapping[str, Any], citing: list[str]) -> str:
    seed_id = str(seed.get("id", ""))
    drawn = [str(x) for x in seed.get("requirements") or ()]
    links = _requirement_links(dict.fromkeys(drawn + citing))
    sha = str(seed.get("sha256", ""))
    title = f"<br><span class=muted>{escape(str(seed['title']))}</span>" if seed.get("title") else ""
    return (
        f'<tr id="{escape_markup(anchor("seed-", seed_id))}"><th scope="row">{escape(seed_id)}</th>'
        f"<td>{escape(str(seed.get('file', '')))}{title}</td>"
        f'<td><code title="{escape(sha)}">{escape(sha[:12])}</code></td>'
        f"<td>{links or 'none'}</td><td>{escape(str(seed.get('verdict', '')))}</td></tr>"
    )


def _cards(t: Totals) -> str:
    items = [("requirements", t.requirements, ""), ("defined", t.defined, "")]
    items += [(key, getattr(t, key), f"status={key}") for key in ("verified", "failing", "skipped", "pending", "error")]
    cards = []
    for key, n, link in items:
        cards.append(f'<li class="{key}"><a href="#{link}"><span class="n">{n}</span>{key}</a></li>')
    return f'<ul class="cards">{"".join(cards)}</ul>'


def _grouped(results: Iterable[RequirementResult]) -> dict[str, list[RequirementResult]]:
    groups: dict[str, list[RequirementResult]] = {}
    for result in results:
        groups.setdefault(result.requirement.area, []).append(result)
    return dict(sorted(groups.items()))


def environment_section(environment: Mapping[str, Any] | None) -> str:
    """Where the checks ran, as a small table (empty when unknown)."""
    if environment is None:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{escape(text)}</td></tr>' for label, text in describe(environment)
    )
    return f'<section id="environment"><h2>Environment</h2><table class="environment">{rows}</table></section>'


def progress_section(progress: history.Progress | None, baseline_lines: Sequence[str] | None) -> str:
    """The burn-up chart of the recorded runs, what changed since the previous one, the baseline delta."""
    parts = _progress(progress) if progress is not None else []
    if baseline_lines:
        items = "".join(f"<li>{escape(line.strip())}</li>" for line in baseline_lines)
        parts.append(f'<section id="baseline"><h2>Baseline</h2><ul>{items}</ul></section>')
    return "\n".join(parts)


def _progress(progress: history.Progress) -> list[str]:
    """The progress section: the trend line, the burn-up chart, and what changed."""
    trend = escape(history.trend_line(progress.entries))
    parts = ['<section id="progress"><h2>Progress</h2>', f'<p class="trend">{trend}</p>']
    if progress.entries:
        parts.append(f'<figure class="chart">{history.chart_svg(progress.entries)}</figure>')
    if not progress.recorded:
        parts.append('<p class="muted">This run is incomplete: it is not recorded in the history.</p>')
    return [*parts, *_changes(progress), "</section>"]


def _changes(progress: history.Progress) -> list[str]:
    """What changed since the previous run, the first ``CHANGES_SHOWN`` listed and the rest counted."""
    if not progress.changes:
        more_runs = len(progress.entries) > 1
        return ['<p class="muted">No requirement changed status since the previous run.</p>'] if more_runs else []
    items = "".join(f"<li>{escape(c.describe())}</li>" for c in progress.changes[:CHANGES_SHOWN])
    more = len(progress.changes) - CHANGES_SHOWN
    if more > 0:
        items += f"<li>... and {more} more</li>"
    return [
        f'<details open class="changes"><summary>Since the previous run: {len(progress.changes)} changed'
        f"</summary><ul>{items}</ul></details>"
    ]


def render(
    checklist: Checklist,
    seeds: Sequence[Mapping[str, Any]] = (),
    *,
    title: str = "Living checklist",
    generated: str = "",
    progress: history.Progress | None = None,
    baseline_lines: Sequence[str] | None = None,
) -> str:
    return "".join(
        stream(checklist, seeds, title=title, generated=generated, progress=progress, baseline_lines=baseline_lines)
    )


def _head(title: str, t: Totals) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="generator" content="living-checklist">',
        f"<title>{escape(title)}: {t.verified} of {t.requirements} verified</title>",
        '<link rel="icon" href="data:,">',
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        f"<h1>{escape(title)}</h1>",
    ]


def _problems(checklist: Checklist) -> list[str]:
    """Feature file errors first (a file that is not Gherkin hides every requirement in it), then lint."""
    failing = sum(1 for f in checklist.findings if f.fails)
    warnings = len(checklist.findings) - failing
    errors = _code_list("errors", f"Feature file errors ({len(checklist.errors)})", checklist.errors)
    return errors + _code_list("lint", f"Lint ({failing} errors, {warnings} warnings)", checklist.findings)


def _code_list(section_id: str, heading: str, items: Sequence[object]) -> list[str]:
    """A section listing each item as code; nothing when there are none."""
    if not items:
        return []
    codes = [f"<li><code>{escape(str(item))}</code></li>" for item in items]
    return [f'<section id="{section_id}"><h2>{heading}</h2><ul>', *codes, "</ul></section>"]


def _area_group(area: str, members: Sequence[RequirementResult], known_seeds: set[str]) -> Iterator[str]:
    """One area's requirements, a requirement at a time."""
    yield f'<section class="area-group" data-area="{escape(area)}"><h3>{escape(area)}</h3>\n'
    for result in members:
        yield requirement(result, known_seeds)
        yield "\n"
    yield "</section>\n"


def _lead(checklist: Checklist, generated: str) -> list[str]:
    """The headline figures, when the page was generated, and the incomplete run's banner."""
    t = checklist.totals
    percent = f"{t.verified * 100 // t.requirements}%" if t.requirements else "–"
    lead = f"{t.verified} of {t.requirements} requirements verified ({percent}) · {t.defined} defined · {t.cases} cases"
    html = [f'<p class="lead">{escape(lead)}</p>']
    if generated:
        html.append(f'<p class="muted">Generated {escape(generated)}</p>')
    if not checklist.complete:
        html.append(
            '<p class="banner" role="alert"><strong>Incomplete run:</strong> it was interrupted or a worker died; '
            "these numbers are not the whole checklist.</p>"
        )
    return html


def _filters(count: int, areas: Iterable[str]) -> list[str]:
    """The filter controls: status, area, search text, and how many requirements are shown."""
    status_options = _option("", "all statuses") + "".join(_option(s, s) for s in SEGMENTS)
    area_options = _option("", "all areas") + "".join(_option(a, a) for a in areas)
    return [
        '<div class="filters" role="search">',
        f'<label>Status <select id="filter-status">{status_options}</select></label>',
        f'<label>Area <select id="filter-area">{area_options}</select></label>',
        '<label>Search <input type="search" id="filter-text" placeholder="id, name, tag…"></label>',
        f'<output id="shown">Showing {count} of {count}</output>',
        "</div>",
    ]


def stream(
    checklist: Checklist,
    seeds: Sequence[Mapping[str, Any]] = (),
    *,
    title: str = "Living checklist",
    generated: str = "",
    progress: history.Progress | None = None,
    baseline_lines: Sequence[str] | None = None,
) -> Iterator[str]:
    """The page a line (or a requirement) at a time: thousands of requirements make tens of
    megabytes of HTML, written as they are made instead of held whole."""
    t = checklist.totals
    results = checklist.results
    known_seeds = {str(seed.get("id", "")) for seed in seeds}
    groups = _grouped(results)
    html = [
        *_head(title, t),
        *_lead(checklist, generated),
        _cards(t),
        bar(_counts(t), t.requirements, big=True),
        '<ul class="legend">' + "".join(f'<li class="{key}">{key}</li>' for key in SEGMENTS) + "</ul>",
        "</header>",
        "<main>",
        *_problems(checklist),
        progress_section(progress, baseline_lines),
        '<section id="areas"><h2>By area</h2>',
        areas_table(results),
        "</section>",
        '<section id="requirements"><h2>Requirements</h2>',
        *_filters(len(results), groups),
    ]
    yield from (line + "\n" for line in html)
    for area, members in groups.items():
        yield from _area_group(area, members, known_seeds)
    html = ['<p id="none-shown" class="muted" hidden>No requirement matches this filter. <a href="#">Show all</a></p>']
    html.append("</section>")
    html += [
        '<section id="seeds"><h2>Seeds traceability</h2>',
        seeds_table(results, seeds),
        "</section>",
        html_section(checklist.quality),
        environment_section(checklist.environment),
        "</main>",
        "<footer>Written by the living checklist. This page is self-contained: it loads nothing from the network."
        "</footer>",
        SCRIPT_ELEMENT,
        "</body>",
        "</html>",
    ]
    yield from (line + "\n" for line in html)
