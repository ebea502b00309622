"""The pytest plugin (entry point ``living_checklist``): hooks only.

It acts only in a project whose pytest configuration sets ``checklist_features``; anywhere else
it registers its options and changes nothing. The logic lives in ``session`` (per-run state),
``items`` (the pytest items), ``plan``/``status`` (pure) and the ``reports`` package.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from living_checklist import reports
from living_checklist.core import attach
from living_checklist.core.inventory import skipped_dir
from living_checklist.reports import JSON_OPTION as JSON_OPTION
from living_checklist.reports import terminal as report_terminal
from living_checklist.run import settings
from living_checklist.run.items import CaseItem, FeatureFile, finish_report, run_pending_fast
from living_checklist.run.redaction import safe_report
from living_checklist.run.session import CHECKLIST_KEY, ChecklistSession, nothing_runs
from living_checklist.run.settings import INI_FEATURES


def pytest_addoption(parser: pytest.Parser) -> None:
    reports.add_options(parser)
    settings.add_ini(parser)


def pytest_configure(config: pytest.Config) -> None:
    reports.check_two_word_paths(config)
    current = settings.of(config)
    if not current.active:
        requested = reports.requested(config)
        if requested:
            raise pytest.UsageError(
                f"{requested[0]} needs a checklist: set {INI_FEATURES} (the folder of the requirement "
                "feature files) in [tool.pytest.ini_options], or run `living-checklist init`"
            )
        return
    state = config.stash[CHECKLIST_KEY] = ChecklistSession(config, current)
    config.pluginmanager.register(state, "checklist-session")
    reports.validate(config)
    state.carry_matches = reports.wants_messages(config)
    state.terminate.install()
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(config), "checklist-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is not None:
        state.terminate.uninstall()
        config.pluginmanager.unregister(state)
        del config.stash[CHECKLIST_KEY]


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Inside the features folder pytest walks what the inventory counts (``skipped_dir``): symlink
    loops are not followed, ``norecursedirs`` does not hide requirements. ``--ignore`` still holds."""
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is None or not state.owns(collection_path) or not collection_path.is_dir():
        return None
    if skipped_dir(collection_path):
        return True
    if _ignored_by_option(collection_path, config):
        return None  # pytest's own rule says so
    return False


def _ignored_by_option(path: Path, config: pytest.Config) -> bool:
    base = config.invocation_params.dir
    ignored = {Path(os.path.abspath(base / str(p))) for p in config.getoption("ignore", None) or ()}
    globs = [str(g) for g in config.getoption("ignore_glob", None) or ()]
    return Path(os.path.abspath(path)) in ignored or any(fnmatch.fnmatch(str(path), g) for g in globs)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".feature":
        return None
    state = parent.config.stash.get(CHECKLIST_KEY, None)
    if state is None or not state.owns(file_path):
        return None
    return FeatureFile.from_parent(parent, path=file_path, state=state)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if isinstance(item, CaseItem) and run_pending_fast(item, nextitem):
        return True
    return None


def _attaching(item: pytest.Item) -> contextlib.AbstractContextManager[None]:
    """While a case's setup, call or teardown runs, ``living_checklist.attach`` adds to it."""
    if isinstance(item, CaseItem):
        return attach.running(item.attachments, item.attach_position)
    return contextlib.nullcontext()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    with _attaching(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _attaching(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        with _attaching(item):
            return (yield)
    finally:
        if isinstance(item, CaseItem):
            item.forget_target_fixtures()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    finish_report(item, call, report)
    safe_report(report)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is None or hasattr(config, "workerinput") or nothing_runs(config):
        return
    reports.remove_stale(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is None or hasattr(config, "workerinput") or nothing_runs(config):
        return
    state.terminate.finishing = True
    result = state.finish(session)
    seed_list = [dict(seed) for seed in result.seeds]
    state.regressions = reports.write_all(config, result, seed_list, int(session.exitstatus))
    # An incomplete checklist is never a green run, whatever the cases that did run said.
    if (not result.ok or not result.complete or state.regressions) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # A checklist with no requirement yet (init --empty) is a finished run that found nothing wrong.
    if session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and _no_requirements(result) and result.complete:
        session.exitstatus = pytest.ExitCode.OK


EMPTY_HINT = (
    "no requirement yet: add a scenario tagged with its id (e.g. @PERF-001) to a .feature file under the "
    "features folder (features/README.md shows one), or write the stock slots of an area with "
    "`living-checklist init --areas performance`"
)


def _no_requirements(result: Any) -> bool:
    return not result.results and not result.errors and not result.findings


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is None or state.result is None or hasattr(config, "workerinput"):
        return
    quiet = config.get_verbosity() < 0
    extra = reports.terminal_lines(config, state.result, quiet=quiet)
    if state.crashed and not quiet:
        extra += [
            "",
            f"xdist worker(s) died: {', '.join(state.crashed)}; "
            + ("every case still ran on the others" if state.result.complete else "the checklist is incomplete"),
        ]
    if _no_requirements(state.result) and not extra:
        extra = ["", EMPTY_HINT]
    terminalreporter.write_sep("=", "living checklist")
    lines = report_terminal.render(state.result, verbose=config.get_verbosity() > 0, quiet=quiet) + extra
    for line in lines:
        terminalreporter.write_line(reports.terminal_safe(line))


class XdistHooks:
    """Hooks that exist only when pytest-xdist is installed."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def _state(self) -> ChecklistSession:
        return self.config.stash[CHECKLIST_KEY]

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._state().expected.update(i for i in ids if ".feature::" in i)

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self._state().merge_static(getattr(node, "workeroutput", {}).get("checklist_static", []))
        if error:
            self._state().crashed.append(str(node.gateway.id))
