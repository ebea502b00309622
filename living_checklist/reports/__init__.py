"""The reports: JSON, Markdown, HTML, Cucumber JSON, Cucumber Messages, the badge, the history, the baseline.

Called by the plugin on the controller once the checklist is final. The renderers are pure
(``json``, ``markdown``, ``html``, ``cucumber``, ``terminal`` in this package, and ``baseline``);
this module only reads the options, checks them at configure time, and writes each file once.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from living_checklist.core import keys
from living_checklist.core.escape import json_dumps, json_safe, terminal_safe, text_safe
from living_checklist.core.status import CaseOutcome, Checklist
from living_checklist.reports import registry
from living_checklist.reports.files import check_output_path, final_path, write_report, writes_through
from living_checklist.reports.inputs import Inputs, command_files, input_problem
from living_checklist.reports.registry import Report
from living_checklist.run import settings

if TYPE_CHECKING:
    from living_checklist.reports import baseline, history

# The writers, the baseline and the history are imported where a report is written or read: a
# run without report options (and every xdist worker, every dry run) never loads them.

JSON_OPTION = registry.JSON.option
MD_OPTION = registry.MD.option
HTML_OPTION = registry.HTML.option
CUCUMBER_OPTION = registry.CUCUMBER.option
MESSAGES_OPTION = registry.MESSAGES.option
BADGE_OPTION = registry.BADGE.option
HISTORY_OPTION = registry.HISTORY.option
BASELINE_OPTION = registry.BASELINE.option
INI_JSON = registry.JSON.ini
INI_MD = registry.MD.ini
INI_HTML = registry.HTML.ini
INI_CUCUMBER = registry.CUCUMBER.ini
INI_MESSAGES = registry.MESSAGES.ini
INI_BADGE = registry.BADGE.ini
INI_HISTORY = registry.HISTORY.ini
INI_BASELINE = registry.BASELINE.ini
GITHUB_SUMMARY_ENV = keys.ENV_GITHUB_SUMMARY

__all__ = [
    "check_output_path",
    "json_dumps",
    "json_safe",
    "remove_stale",
    "terminal_safe",
    "text_safe",
    "validate",
    "write_all",
    "write_report",
]


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
    history_path: Path | None = None
    history_entries: list[dict[str, Any]] = field(default_factory=list)
    progress: history.Progress | None = None
    # For the Cucumber Messages: a rerun's earlier attempts per node id, what stopped the run.
    retried: dict[str, list[CaseOutcome]] = field(default_factory=dict)
    run_exception: tuple[str, str] | None = None


OUTPUTS_KEY = pytest.StashKey[OutputsState]()


def add_options(parser: pytest.Parser) -> None:
    """Register the report options on the ``living checklist`` option group (and their ini keys)."""
    group = parser.getgroup("checklist", "living checklist")
    for report in registry.REPORTS:
        group.addoption(report.option, dest=report.dest, metavar="PATH", default=None, help=report.help)
    for report in registry.REPORTS:
        parser.addini(report.ini, report.ini_help, default="")


def _configured(config: pytest.Config, report: Report) -> tuple[str, Path | None]:
    """The value as written and its path: command line against the invocation folder, ini against its file."""
    value = config.getoption(report.dest, None)
    if value:
        return str(value), Path(config.invocation_params.dir, str(value))
    try:
        raw = config.getini(report.ini)
    except ValueError:  # not registered (the group had no parser)
        return "", None
    text = str(raw).strip() if raw else ""
    if not text:
        return "", None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return text, Path(base, text)


def remove_stale(config: pytest.Config) -> list[str]:
    """Remove the reports an earlier run left at this run's paths, so that a run that dies before
    writing its own (SIGKILL, power loss) leaves none to be mistaken for its own. Devices and
    pipes are left alone; a symbolic link stays, the file it points to goes. Returns what went."""
    state = config.stash.get(OUTPUTS_KEY, None)
    removed: list[str] = []
    if state is None:
        return removed
    for path in state.paths.values():
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and not writes_through(path, info):
            with contextlib.suppress(OSError):
                final_path(path).unlink()
                removed.append(str(path))
    return removed


def wants_messages(config: pytest.Config) -> bool:
    """Whether Cucumber Messages are written (then cases carry the definitions their steps matched)."""
    return _configured(config, registry.MESSAGES)[1] is not None


def _inputs(config: pytest.Config) -> Inputs:
    """What this run reads, which no report path may name (reports are removed when it starts)."""
    from living_checklist.run import settings

    current = settings.of(config)
    folders = (current.features_root, current.rootdir / current.seeds_dir, current.rootdir / current.evidence_dir)
    programs = command_files(current.command_lines(), current.start_folders())
    return Inputs.of(current.rootdir, folders, (config.inipath, *programs))


def validate(config: pytest.Config) -> None:
    """Check option values at configure time; raise ``pytest.UsageError`` saying how to fix them."""
    state = config.stash[OUTPUTS_KEY] = OutputsState()
    if settings.is_worker(config):
        return  # xdist workers write nothing and compare nothing
    inputs = _inputs(config)
    taken = _validate_outputs(config, state, inputs)
    _check_junit_path(config, inputs, taken)
    _load_baseline(config, state)
    _load_history(config, state, inputs, taken)


def _validate_outputs(config: pytest.Config, state: OutputsState, inputs: Inputs) -> dict[Path, str]:
    taken: dict[Path, str] = {}
    for report in registry.OUTPUTS:
        option = report.option
        value, path = _configured(config, report)
        if path is None:
            continue
        _check_output(option, value, path, report.suffix, inputs)
        key = final_path(path)
        other = taken.get(key)
        if other is not None and not (os.path.exists(path) and writes_through(path, os.stat(path))):
            raise pytest.UsageError(f"{option} {value}: {other} writes the same file; give each report its own path")
        taken[key] = option
        state.paths[option] = path
    return taken


def _check_output(option: str, value: str, path: Path, suffix: str, inputs: Inputs) -> None:
    """Refuse a path no report can be written to, or one that would replace an input."""
    problem = check_output_path(option, value, path, suffix) or input_problem(option, value, path, inputs)
    if problem:
        raise pytest.UsageError(problem)


def _check_junit_path(config: pytest.Config, inputs: Inputs, taken: dict[Path, str]) -> None:
    """pytest's own ``--junitxml`` is a report of the run as well: it may not replace an input
    (a feature file, the system's program) nor the file a checklist report writes."""
    value = getattr(config.option, "xmlpath", None)
    if not value:
        return
    path = Path(os.path.expanduser(os.path.expandvars(str(value))))
    path = path if path.is_absolute() else config.invocation_params.dir / path
    problem = input_problem("--junitxml", str(value), path, inputs)
    other = taken.get(final_path(path))
    if problem is None and other is not None:
        problem = f"--junitxml {value}: {other} writes the same file; give each report its own path"
    if problem:
        raise pytest.UsageError(problem)


def _load_baseline(config: pytest.Config, state: OutputsState) -> None:
    _, path = _configured(config, registry.BASELINE)
    if path is None:
        return
    from living_checklist.reports import baseline

    try:
        state.baseline_data = baseline.load(path)
    except baseline.BaselineError as exc:
        raise pytest.UsageError(f"{BASELINE_OPTION}: {exc}") from None
    state.baseline_path = path


def _load_history(config: pytest.Config, state: OutputsState, inputs: Inputs, taken: dict[Path, str]) -> None:
    value, path = _configured(config, registry.HISTORY)
    if path is None:
        return
    from living_checklist.reports import history

    _check_output(HISTORY_OPTION, value, path, registry.HISTORY.suffix, inputs)
    other = taken.get(path.resolve())
    if other is not None:
        message = f"{HISTORY_OPTION} {value}: {other} writes the same file; give the history its own path"
        raise pytest.UsageError(message)
    try:
        state.history_entries = history.load(path)
    except history.HistoryError as exc:
        problem = f"{HISTORY_OPTION}: {exc}; fix or move that line (the file is never rewritten)"
        raise pytest.UsageError(problem) from None
    state.history_path = path


def _write(state: OutputsState, report: Report, rendering: registry.Rendering) -> str | None:
    option = report.option
    path = state.paths.get(option)
    if path is None or report.render is None:
        return None
    text, problem = _rendered_and_written(option, path, report.render, rendering)
    if problem is not None:
        state.notes.append(problem)
        return problem
    state.written.append(str(path))
    if report.github_summary and isinstance(text, str):
        _append_github_summary(state, text)
    return None


def _rendered_and_written(
    option: str, path: Path, render: Callable[[registry.Rendering], registry.Text], rendering: registry.Rendering
) -> tuple[registry.Text | None, str | None]:
    """Render one report and write it: the text, and why it could not be rendered or written."""
    try:
        text = render(rendering)
    except Exception as exc:  # a defect in one renderer must not cost the other reports
        return None, _not_rendered(option, path, exc)
    try:
        write_report(path, text)
    except OSError as exc:
        return text, f"{option} {path}: could not write the report ({exc.strerror or exc})"
    except Exception as exc:  # a streamed renderer failed while its report was written
        return text, _not_rendered(option, path, exc)
    return text, None


def _not_rendered(option: str, path: Path, exc: Exception) -> str:
    return f"{option} {path}: could not render the report ({type(exc).__name__}: {exc})"


def _append_github_summary(state: OutputsState, text: str) -> None:
    summary = os.environ.get(GITHUB_SUMMARY_ENV)
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        state.notes.append(f"${GITHUB_SUMMARY_ENV} {summary}: could not append the checklist ({exc.strerror or exc})")


def note_run(
    config: pytest.Config, retried: dict[str, list[CaseOutcome]], run_exception: tuple[str, str] | None
) -> None:
    """What the run knows beyond the checklist: the earlier attempts of rerun cases (the last attempt
    decides the checklist) and the exception that stopped the run, if one did."""
    state = config.stash.get(OUTPUTS_KEY, None)
    if state is not None:
        state.retried, state.run_exception = retried, run_exception


def write_all(
    config: pytest.Config, checklist: Checklist, seeds: list[dict[str, Any]], exitstatus: int = 0
) -> list[str]:
    """Write every requested output; return problems that must fail the run (baseline regressions).

    ``exitstatus`` is pytest's so far: a run that is not OK (nothing collected, interrupted, an
    internal error, another test failed) is no success in the Cucumber Messages."""
    state = config.stash.get(OUTPUTS_KEY, None)
    if state is None:
        return []
    now = datetime.now(UTC)
    problems = _compare_baseline(state, checklist, seeds)
    current = _history_entry(config, state, checklist, now)
    rendering = _rendering(config, state, checklist, seeds, now, exitstatus)
    problems += [p for report in registry.OUTPUTS if (p := _write(state, report, rendering)) is not None]
    if state.history_path is not None and current is not None and checklist.complete:
        problems += _append_history(state, state.history_path, current)
    return problems


def _append_history(state: OutputsState, path: Path, current: dict[str, Any]) -> list[str]:
    """Record this run in the history; the problem when it cannot be appended."""
    from living_checklist.reports import history

    try:
        history.append(path, current)
    except OSError as exc:
        problem = f"{HISTORY_OPTION} {path}: could not append this run ({exc.strerror or exc})"
        state.notes.append(problem)
        return [problem]
    state.written.append(str(path))
    return []


def _compare_baseline(state: OutputsState, checklist: Checklist, seeds: list[dict[str, Any]]) -> list[str]:
    if state.baseline_data is None:
        return []
    from living_checklist.reports import baseline
    from living_checklist.reports import json as report_json

    state.delta = baseline.compare(state.baseline_data, report_json.to_data(checklist, seeds))
    return [f"baseline: {regression.describe()}" for regression in state.delta.regressions]


def _history_entry(
    config: pytest.Config, state: OutputsState, checklist: Checklist, now: datetime
) -> dict[str, Any] | None:
    if state.history_path is None:
        return None
    from living_checklist.reports import history

    stamp = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    commit = history.current_commit(config.rootpath, checklist.environment)
    current = history.entry(checklist, time=stamp, commit=commit)
    state.progress = history.progress(state.history_entries, current, checklist.complete)
    return current


def _rendering(
    config: pytest.Config,
    state: OutputsState,
    checklist: Checklist,
    seeds: list[dict[str, Any]],
    now: datetime,
    exitstatus: int,
) -> registry.Rendering:
    """What every renderer reads. The big reports stream: written piece by piece as they are
    made, so that all of them together add little to a run's peak memory."""
    baseline_lines = _baseline_lines(config, state)
    return registry.Rendering(
        checklist=checklist,
        seeds=seeds,
        rootpath=config.rootpath,
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
        progress=state.progress,
        baseline_lines=baseline_lines,
        started=state.started,
        finished=time.time(),
        success=checklist.ok and checklist.complete and exitstatus == 0,
        version=_version(),
        retried=state.retried,
        run_exception=state.run_exception,
    )


def _version() -> str:
    try:
        return version("living-checklist")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "0"


def terminal_lines(config: pytest.Config, checklist: Checklist, *, quiet: bool = False) -> list[str]:
    """Extra lines for the terminal section (e.g. the change since the baseline); ``quiet``: problems only."""
    from living_checklist.reports import history

    state = config.stash.get(OUTPUTS_KEY, None)
    if state is None:
        return []
    if quiet:
        return _problem_lines(state)
    trend = ["history: " + history.trend_line(state.progress.entries)] if state.progress is not None else []
    lines: list[str] = []
    for section in (_baseline_lines(config, state), trend, state.notes, _written_line(config, state)):
        if section:
            lines += ["", *section]
    return lines


def _written_line(config: pytest.Config, state: OutputsState) -> list[str]:
    """The reports this run wrote, relative to where pytest was started."""
    if not state.written:
        return []
    return ["reports: " + ", ".join(_shown(config, Path(p)) for p in state.written)]


def _baseline_lines(config: pytest.Config, state: OutputsState) -> list[str] | None:
    """The change since the baseline and its regressions, when a baseline was compared."""
    if state.delta is None or state.baseline_path is None:
        return None
    from living_checklist.reports import baseline

    return baseline.render(state.delta, _shown(config, state.baseline_path))


def _problem_lines(state: OutputsState) -> list[str]:
    """The baseline's regressions and what could not be written: all ``-q`` shows."""
    regressions = state.delta.regressions if state.delta is not None else ()
    return [f"baseline: {r.describe()}" for r in regressions] + state.notes


def _shown(config: pytest.Config, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(config.invocation_params.dir).resolve()))
    except ValueError:
        return str(path)


