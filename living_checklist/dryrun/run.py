"""Dry run: the requirements and the step definitions that would run them, without running a step.

pytest starts in-process, so ini settings, ``-o`` overrides, the rootdir conftest.py and its
``pytest_plugins`` step modules, and deeper conftest.py files behave exactly as in a real run.
Only collection is replaced: the folders that hold feature files are collected (which loads their
conftest.py and registers their step definitions where a real run would), feature files become
childless nodes, and no test item is created. The inventory parses the files; each case then gets
the status known without running it: ``error`` (ambiguous step), ``pending`` (undefined, TBD,
tagged, empty), or ``ready`` (every step has a definition: only running decides the rest).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import sysconfig
import traceback
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from living_checklist.core.gherkin_files import is_feature_file
from living_checklist.core.inventory import (
    FeatureDoc,
    Inventory,
    discover,
    relpath,
)
from living_checklist.dryrun import prefetch, snapshot
from living_checklist.run import _compat
from living_checklist.run.cache import InventoryCache, cache_folder, make_cache_folder
from living_checklist.run.registry import StepDef, StepRegistry, stepdefs_visible_from
from living_checklist.run.settings import DRY_RUN_KEY, INI_FEATURES, Settings

ReadyStatus = Literal["error", "pending", "ready"]
READY_STATUSES: tuple[ReadyStatus, ...] = ("error", "pending", "ready")


class LoadError(Exception):
    """Bad input (missing folder, not a feature file, a step module that does not import): one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass
class Project:
    """What a dry run found: settings, requirements, and the step definitions visible to each file."""

    settings: Settings
    inventory: Inventory
    # Feature path (from rootdir) → the step definitions visible from that file, closest first.
    registries: dict[str, StepRegistry] = field(default_factory=dict)
    # Every step definition visible from some feature folder (or everywhere), each once.
    stepdefs: list[StepDef] = field(default_factory=list)

    def registry(self, doc: FeatureDoc) -> StepRegistry:
        return self.registries.get(doc.path) or StepRegistry(())


def load(
    paths: Sequence[str] = (),
    *,
    overrides: Sequence[str] = (),
    steps: bool = True,
    invocation_dir: Path | None = None,
) -> Project:
    """Load settings, feature files and (with ``steps``) step definitions; raise LoadError on bad input.

    ``paths`` are feature files or folders (default: the ``checklist_features`` folder);
    ``overrides`` are ``NAME=VALUE`` ini overrides, as pytest's ``-o``. Without ``steps`` no
    conftest.py is loaded (settings and feature files only, e.g. for lint).
    """
    base = invocation_dir or Path.cwd()
    targets = _targets(paths, base)
    dry = _DryRun(targets, steps=steps)
    output = io.StringIO()
    try:
        with contextlib.chdir(base), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            pytest.main(_pytest_args(targets, overrides, steps), plugins=[dry])
    except Exception as exc:  # pytest lets some startup errors escape, e.g. a -p plugin that fails to import
        raise LoadError(describe_exception(exc, base)) from None
    return _outcome(dry, output.getvalue(), base)


def _targets(paths: Sequence[str], base: Path) -> list[Path]:
    targets = [Path(os.path.abspath(base / p)) for p in paths]
    for given, target in zip(paths, targets, strict=True):
        snapshot.depends_on(target)
        _check_target(given, target)
    return targets


def _check_target(given: str, target: Path) -> None:
    """A LoadError unless the path given is a folder or a feature file."""
    if not target.exists():
        raise LoadError(f"{given}: no such file or folder")
    if target.is_file() and not is_feature_file(target):
        raise LoadError(f"{given}: not a Gherkin feature file (expected a .feature, a .feature.md or a folder)")


def _pytest_args(targets: Sequence[Path], overrides: Sequence[str], steps: bool) -> list[str]:
    # Nothing runs: no capture, no assertion rewriting. unraisableexception would force two full
    # garbage collections at exit, which cost more than the rest of pytest with 10k scenarios.
    # (The cache and terminal plugins stay loaded so that addopts such as -ra or --lf still parse;
    # their hooks are detached before collection.)
    args = ["-p", "no:unraisableexception", "--collect-only", "--capture=no", "--assert=plain", "-q"]
    if not steps:
        args.append("--noconftest")
    for override in overrides:
        args += ["-o", override]
    return args + [str(t) for t in targets]


