"""The report registry: each report option is one ``Report`` entry (option, ini key, help, renderer).

``reports/__init__.py`` derives everything else from ``REPORTS``: the command-line options and
their ``--help``, the ini keys, which options a run was given, the path checks at configure time
and the writing. A renderer is a function of one ``Rendering`` (what every renderer may read); it
imports its writer when called, so that a run without report options never loads one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from living_checklist.core.status import CaseOutcome, Checklist
    from living_checklist.reports import history

Text = str | Iterable[str]


@dataclass(frozen=True)
class Rendering:
    """What a renderer reads: the final checklist and what the run knew around it."""

    checklist: Checklist
    seeds: list[dict[str, Any]]
    rootpath: Path
    generated: str  # "YYYY-MM-DD HH:MM UTC"
    progress: history.Progress | None
    baseline_lines: list[str] | None
    started: float
    finished: float
    success: bool
    version: str
    # For the Cucumber Messages: a rerun's earlier attempts per node id, what stopped the run.
    retried: Mapping[str, Sequence[CaseOutcome]] = field(default_factory=dict)
    run_exception: tuple[str, str] | None = None


@dataclass(frozen=True)
class Report:
    """One report option. ``render`` is ``None`` for the two files a run reads (baseline, history)."""

    option: str
    ini: str
    suffix: str  # the file name ending suggested when PATH is a folder
    help: str  # the option's --help
    ini_help: str  # the ini key's help
    render: Callable[[Rendering], Text] | None = None
    github_summary: bool = False  # also appended to $GITHUB_STEP_SUMMARY

    @property
    def dest(self) -> str:
        return f"{self.ini}_path"


def output(option: str, ini: str, suffix: str, what: str, render: Callable[[Rendering], Text], **extra: Any) -> Report:
    """A report the run writes: its help says ``write {what} to PATH``."""
    return Report(
        option,
        ini,
        suffix,
        help=f"write {what} to PATH (ini: {ini})",
        ini_help=f"write {what} to this path (like {option})",
        render=render,
        **extra,
    )


def _json(r: Rendering) -> Text:
    from living_checklist.reports import json as report_json

    return report_json.stream(r.checklist, r.seeds)


def _markdown(r: Rendering) -> Text:
    from living_checklist.reports import markdown as report_md

    return report_md.render(r.checklist, r.seeds, progress=r.progress, baseline_lines=r.baseline_lines)


def _html(r: Rendering) -> Text:
    from living_checklist.reports import html as report_html

    return report_html.stream(
        r.checklist, r.seeds, generated=r.generated, progress=r.progress, baseline_lines=r.baseline_lines
    )


def _cucumber(r: Rendering) -> Text:
    from living_checklist.reports import cucumber as report_cucumber

    return report_cucumber.stream(r.checklist)


def _messages(r: Rendering) -> Text:
    from living_checklist.reports import messages as report_messages

    run_info = report_messages.RunInfo(
        r.started, r.finished, r.success, r.version, retried=r.retried, exception=r.run_exception
    )
    return report_messages.stream(r.checklist, source_reader(r.rootpath), run_info)


def _badge(r: Rendering) -> Text:
    from living_checklist.reports import badge as report_badge

    return report_badge.render(r.checklist.totals)


def source_reader(rootdir: Path) -> Callable[[str], str | None]:
    """Read a feature file as the Messages carry it: UTF-8 (bad bytes replaced), no BOM."""

    def read(relpath: str) -> str | None:
        try:
            return (rootdir / relpath).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        except OSError:
            return None

    return read


JSON = output("--checklist-json", "checklist_json", ".json", "the checklist report as JSON (schema 2)", _json)
MD = output(
    "--checklist-md",
    "checklist_md",
    ".md",
    "the checklist as Markdown (also appended to $GITHUB_STEP_SUMMARY)",
    _markdown,
    github_summary=True,
)
HTML = output(
    "--checklist-html", "checklist_html", ".html", "the living documentation as one self-contained HTML page", _html
)
CUCUMBER = output(
    "--checklist-cucumber", "checklist_cucumber", ".cucumber.json", "every scenario as Cucumber JSON", _cucumber
)
MESSAGES = output(
    "--checklist-messages", "checklist_messages", ".ndjson", "the run as Cucumber Messages (NDJSON)", _messages
)
BADGE = output(
    "--checklist-badge", "checklist_badge", ".svg", 'a README badge (SVG): "requirements defined D/N"', _badge
)
BASELINE = Report(
    "--checklist-baseline",
    "checklist_baseline",
    ".json",
    help="an earlier --checklist-json report: fail if a defined requirement is now pending, missing or "
    "error, or a verified one is not (ini: checklist_baseline)",
    ini_help="an earlier JSON report to ratchet against (like --checklist-baseline)",
)
HISTORY = Report(
    "--checklist-history",
    "checklist_history",
    ".history.jsonl",
    help="append this run (time, commit, totals, status per requirement) to the JSON-lines file PATH when it "
    "is complete; the HTML draws the burn-up chart, the Markdown the trend (ini: checklist_history)",
    ini_help="a JSON-lines file each complete run is appended to (like --checklist-history)",
)

REPORTS: tuple[Report, ...] = (JSON, MD, HTML, CUCUMBER, MESSAGES, BADGE, BASELINE, HISTORY)
OUTPUTS: tuple[Report, ...] = tuple(report for report in REPORTS if report.render is not None)
