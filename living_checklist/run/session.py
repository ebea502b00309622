"""Per-session state of the checklist: the feature files read, outcomes as they arrive, the result.

One plugin object per run holds every hook of the run (like pytest's junitxml ``LogXML``): it is
registered by ``plugin.pytest_configure`` and kept in ``config.stash[CHECKLIST_KEY]``. The hooks
only call the pure functions of ``core`` and the items of ``run.collect``; the items see this
object through the narrow ``run.collect.CaseHost`` interface. xdist's hooks are in ``run.xdist``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import os
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from living_checklist import reports
from living_checklist.core import attach, decisions, environment, quality, seeds
from living_checklist.core.definitions import StepDefinitionInfo
from living_checklist.core.gherkin_files import is_feature_file
from living_checklist.core.hooks import HookRun
from living_checklist.core.inventory import (
    FeatureDoc,
    Inventory,
    discover,
    relpath,
    skipped_dir,
)
from living_checklist.core.lint import lint
from living_checklist.core.plan import static_outcome
from living_checklist.core.status import CARRIED_ATTRIBUTE, CaseOutcome, Checklist, aggregate
from living_checklist.reports import terminal as report_terminal
from living_checklist.run import _compat, settings
from living_checklist.run._compat import fixture_count
from living_checklist.run.attempts import Attempts
from living_checklist.run.bdd import BddHooks
from living_checklist.run.cache import InventoryCache, cache_folder, make_cache_folder
from living_checklist.run.collect import CaseItem, FeatureErrorItem, FeatureFile, is_marker_name
from living_checklist.run.definitions import describe, own_of_pytest_bdd
from living_checklist.run.heap import HeapFreezer
from living_checklist.run.hooks import Record, fixture_code, fixture_setup
from living_checklist.run.lifecycle import TerminateHandler
from living_checklist.run.outcome import finish_report, mark_pending, run_pending_fast, stepdef_key
from living_checklist.run.redaction import safe_report
from living_checklist.run.registry import StepDef, StepRegistry, stepdefs_visible_from
from living_checklist.run.settings import Settings
from living_checklist.run.verdict import EMPTY_HINT, exit_status, no_requirements, node_ids


def _is_case(node: object) -> bool:
    return isinstance(node, CaseItem | FeatureErrorItem)


class ChecklistSession:
    """Per-session state: parsed feature files, outcomes as they arrive, the final checklist."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.rootdir = settings.rootdir
        self.features_dir = settings.features_dir
        self.features_root = settings.features_root
        self.id_pattern = settings.id_pattern
        self.require_ids = settings.require_ids
        self.seeds_dir = settings.seeds_dir
        self.docs: dict[str, FeatureDoc] = {}
        self.outcomes: dict[str, CaseOutcome] = {}  # the last attempt of each case: it decides
        self.attempts = Attempts(config)  # a rerun's earlier attempts, what stopped the run
        config.pluginmanager.register(self.attempts, "checklist-attempts")
        # From 1,000 cases on, the long-lived heap leaves the GC's generations (``run.heap``).
        config.pluginmanager.register(HeapFreezer(_is_case), "checklist-heap")
        # Outcomes known without running, for cases deselected in this run (-k, -m, node ids).
        self.static: dict[str, CaseOutcome] = {}
        self.expected: set[str] = set()
        self.crashed: list[str] = []
        self.interrupted = False
        self.terminate = TerminateHandler()
        self.result: Checklist | None = None
        self.regressions: list[str] = []
        self._tags: set[str] = set()
        self._registries: dict[tuple[str, int], StepRegistry] = {}
        self._reader: threading.Thread | None = None
        # The properties of the last report recorded and its node id: a teardown report carries the
        # call report's properties again (pytest copies the item's), and need not be parsed twice.
        self._last_recorded: tuple[str, list[tuple[str, object]]] = ("", [])
        # Whether cases carry the definitions their steps matched (only Cucumber Messages need them).
        self.carry_matches = False
        self._stepdef_keys: dict[int, str] = {}
        # Every step definition registered where the cases are, by key (workers send theirs).
        self.definitions: dict[str, StepDefinitionInfo] = {}
        self._cache: InventoryCache | None = None
        self._bdd_hooks: BddHooks | None = None
        # Test-run hook runs (session fixtures) not yet handed to a case's report.
        self._run_hooks: list[HookRun] = []

    # -- inventory ---------------------------------------------------------------------------

    def feature(self, path: Path) -> FeatureDoc:
        rel = relpath(path, self.rootdir)
        doc = self.docs.get(rel)
        if doc is None:
            doc = self.docs[rel] = self.cache.load_feature(path, self.rootdir)
        return doc

    @property
    def cache(self) -> InventoryCache:
        """Parsed feature files from earlier runs (and dry runs), read when first needed."""
        if self._cache is None:
            self._cache = InventoryCache(cache_folder(self.config), self.features_dir, self.id_pattern)
        return self._cache

    def save_cache(self) -> None:
        # Workers read the cache and leave writing it to the controller (or the serial run).
        if self._cache is not None and not settings.is_worker(self.config):
            self._cache.save(self.rootdir, lambda: make_cache_folder(self.config))

    def scope(self) -> list[Path]:
        base = self.config.invocation_params.dir
        return [Path(os.path.abspath(base / arg.split("::", 1)[0])) for arg in self.config.args]

    def owns(self, path: Path) -> bool:
        """Whether a path is one of this checklist's: under the features folder as walked (a file or
        folder linked in from elsewhere belongs to the folder that holds the link)."""
        root = os.path.abspath(self.rootdir / self.features_dir).rstrip(os.sep) + os.sep
        return os.path.abspath(path).startswith(root) or self.features_root in path.resolve().parents

    def inventory(self) -> Inventory:
        """Every feature file of the features folder, whatever this run selected of it (a path, -k,
        -m, a plugin): selection never changes the denominator. None when the run's arguments do
        not reach the features folder at all (``pytest tests`` beside a checklist)."""
        features_root = Path(os.path.abspath(self.rootdir / self.features_dir))
        if not self.reaches_features():
            return Inventory(())
        paths = {Path(os.path.abspath(p)) for p in discover(features_root)} if features_root.exists() else set()
        paths.update(Path(os.path.abspath(self.rootdir / rel)) for rel in self.docs)
        return Inventory(tuple(self.feature(p) for p in sorted(paths)))

    def reaches_features(self) -> bool:
        """Whether this run's arguments reach the features folder (``pytest tests`` beside a
        checklist does not: no checklist is told for it)."""
        features_root = Path(os.path.abspath(self.rootdir / self.features_dir))
        return any(s == features_root or s in features_root.parents or features_root in s.parents for s in self.scope())

    def register_tags(self, doc: FeatureDoc) -> None:
        """Tags become markers; register them so --strict-markers accepts them."""
        for req in doc.requirements:
            for tag in {*req.tags, *(t for case in req.cases for t in case.tags)}:
                self._register_tag(tag)

    def _register_tag(self, tag: str) -> None:
        if tag not in self._tags and is_marker_name(tag):
            self._tags.add(tag)
            self.config.addinivalue_line("markers", f"{tag}: Gherkin tag @{tag}")

    def bdd_hooks(self) -> BddHooks:
        """pytest-bdd's hooks that have listeners, decided at the first case run (conftests loaded)."""
        if self._bdd_hooks is None:
            self._bdd_hooks = BddHooks(self.config)
        return self._bdd_hooks

    def registry_for(self, node: pytest.Collector) -> StepRegistry:
        # New fixtures (a conftest loaded later) change what is visible: key on their count too.
        key = (str(node.path.parent), fixture_count(self.config))
        registry = self._registries.get(key)
        if registry is None:
            registry = self._registries[key] = StepRegistry(stepdefs_visible_from(node))
        return registry

    def stepdef_key(self, stepdef: StepDef) -> str:
        # StepDefs live as long as the registries above, so their id() is stable for the session.
        key = self._stepdef_keys.get(id(stepdef))
        if key is None:
            key = self._stepdef_keys[id(stepdef)] = stepdef_key(stepdef, self.rootdir)
        return key

    def describe_definitions(self, session: pytest.Session) -> None:
        """Describe every definition visible from a collected feature file, used or not."""
        for parent in {id(item.parent): item.parent for item in session.items}.values():
            if isinstance(parent, FeatureFile):
                self.registry_for(parent)
        for registry in list(self._registries.values()):
            for stepdef in registry.stepdefs:
                if not own_of_pytest_bdd(stepdef):
                    self._describe(stepdef)

    def _describe(self, stepdef: StepDef) -> None:
        key = self.stepdef_key(stepdef)
        if key not in self.definitions:
            self.definitions[key] = describe(stepdef, key, self.rootdir)

    def merge_definitions(self, rows: list[Any]) -> None:
        for row in rows:
            info = StepDefinitionInfo.from_row(row)
            if info is not None:
                self.definitions.setdefault(info.key, info)

    # -- outcomes ------------------------------------------------------------------------------

    def record(self, report: pytest.TestReport) -> None:
        self.attempts.next(report, self.outcomes)
        last_nodeid, last_properties = self._last_recorded
        properties = [*report.user_properties, (CARRIED_ATTRIBUTE, getattr(report, CARRIED_ATTRIBUTE, None))]
        if report.nodeid == last_nodeid and properties == last_properties and not report.failed:
            return  # the same properties as the report before it: the same outcome, recorded already
        self._last_recorded = (report.nodeid, properties)
        outcome = CaseOutcome.from_report(report)
        if outcome is not None:
            _keep(self.outcomes, report.nodeid, outcome)
        elif report.failed and report.nodeid not in self.outcomes:
            # No status travelled with it: the worker died, or a hook outside ours failed.
            self.outcomes[report.nodeid] = _crashed(report)

    # -- hooks of this session (registered as a plugin object, like junitxml's LogXML) ---------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if settings.is_worker(self.config) or settings.nothing_runs(self.config):
            return
        reports.remove_stale(self.config)
        # An xdist controller collects nothing and waits on its workers: read the feature files
        # meanwhile, instead of after the last test. Only there, so nothing else touches the cache.
        if getattr(self.config.option, "dist", "no") != "no" and getattr(self.config.option, "tx", None):
            self._reader = threading.Thread(target=self.inventory, name="checklist-inventory", daemon=True)
            self._reader.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """Inside the features folder pytest walks what the inventory counts (``skipped_dir``): symlink
        loops are not followed, ``norecursedirs`` does not hide requirements. ``--ignore`` still holds."""
        if not self.owns(collection_path) or not collection_path.is_dir():
            return None
        if skipped_dir(collection_path):
            return True
        if _ignored_by_option(collection_path, config):
            return None  # pytest's own rule says so
        return False

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if not is_feature_file(file_path) or not self.owns(file_path):
            return None
        return FeatureFile.from_parent(parent, path=file_path, state=self)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.save_cache()
        self.expected.update(item.nodeid for item in session.items if isinstance(item, CaseItem | FeatureErrorItem))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.record(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        if isinstance(item, CaseItem) and run_pending_fast(item, nextitem):
            return True
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        if isinstance(item, CaseItem):
            item.begin_attempt()
        with _attaching(item):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with _attaching(item):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
        try:
            with _attaching(item):
                return (yield)
        finally:
            if isinstance(item, CaseItem):
                item.forget_target_fixtures()

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
        """The project's function- and session-scoped fixtures as hooks (``run.hooks``)."""
        item = _compat.requesting_item(request)
        code = fixture_code(fixturedef, self.config.rootpath) if isinstance(item, CaseItem) else None
        if code is None or not isinstance(item, CaseItem):
            return (yield)
        with fixture_setup(fixturedef, code, self._recorder(item, fixturedef.scope), item.current_step is not None):
            return (yield)

    def _recorder(self, item: CaseItem, scope: str) -> Callable[[bool], Record]:
        if scope == "function":
            return lambda teardown: item.hook_runs.append
        return lambda teardown: self._run_hooks.append  # the case that runs then carries it

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # Outermost: the status is decided on the report every other plugin has finished with.
        report = yield
        if isinstance(item, CaseItem) and self._run_hooks:
            self._hand_run_hooks(item, call)
        finish_report(item, call, report)
        safe_report(report)
        return report

    def _hand_run_hooks(self, item: CaseItem, call: pytest.CallInfo[None]) -> None:
        """The test run's hook runs so far go with the case that runs now."""
        # A session fixture's teardown runs in the last case's: its failure is the run's, not the case's.
        item.run_hook_failed = call.when == "teardown" and any(
            r.status == "failed" and not r.before for r in self._run_hooks
        )
        item.run_hooks.extend(self._run_hooks)
        self._run_hooks.clear()

    @pytest.hookimpl(specname="pytest_runtest_makereport", wrapper=True, trylast=True)
    def pytest_runtest_makereport_innermost(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # (pytest reads only methods named pytest_*; specname names the hook.)
        # Innermost: other plugins' wrappers (allure-pytest-bdd, pytest-bdd's reporting) see a
        # pending case already as the xfail it is reported as, not as the passed call it ran as.
        report = yield
        if isinstance(item, CaseItem) and report.when == "call":
            mark_pending(item, call, report)
        return report

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            if isinstance(item, CaseItem):
                known, _ = item.plan()
                if known is not None:
                    self.static[item.nodeid] = known

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand what it deselected to the controller
            self._hand_over(workeroutput, session)
            return
        if settings.nothing_runs(self.config):
            return
        self.terminate.finishing = True
        result = self.finish(session)
        reports.note_run(self.config, self.attempts.retried, self.attempts.run_exception)
        seed_list = [dict(seed) for seed in result.seeds]
        self.regressions = reports.write_all(self.config, result, seed_list, int(session.exitstatus))
        session.exitstatus = exit_status(result, self.regressions, session.exitstatus)

    def _hand_over(self, workeroutput: dict[str, Any], session: pytest.Session) -> None:
        """An xdist worker's outcomes of the cases it deselected (and its definitions) for the controller."""
        workeroutput["checklist_static"] = [
            [nodeid, outcome.status, outcome.reason, outcome.message, outcome.steps]
            for nodeid, outcome in self.static.items()
        ]
        if self.carry_matches:
            self.describe_definitions(session)
            workeroutput["checklist_definitions"] = [info.to_row() for info in self.definitions.values()]

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if self.result is None or settings.is_worker(config) or not self.reaches_features():
            return
        quiet = config.get_verbosity() < 0
        lines = self._summary_notes(config, self.result, quiet)
        terminalreporter.write_sep("=", "living checklist")
        verbose = config.get_verbosity() > 0
        for line in report_terminal.render(self.result, verbose=verbose, quiet=quiet) + lines:
            terminalreporter.write_line(reports.terminal_safe(line))

    def _summary_notes(self, config: pytest.Config, result: Checklist, quiet: bool) -> list[str]:
        """The lines after the checklist: the reports written, dead workers, the hint of an empty checklist."""
        lines = reports.terminal_lines(config, result, quiet=quiet)
        if self.crashed and not quiet:
            fate = "every case still ran on the others" if result.complete else "the checklist is incomplete"
            lines += ["", f"xdist worker(s) died: {', '.join(self.crashed)}; {fate}"]
        if no_requirements(result) and not lines:
            lines = ["", EMPTY_HINT]
        return lines

    def merge_static(self, rows: list[list[str]]) -> None:
        for nodeid, status, reason, message, steps in rows:
            outcome = CaseOutcome.from_properties(
                [("status", status), ("reason", reason)], {"message": message, "steps": steps}
            )
            if outcome is not None:
                self.static[nodeid] = outcome

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = True

    def finish(self, session: pytest.Session) -> Checklist:
        if self._reader is not None:
            self._reader.join()
        inventory = self.inventory()
        self.save_cache()
        nodeids = node_ids(inventory)
        seed_states, seed_findings = seeds.load(self.rootdir / self.seeds_dir, self.rootdir)
        decided, decision_findings = decisions.load(
            self.rootdir / self.seeds_dir, self.rootdir / self.settings.evidence_dir, self.rootdir
        )
        covered = quality.coverage(inventory.requirements, self.settings.quality_model, dict(self.settings.waivers))
        findings = [
            *seed_findings,
            *decision_findings,
            *decisions.unknown_records(decided, {r.id for r in inventory.requirements}),
            *quality.findings(covered, self.features_dir),
            *lint(
                inventory,
                require_ids=self.require_ids,
                id_pattern=self.id_pattern,
                seed_ids={state.seed.id for state in seed_states},
            ),
        ]
        result = aggregate(
            inventory,
            self.outcomes,
            nodeids,
            complete=self.complete(session),
            static=self.known_without_running(inventory, nodeids),
            findings=sorted(findings, key=lambda f: (f.path, f.line, f.column, f.message)),
            seeds=seeds.report(seed_states, inventory),
            decisions=decided,
        )
        if self.carry_matches:
            self.describe_definitions(session)
        self.result = dataclasses.replace(
            result,
            environment=environment.gather(self.settings),
            quality=covered,
            definitions=tuple(self.definitions.values()),
        )
        return self.result

    def complete(self, session: pytest.Session) -> bool:
        """Whether every case this run collected has its outcome. A worker that died costs
        completeness only if it cost a case: xdist hands the cases of a worker that died at start-up
        to the others, and one that died in a case makes it an error. With no worker left to say
        what there was to run, nothing is known to be complete."""
        return not (
            self.interrupted
            or (self.crashed and not self.expected)
            or self.expected - set(self.outcomes)
            or session.shouldfail
            or session.shouldstop
            or session.exitstatus == pytest.ExitCode.INTERRUPTED
        )

    def known_without_running(
        self, inventory: Inventory, nodeids: dict[tuple[str, str], str]
    ) -> dict[str, CaseOutcome]:
        """Outcomes of the cases that did not run: deselected ones as planned, the others (a file
        the run's paths did not reach) only where the Gherkin alone decides (``static_outcome``)."""
        static = dict(self.static)
        for req in inventory.requirements:
            for case in req.cases:
                nodeid = nodeids[(req.feature, case.item_name)]
                if nodeid not in self.outcomes and nodeid not in static:
                    known = static_outcome(req, case)
                    if known is not None:
                        static[nodeid] = known
        return static


CHECKLIST_KEY = pytest.StashKey[ChecklistSession]()


def _ignore_options(config: pytest.Config) -> tuple[set[Path], list[str]]:
    """The paths of ``--ignore`` (absolute) and the patterns of ``--ignore-glob``."""
    base = config.invocation_params.dir
    ignored = {Path(os.path.abspath(base / str(p))) for p in config.getoption("ignore", None) or ()}
    return ignored, [str(g) for g in config.getoption("ignore_glob", None) or ()]


def _keep(outcomes: dict[str, CaseOutcome], nodeid: str, outcome: CaseOutcome) -> None:
    """The outcome a report brings, unless it would hide an error recorded before it."""
    previous = outcomes.get(nodeid)
    if previous is None or previous.status != "error" or outcome.status == "error":
        outcomes[nodeid] = outcome


def _crashed(report: pytest.TestReport) -> CaseOutcome:
    """The outcome of a case whose report brought no status: the last line of what failed."""
    text = str(report.longrepr).strip().splitlines()
    return CaseOutcome("error", "crashed", text[-1] if text else "the run died")


def _attaching(item: pytest.Item) -> contextlib.AbstractContextManager[None]:
    """While a case's setup, call or teardown runs, ``living_checklist.attach`` adds to it."""
    if isinstance(item, CaseItem):
        return attach.running(item.attachments, item.attach_position)
    return contextlib.nullcontext()


def _ignored_by_option(path: Path, config: pytest.Config) -> bool:
    ignored, globs = _ignore_options(config)
    return Path(os.path.abspath(path)) in ignored or any(fnmatch.fnmatch(str(path), g) for g in globs)