def _outcome(dry: _DryRun, output: str, base: Path) -> Project:
    if dry.crash is not None:
        raise dry.crash
    if dry.error is not None:
        raise dry.error
    if dry.startup_error is not None:
        raise LoadError(describe_exception(dry.startup_error, dry.rootdir or base))
    if dry.project is None:
        raise LoadError(_pytest_error(output))
    return dry.project


def _pytest_error(output: str) -> str:
    """The line that says why pytest stopped before collecting (a usage error, a bad ini value)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("ERROR:"):
            return "pytest: " + line.removeprefix("ERROR:").strip()
    return "pytest could not start: " + (lines[-1] if lines else "no output")


class _FeatureNode(pytest.File):
    """Stands where a real run's FeatureFile would, so fixture (step) visibility is the same."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        return ()


class _DryRun:
    """The pytest plugin object of one dry run: replaces collection, records what it found."""

    def __init__(self, targets: list[Path], *, steps: bool) -> None:
        self.targets = targets
        self.steps = steps
        self.project: Project | None = None
        self.error: LoadError | None = None
        self.startup_error: BaseException | None = None
        self.rootdir: Path | None = None
        self.crash: BaseException | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(self, early_config: pytest.Config) -> Generator[None, object, object]:
        # The rootdir conftest.py and its pytest_plugins step modules are imported here; keep the
        # exception itself, pytest only prints it with a traceback.
        self.rootdir = early_config.rootpath
        early_config.stash[DRY_RUN_KEY] = True  # the checklist plugin starts no run (living_checklist.plugin)
        recorder = snapshot.recording()
        if recorder is not None:
            recorder.note_rootdir(early_config.rootpath)
        try:
            return (yield)
        except Exception as exc:
            self.startup_error = exc
            raise

    @pytest.hookimpl(trylast=True)  # once the cache provider is set up
    def pytest_configure(self, config: pytest.Config) -> None:
        # `status` saves its output in pytest's cache folder at the end; made now, not then, the
        # folder's parent has long stopped changing by the end, and the snapshot is taken without
        # waiting for the file system's clock margin (see living_checklist.dryrun.snapshot).
        if snapshot.recording() is not None and cache_folder(config) is not None:
            with contextlib.suppress(OSError), snapshot.paused():
                make_cache_folder(config)

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            # `status` saves its output in pytest's cache folder (see living_checklist.dryrun.snapshot),
            # also when configuring failed (a bad ini value), once the cache provider is set up.
            recorder = snapshot.recording()
            if recorder is not None:
                recorder.note_cache(cache_folder(config), lambda: make_cache_folder(config))

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if is_feature_file(file_path):
            return _FeatureNode.from_parent(parent, path=file_path)
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        _detach_plugins(session.config)
        try:
            self.project = _Loader(session, self.targets, self.steps).load()
        except LoadError as exc:
            self.error = exc
        except Exception as exc:  # a defect of ours: re-raised, with its traceback, after pytest is done
            self.crash = exc
        return True


# The real run's plugin objects (registered at configure time): they would collect items and write
# reports. With pytest's own that write files or print a summary at session end (terminal summary
# hooks can be costly: Hypothesis's imports all of Hypothesis there). Their options are parsed by now.
_RUN_PLUGINS = ("checklist-session", "checklist-xdist")


def _detach_plugins(config: pytest.Config) -> None:
    """The real checklist plugin collects items and writes reports at session end; the cache and the
    terminal write files or a summary: none of that belongs in a dry run.

    Options and ini names stay registered (that happened at startup), so settings still parse.
    """
    pm = config.pluginmanager
    module = sys.modules.get("living_checklist.plugin")
    if module is not None and pm.is_registered(module):
        pm.unregister(module)
    _compat.unregister_plugins(config, (*_RUN_PLUGINS, *_compat.SESSION_END_PLUGINS))


def settings_of(config: pytest.Config) -> Settings:
    """The same settings object the plugin reads; a bad value is bad input (exit 2)."""
    try:
        current = Settings.from_config(config)
    except pytest.UsageError as exc:
        raise LoadError(str(exc)) from None
    if not current.active:
        raise LoadError(
            f"{INI_FEATURES} is not set: this is not a living-checklist project; set {INI_FEATURES} "
            "(the folder of the requirement feature files) in [tool.pytest.ini_options], "
            "or run `living-checklist init`"
        )
    return current


