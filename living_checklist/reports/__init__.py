"""The reports: JSON, Markdown, HTML, Cucumber JSON, Cucumber Messages, and the baseline ratchet.

Called by the plugin on the controller once the checklist is final. The renderers are pure
(``json``, ``markdown``, ``html``, ``cucumber``, ``terminal`` in this package, and ``baseline``);
this module only reads the options, checks them at configure time, and writes each file once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

from living_checklist import baseline
from living_checklist.reports import cucumber as report_cucumber
from living_checklist.reports import html as report_html
from living_checklist.reports import json as report_json
from living_checklist.reports import markdown as report_md
from living_checklist.reports import messages as report_messages
from living_checklist.status import Checklist

JSON_OPTION = "--checklist-json"
MD_OPTION = "--checklist-md"
HTML_OPTION = "--checklist-html"
CUCUMBER_OPTION = "--checklist-cucumber"
MESSAGES_OPTION = "--checklist-messages"
BASELINE_OPTION = "--checklist-baseline"
INI_JSON = "checklist_json"
INI_MD = "checklist_md"
INI_HTML = "checklist_html"
INI_CUCUMBER = "checklist_cucumber"
INI_MESSAGES = "checklist_messages"
INI_BASELINE = "checklist_baseline"
GITHUB_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"

# option, ini key, dest, what it is (for help and messages)
_OUTPUTS: tuple[tuple[str, str, str, str], ...] = (
    (JSON_OPTION, INI_JSON, "checklist_json_path", "the checklist report as JSON (schema 2)"),
    (MD_OPTION, INI_MD, "checklist_md_path", "the checklist as Markdown (also appended to $GITHUB_STEP_SUMMARY)"),
    (HTML_OPTION, INI_HTML, "checklist_html_path", "the living documentation as one self-contained HTML page"),
    (CUCUMBER_OPTION, INI_CUCUMBER, "checklist_cucumber_path", "every scenario as Cucumber JSON"),
    (MESSAGES_OPTION, INI_MESSAGES, "checklist_messages_path", "the run as Cucumber Messages (NDJSON)"),
)
_BASELINE_DEST = "checklist_baseline_path"


@dataclass
class OutputsState:
    """Per-session: where each output goes, the loaded baseline, and what to tell the user."""

    paths: dict[str, Path] = field(default_factory=dict)  # option → resolved path
    baseline_path: Path | None = None
    baseline_data: dict[str, Any] | None = None
    delta: baseline.Delta | None = None
    written: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)


OUTPUTS_KEY = pytest.StashKey[OutputsState]()


def add_options(parser: pytest.Parser) -> None:
    """Register the report options on the ``living checklist`` option group (and their ini keys)."""
    group = parser.getgroup("checklist", "living checklist")
    for option, ini, dest, what in _OUTPUTS:
        group.addoption(option, dest=dest, metavar="PATH", default=None, help=f"write {what} to PATH (ini: {ini})")
    group.addoption(
        BASELINE_OPTION,
        dest=_BASELINE_DEST,
        metavar="PATH",
        default=None,
        help="an earlier --checklist-json report: fail if a defined requirement is now pending, missing or "
        f"error, or a verified one is not (ini: {INI_BASELINE})",
    )
    for option, ini, _, what in _OUTPUTS:
        parser.addini(ini, f"write {what} to this path (like {option})", default="")
    parser.addini(INI_BASELINE, f"an earlier JSON report to ratchet against (like {BASELINE_OPTION})", default="")


def _configured(config: pytest.Config, dest: str, ini: str) -> tuple[str, Path | None]:
    """The value as written and its path: command line against the invocation folder, ini against its file."""
    value = config.getoption(dest, None)
    if value:
        return str(value), Path(config.invocation_params.dir, str(value))
    try:
        raw = config.getini(ini)
    except ValueError:  # not registered (the group had no parser)
        return "", None
    text = str(raw).strip() if raw else ""
    if not text:
        return "", None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return text, Path(base, text)


def check_output_path(option: str, value: str, path: Path) -> str | None:
    """Why ``path`` cannot take a report file, or None. A missing folder is fine: it is created."""
    if path.is_dir():
        return f"{option} {value}: is a directory; give a file name, e.g. {Path(value, 'checklist' + _suffix(option))}"
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{option} {value}: {parent} is a file, so the folder for the report cannot be created there"
            break
    return None


def _suffix(option: str) -> str:
    suffixes = {MD_OPTION: ".md", HTML_OPTION: ".html", CUCUMBER_OPTION: ".cucumber.json", MESSAGES_OPTION: ".ndjson"}
    return suffixes.get(option, ".json")


def wants_messages(config: pytest.Config) -> bool:
    """Whether Cucumber Messages are written (then cases carry the definitions their steps matched)."""
    return _configured(config, "checklist_messages_path", INI_MESSAGES)[1] is not None


def validate(config: pytest.Config) -> None:
    """Check option values at configure time; raise ``pytest.UsageError`` saying how to fix them."""
    state = config.stash[OUTPUTS_KEY] = OutputsState()
    if hasattr(config, "workerinput"):
        return  # xdist workers write nothing and compare nothing
    taken: dict[Path, str] = {}
    for option, ini, dest, _ in _OUTPUTS:
        value, path = _configured(config, dest, ini)
        if path is None:
            continue
        problem = check_output_path(option, value, path)
        if problem:
            raise pytest.UsageError(problem)
        other = taken.get(path.resolve())
        if other is not None:
            raise pytest.UsageError(f"{option} {value}: {other} writes the same file; give each report its own path")
        taken[path.resolve()] = option
        state.paths[option] = path
    value, path = _configured(config, _BASELINE_DEST, INI_BASELINE)
    if path is not None:
        try:
            state.baseline_data = baseline.load(path)
        except baseline.BaselineError as exc:
            raise pytest.UsageError(f"{BASELINE_OPTION}: {exc}") from None
        state.baseline_path = path


def _write(state: OutputsState, option: str, render: Callable[[], str]) -> str | None:
    path = state.paths.get(option)
    if path is None:
        return None
    try:
        text = render()
        report_json.write_atomic(path, text)
    except OSError as exc:
        problem = f"{option} {path}: could not write the report ({exc.strerror or exc})"
        state.notes.append(problem)
        return problem
    state.written.append(str(path))
    if option == MD_OPTION:
        _append_github_summary(state, text)
    return None


def _append_github_summary(state: OutputsState, text: str) -> None:
    summary = os.environ.get(GITHUB_SUMMARY_ENV)
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        state.notes.append(f"${GITHUB_SUMMARY_ENV} {summary}: could not append the checklist ({exc.strerror or exc})")


def write_all(config: pytest.Config, checklist: Checklist, seeds: list[dict[str, Any]]) -> list[str]:
    """Write every requested output; return problems that must fail the run (baseline regressions)."""
    state = config.stash.get(OUTPUTS_KEY, None)
    if state is None:
        return []
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    renderers: dict[str, Callable[[], str]] = {
        JSON_OPTION: lambda: report_json.render(checklist, seeds),
        MD_OPTION: lambda: report_md.render(checklist, seeds),
        HTML_OPTION: lambda: report_html.render(checklist, seeds, generated=generated),
        CUCUMBER_OPTION: lambda: report_cucumber.render(checklist),
        MESSAGES_OPTION: lambda: report_messages.render(
            checklist,
            _source_reader(config.rootpath),
            report_messages.RunInfo(state.started, time.time(), checklist.ok, _version()),
        ),
    }
    problems = [p for option, render in renderers.items() if (p := _write(state, option, render)) is not None]
    if state.baseline_data is not None:
        state.delta = baseline.compare(state.baseline_data, report_json.to_data(checklist, seeds))
        problems += [f"baseline: {regression.describe()}" for regression in state.delta.regressions]
    return problems


def _source_reader(rootdir: Path) -> Callable[[str], str | None]:
    def read(relpath: str) -> str | None:
        try:
            return (rootdir / relpath).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        except OSError:
            return None

    return read


def _version() -> str:
    try:
        return version("living-checklist")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "0"


def terminal_lines(config: pytest.Config, checklist: Checklist, *, quiet: bool = False) -> list[str]:
    """Extra lines for the terminal section (e.g. the change since the baseline); ``quiet``: problems only."""
    state = config.stash.get(OUTPUTS_KEY, None)
    if state is None:
        return []
    if quiet:
        regressions = state.delta.regressions if state.delta is not None else ()
        return [f"baseline: {r.describe()}" for r in regressions] + state.notes
    lines: list[str] = []
    if state.delta is not None and state.baseline_path is not None:
        lines += ["", *baseline.render(state.delta, _shown(config, state.baseline_path))]
    if state.notes:
        lines += ["", *state.notes]
    if state.written:
        lines += ["", "reports: " + ", ".join(_shown(config, Path(p)) for p in state.written)]
    return lines


def _shown(config: pytest.Config, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(config.invocation_params.dir).resolve()))
    except ValueError:
        return str(path)


def requested(config: pytest.Config) -> list[str]:
    """The report options given on the command line or in the ini file."""
    return [option for option, ini, dest, _ in (*_OUTPUTS, (BASELINE_OPTION, INI_BASELINE, _BASELINE_DEST, ""))
            if _configured(config, dest, ini)[1] is not None]