def requested(config: pytest.Config) -> list[str]:
    """The report options given on the command line or in the ini file."""
    return [report.option for report in registry.REPORTS if _configured(config, report)[1] is not None]


def check_two_word_paths(config: pytest.Config) -> None:
    """Refuse ``--checklist-json PATH`` (two words) where it moved pytest's rootdir.

    pytest chooses its rootdir and ini file before it knows plugin options, so it takes PATH for a
    test path; an existing PATH outside the folder the run would otherwise start from moves the
    rootdir to a common parent, and the run reads another configuration and tree.
    """
    args = list(config.invocation_params.args)
    options = {report.option for report in registry.REPORTS}
    base = Path(config.invocation_params.dir)
    anchor = _start_folder(config.args, base)
    for option, value in zip(args, args[1:], strict=False):
        if option in options and not value.startswith("-") and _moves_rootdir(Path(base, value), anchor):
            raise pytest.UsageError(
                f"{option} {value}: write {option}={value} (one word). Given as two words, pytest takes "
                f"{value} for a test path when it chooses its rootdir (here {config.rootpath}) before it "
                "knows this option."
            )


def _start_folder(args: Sequence[str], base: Path) -> Path:
    """The folder the run would start from: the common parent of the test paths given, else ``base``."""
    positional = [Path(base, arg.split("::", 1)[0]) for arg in args]
    return Path(os.path.commonpath([str(p) for p in positional])) if positional else base


def _moves_rootdir(path: Path, anchor: Path) -> bool:
    """Whether pytest, taking ``path`` for a test path, chose its rootdir above ``anchor``."""
    if not path.exists():
        return False  # pytest leaves a path that does not exist out of its choice
    folder = path if path.is_dir() else path.parent
    return folder != anchor and anchor not in folder.parents