class _Loader:
    """Walks the collection tree down to each feature file, collecting only folders on the way."""

    def __init__(self, session: pytest.Session, targets: list[Path], steps: bool) -> None:
        self.session = session
        self.config = session.config
        self.rootdir = session.config.rootpath
        self.targets = targets
        self.steps = steps
        self.dirs: dict[Path, pytest.Collector] = {}
        self.children: dict[Path, list[pytest.Item | pytest.Collector]] = {}

    def load(self) -> Project:
        settings = settings_of(self.config)
        targets = self.targets or [self.features_folder(settings.features_dir)]
        files = sorted({Path(os.path.abspath(p)) for target in targets for p in discover(target)})
        # The full run's inventory cache: a file it parsed is not parsed again (a dry run only reads
        # it; what `status` saves is its output's snapshot, see living_checklist.dryrun.snapshot).
        cache = InventoryCache(cache_folder(self.config), settings.features_dir, settings.id_pattern)
        # A cold `status` has a child parsing the same files since before pytest started: what it
        # parsed is taken when it is what parsing here would give (see living_checklist.dryrun.prefetch).
        docs = prefetch.take(files, lambda path, prefetched: cache.load_feature(path, self.rootdir, prefetched))
        project = Project(settings, Inventory(tuple(docs)))
        if not self.steps:
            return project
        self.add_registries(project, files, docs)
        self.add_stepdefs(project)
        return project

    def features_folder(self, features_dir: str) -> Path:
        """The features folder, the target when none is given; a LoadError when it does not exist."""
        features = self.rootdir / features_dir
        snapshot.depends_on(features)
        if not features.is_dir():
            raise LoadError(
                f"{relpath(features, self.rootdir)}: the features folder does not exist "
                f"({INI_FEATURES} = {features_dir!r}); "
                f"create it, or set {INI_FEATURES} in [tool.pytest.ini_options] or with -o {INI_FEATURES}=..."
            )
        return features

    def add_registries(self, project: Project, files: Sequence[Path], docs: Sequence[FeatureDoc]) -> None:
        """Each feature file's step registry: one per folder node, of the steps visible from there."""
        by_parent: dict[int, StepRegistry] = {}
        for path, doc in zip(files, docs, strict=True):
            node = self.feature_node(path)
            parent = node.parent if node.parent is not None else node
            registry = by_parent.get(id(parent))
            if registry is None:
                registry = by_parent[id(parent)] = StepRegistry(stepdefs_visible_from(node))
            project.registries[doc.path] = registry

    def add_stepdefs(self, project: Project) -> None:
        """Every step definition visible from the session or a folder, each once."""
        seen: set[int] = set()
        for scope in [self.session, *self.dirs.values()]:
            for stepdef in stepdefs_visible_from(scope):
                if id(stepdef.context) not in seen:
                    seen.add(id(stepdef.context))
                    project.stepdefs.append(stepdef)

    def collect(self, node: pytest.Collector) -> list[pytest.Item | pytest.Collector]:
        """The children of a folder node; collecting it loads its conftest.py, as in a real run."""
        cached = self.children.get(node.path)
        if cached is not None:
            return cached
        report = node.ihook.pytest_make_collect_report(collector=node)
        if report.failed:
            raise LoadError(_collect_failure(node, report, self.rootdir))
        children = list(report.result) if report.passed else []
        self.children[node.path] = children
        return children

    def directory(self, path: Path) -> pytest.Collector:
        node = self.dirs.get(path)
        if node is not None:
            return node
        if path == self.rootdir or self.rootdir not in path.parents:
            parent: pytest.Collector = self.session
            hook = self.session.gethookproxy(path.parent)
        else:
            parent = self.directory(path.parent)
            listed = self.listed(parent, path)
            if listed is not None:
                self.dirs[path] = listed
                return listed
            hook = parent.ihook  # ignored by the rules (norecursedirs, collect_ignore): named explicitly
        created = hook.pytest_collect_directory(path=path, parent=parent) or pytest.Dir.from_parent(parent, path=path)
        self.dirs[path] = created
        return created

    def listed(self, parent: pytest.Collector, path: Path) -> pytest.Collector | None:
        """The folder node ``parent`` collects for ``path``, if any."""
        return next((c for c in self.collect(parent) if isinstance(c, pytest.Directory) and c.path == path), None)

    def feature_node(self, path: Path) -> pytest.Collector:
        folder = self.directory(path.parent)
        for child in self.collect(folder):
            if isinstance(child, _FeatureNode) and child.path == path:
                return child
        return _FeatureNode.from_parent(folder, path=path)


