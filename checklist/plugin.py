"""The pytest plugin: options, collection of ``.feature`` files, outcomes, reports.

Hooks stay short; the logic lives in inventory, registry, status and the report modules.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from checklist import outputs, report_json, report_terminal, seeds
from checklist.collect import (
    CaseItem,
    FeatureErrorItem,
    FeatureFile,
    finish_report,
    is_marker_name,
    run_pending_fast,
    static_outcome,
    stepdefs_visible_from,
)
from checklist.inventory import (
    DEFAULT_ID_PATTERN,
    FeatureDoc,
    Inventory,
    discover,
    load_feature,
    relpath,
    requirement_item_name,
)
from checklist.lint import lint
from checklist.registry import StepRegistry
from checklist.status import CaseOutcome, Checklist, aggregate

JSON_OPTION = "--checklist-json"
INI_FEATURES = "checklist_features"
INI_SEEDS = "checklist_seeds"
INI_ID_PATTERN = "checklist_id_pattern"
INI_REQUIRE_IDS = "checklist_require_ids"
INI_SYSTEM = "checklist_system"
INI_JSON = "checklist_json"
FREEZE_AT = 1000  # collected cases from which the collected heap is moved out of the GC's way


class ChecklistSession:
    """Per-session state: parsed feature files, outcomes as they arrive, the final checklist."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rootdir = config.rootpath
        self.features_dir = _ini_str(config, INI_FEATURES) or "features"
        self.id_pattern = _ini_str(config, INI_ID_PATTERN) or DEFAULT_ID_PATTERN
        try:
            re.compile(self.id_pattern)
        except re.error as exc:
            raise pytest.UsageError(
                f"{INI_ID_PATTERN} = {self.id_pattern!r} is not a valid regular expression ({exc}); "
                f"fix it in [tool.pytest.ini_options] or with -o {INI_ID_PATTERN}=..."
            ) from None
        self.require_ids = _ini_bool(config, INI_REQUIRE_IDS)
        self.seeds_dir = _ini_str(config, INI_SEEDS) or "seeds"
        self.json_path = _output_path(config, config.getoption("checklist_json_path"), _ini_str(config, INI_JSON))
        self.docs: dict[str, FeatureDoc] = {}
        self.outcomes: dict[str, CaseOutcome] = {}
        # Outcomes known without running, for cases deselected in this run (-k, -m, node ids).
        self.static: dict[str, CaseOutcome] = {}
        self.expected: set[str] = set()
        self.crashed: list[str] = []
        self.interrupted = False
        self.result: Checklist | None = None
        self.regressions: list[str] = []
        self._tags: set[str] = set()
        self._registries: dict[tuple[str, int], StepRegistry] = {}
        self._reader: threading.Thread | None = None

    # -- inventory ---------------------------------------------------------------------------

    def feature(self, path: Path) -> FeatureDoc:
        rel = relpath(path, self.rootdir)
        doc = self.docs.get(rel)
        if doc is None:
            doc = self.docs[rel] = load_feature(path, self.rootdir, self.features_dir, self.id_pattern)
        return doc

    def scope(self) -> list[Path]:
        base = self.config.invocation_params.dir
        return [(base / arg.split("::", 1)[0]).resolve() for arg in self.config.args]

    def inventory(self) -> Inventory:
        """Every feature file in scope: the features folder and any collected or named file."""
        scope = self.scope()
        features_root = (self.rootdir / self.features_dir).resolve()
        paths = {p.resolve() for p in discover(features_root)} if features_root.exists() else set()
        for target in scope:
            # A file or folder named on the command line outside the features folder counts too.
            outside = target != features_root and features_root not in target.parents
            if outside and target not in features_root.parents and target.exists():
                paths.update(p.resolve() for p in discover(target))
        paths.update((self.rootdir / rel).resolve() for rel in self.docs)
        chosen = sorted(p for p in paths if any(p == s or s in p.parents for s in scope))
        return Inventory(tuple(self.feature(p) for p in chosen))

    def register_tags(self, doc: FeatureDoc) -> None:
        """Tags become markers; register them so --strict-markers accepts them."""
        for req in doc.requirements:
            for tag in {*req.tags, *(t for case in req.cases for t in case.tags)}:
                if tag not in self._tags and is_marker_name(tag):
                    self._tags.add(tag)
                    self.config.addinivalue_line("markers", f"{tag}: Gherkin tag @{tag}")

    def registry_for(self, node: FeatureFile) -> StepRegistry:
        fm = self.config.pluginmanager.get_plugin("funcmanage")
        # New fixtures (a conftest loaded later) change what is visible: key on their count too.
        known = len(getattr(fm, "_arg2node2fixturedefs", getattr(fm, "_arg2fixturedefs", ())))
        key = (str(node.path.parent), known)
        registry = self._registries.get(key)
        if registry is None:
            registry = self._registries[key] = StepRegistry(stepdefs_visible_from(node))
        return registry

    # -- outcomes ------------------------------------------------------------------------------

    def record(self, report: pytest.TestReport) -> None:
        outcome = CaseOutcome.from_properties(report.user_properties)
        if outcome is not None:
            previous = self.outcomes.get(report.nodeid)
            if previous is None or previous.status != "error" or outcome.status == "error":
                self.outcomes[report.nodeid] = outcome
        elif report.failed and report.nodeid not in self.outcomes:
            # No status travelled with it: the worker died, or a hook outside ours failed.
            text = str(report.longrepr).strip().splitlines()
            self.outcomes[report.nodeid] = CaseOutcome("error", "crashed", text[-1] if text else "the run died")

    # -- hooks of this session (registered as a plugin object, like junitxml's LogXML) ---------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # An xdist controller collects nothing and waits on its workers: read the feature files
        # meanwhile, instead of after the last test. Only there, so nothing else touches the cache.
        distributed = getattr(self.config.option, "dist", "no") != "no" and getattr(self.config.option, "tx", None)
        if distributed and not hasattr(self.config, "workerinput") and not _nothing_runs(self.config):
            self._reader = threading.Thread(target=self.inventory, name="checklist-inventory", daemon=True)
            self._reader.start()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.expected.update(item.nodeid for item in session.items if isinstance(item, CaseItem | FeatureErrorItem))
        if len(self.expected) >= FREEZE_AT:
            # Thousands of items live until the end of the session; every full collection during
            # the run (and pytest's at unconfigure) would scan them again. W10k: 5.1 s -> 4.4 s.
            gc.freeze()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.record(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            if isinstance(item, CaseItem):
                known, _ = item.plan()
                if known is not None:
                    self.static[item.nodeid] = known

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand what it deselected to the controller
            workeroutput["checklist_static"] = [
                [nodeid, outcome.status, outcome.reason, outcome.message, outcome.steps]
                for nodeid, outcome in self.static.items()
            ]

    def merge_static(self, rows: list[list[str]]) -> None:
        for nodeid, status, reason, message, steps in rows:
            outcome = CaseOutcome.from_properties(
                [("status", status), ("reason", reason), ("message", message), ("steps", steps)]
            )
            if outcome is not None:
                self.static[nodeid] = outcome

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = True

    def finish(self, session: pytest.Session) -> Checklist:
        if self._reader is not None:
            self._reader.join()
        inventory = self.inventory()
        nodeids = {}
        for doc in inventory.features:
            for req in doc.requirements:
                for case in req.cases:
                    nodeids[(req.feature, case.item_name)] = f"{req.feature}::{case.item_name}"
                if not req.cases:
                    name = requirement_item_name(req)
                    nodeids[(req.feature, name)] = f"{req.feature}::{name}"
        missing = self.expected - set(self.outcomes)
        complete = not (
            self.interrupted
            or self.crashed
            or missing
            or session.shouldfail
            or session.shouldstop
            or session.exitstatus == pytest.ExitCode.INTERRUPTED
        )
        seed_states, seed_findings = seeds.load(self.rootdir / self.seeds_dir, self.rootdir)
        findings = lint(
            inventory,
            require_ids=self.require_ids,
            id_pattern=self.id_pattern,
            seed_ids={state.seed.id for state in seed_states},
        )
        static = dict(self.static)
        for req in inventory.requirements:
            for case in req.cases:
                nodeid = nodeids[(req.feature, case.item_name)]
                if nodeid not in self.outcomes and nodeid not in static:
                    known = static_outcome(req, case)
                    if known is not None:
                        static[nodeid] = known
        self.result = aggregate(
            inventory,
            self.outcomes,
            nodeids,
            complete=complete,
            static=static,
            findings=sorted([*seed_findings, *findings], key=lambda f: (f.path, f.line, f.column, f.message)),
            seeds=seeds.report(seed_states, inventory),
        )
        return self.result


CHECKLIST_KEY = pytest.StashKey[ChecklistSession]()


def _nothing_runs(config: pytest.Config) -> bool:
    """--collect-only, --setup-plan and --setup-only run no step: no checklist to tell."""
    option = config.option
    return bool(
        getattr(option, "collectonly", False)
        or getattr(option, "setupplan", False)
        or getattr(option, "setuponly", False)
    )


def _output_path(config: pytest.Config, cli_value: str | None, ini_value: str) -> Path | None:
    """A path from the command line is relative to where pytest ran; from the ini file, to its folder."""
    if cli_value:
        return Path(config.invocation_params.dir, cli_value)
    if ini_value:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return Path(base, ini_value)
    return None


def _ini_str(config: pytest.Config, name: str) -> str:
    value = config.getini(name)
    return str(value).strip() if value is not None else ""


def _ini_bool(config: pytest.Config, name: str) -> bool:
    raw = config.getini(name)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise pytest.UsageError(f"{name} must be true or false, found {raw!r}; fix it in pyproject or with -o {name}=true")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("checklist", "living checklist")
    group.addoption(
        JSON_OPTION,
        dest="checklist_json_path",
        metavar="PATH",
        default=None,
        help="write the checklist report as JSON to PATH (also: ini checklist_json)",
    )
    outputs.add_options(group)
    parser.addini(INI_FEATURES, "folder of the requirement feature files (default: features)", default="features")
    parser.addini(INI_SEEDS, "folder of the seeds manifest and digests (default: seeds)", default="seeds")
    parser.addini(INI_ID_PATTERN, "regex a requirement id tag must match", default=DEFAULT_ID_PATTERN)
    parser.addini(INI_REQUIRE_IDS, "every scenario must carry an id tag (true/false)", default="false")
    parser.addini(INI_SYSTEM, "command line of the system under test; TBD until known", default="TBD")
    parser.addini(INI_JSON, "write the checklist report as JSON to this path", default="")


def pytest_configure(config: pytest.Config) -> None:
    state = config.stash[CHECKLIST_KEY] = ChecklistSession(config)
    config.pluginmanager.register(state, "checklist-session")
    outputs.validate(config)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(config), "checklist-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is not None:
        config.pluginmanager.unregister(state)
        del config.stash[CHECKLIST_KEY]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if isinstance(item, CaseItem) and run_pending_fast(item, nextitem):
        return True
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    finish_report(item, call, report)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or _nothing_runs(config):
        return
    state = config.stash[CHECKLIST_KEY]
    result = state.finish(session)
    seed_list = [dict(seed) for seed in result.seeds]
    if state.json_path:
        report_json.write(state.json_path, result, seed_list)
    state.regressions = outputs.write_all(config, result, seed_list)
    if (not result.ok or state.regressions) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is None or state.result is None or hasattr(config, "workerinput"):
        return
    extra = outputs.terminal_lines(config, state.result)
    if not state.result.results and not state.result.errors and not state.result.findings and not extra:
        return
    terminalreporter.write_sep("=", "living checklist")
    lines = report_terminal.render(state.result, verbose=config.get_verbosity() > 0) + extra
    for line in lines:
        terminalreporter.write_line(line)


class XdistHooks:
    """Hooks that exist only when pytest-xdist is installed."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.config.stash[CHECKLIST_KEY].expected.update(i for i in ids if ".feature::" in i)

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.config.stash[CHECKLIST_KEY].merge_static(getattr(node, "workeroutput", {}).get("checklist_static", []))
        if error:
            self.config.stash[CHECKLIST_KEY].crashed.append(str(node.gateway.id))