def _collect_failure(node: pytest.Collector, report: pytest.CollectReport, rootdir: Path) -> str:
    call = getattr(report, "call", None)
    excinfo = getattr(call, "excinfo", None)
    if excinfo is not None:
        return describe_exception(excinfo.value, rootdir)
    lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
    return f"{relpath(node.path, rootdir)}: cannot be collected: {lines[-1].strip() if lines else 'unknown error'}"


# Where installed code lives (stdlib, site-packages), longest first so the closest one names a file.
_LIBRARY_DIRS = tuple(
    sorted(
        {
            str(Path(p).resolve())
            for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if (p := sysconfig.get_path(key))
        },
        key=len,
        reverse=True,
    )
)


def describe_exception(exc: BaseException, rootdir: Path) -> str:
    """One line naming the file (and line) where importing a conftest or step module failed."""
    chain = _exception_chain(exc)
    cause = chain[-1]
    what = f"{type(cause).__name__}: {cause}".splitlines()[0]
    if isinstance(cause, SyntaxError) and cause.filename:
        return f"{_syntax_error_where(cause, rootdir)}: cannot import: SyntaxError: {cause.msg}"
    frame = _last_project_frame(cause)
    if frame is not None:
        return f"{_shown(Path(frame.filename), rootdir)}:{frame.lineno}: cannot import: {what}"
    conftest = _failed_conftest(chain, rootdir)
    if conftest is not None:
        return f"{_shown(conftest, rootdir)}: cannot import: {' '.join(str(chain[0]).split()) or what}"
    return f"pytest cannot start: {what}"


def _syntax_error_where(cause: SyntaxError, rootdir: Path) -> str:
    """``path:line`` of the code that does not parse."""
    return f"{_shown(Path(cause.filename or ''), rootdir)}:{cause.lineno or 1}"


def _failed_conftest(chain: list[BaseException], rootdir: Path) -> Path | None:
    """The conftest a ConftestImportFailure names, else the rootdir's (it names the step modules)."""
    paths = [getattr(c, "path", None) for c in chain]  # ConftestImportFailure.path
    conftest = next((p for p in paths if isinstance(p, Path)), None)
    if conftest is None and (rootdir / "conftest.py").is_file():
        return rootdir / "conftest.py"
    return conftest


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (ConftestImportFailure.cause, PluginImportFailure from ...)."""
    chain = [exc]
    while True:
        inner = getattr(chain[-1], "cause", None) or chain[-1].__cause__
        if not isinstance(inner, BaseException) or inner in chain:
            return chain
        chain.append(inner)


def _last_project_frame(cause: BaseException) -> traceback.FrameSummary | None:
    frames = [
        frame
        for frame in traceback.extract_tb(cause.__traceback__)
        if not frame.filename.startswith("<")
        and _library_of(Path(frame.filename)) is None
        and Path(frame.filename).resolve() != _THIS_FILE
    ]
    return frames[-1] if frames else None


_THIS_FILE = Path(__file__).resolve()


def _shown(path: Path, rootdir: Path) -> str:
    return relpath(path, rootdir) if path.is_absolute() else path.as_posix()


def stepdef_where(stepdef: StepDef, rootdir: Path) -> tuple[str, int]:
    """Where a step definition is written, as (path, line); line 0 when unknown.

    The path is from the rootdir, or from site-packages for an installed package (``pytest_bdd/plugin.py``).
    """
    location = stepdef.location
    path, sep, line = location.rpartition(":")
    if not sep or not line.isdigit():
        return location, 0
    library = _library_of(Path(path))
    if library is not None:
        return Path(path).resolve().relative_to(library).as_posix(), int(line)
    return _shown(Path(path), rootdir), int(line)


def is_installed(stepdef: StepDef) -> bool:
    """Whether a step definition comes from an installed package (pytest-bdd's own, a library), not the project."""
    path = stepdef.location.rpartition(":")[0]
    return bool(path) and _library_of(Path(path)) is not None


def _library_of(path: Path) -> str | None:
    """The stdlib or site-packages folder a file is in, if any."""
    resolved = str(path.resolve())
    return next((lib for lib in _LIBRARY_DIRS if resolved.startswith(lib + os.sep)), None)
