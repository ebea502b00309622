"""The one door to pytest's and pytest-bdd's internals.

Every use of something pytest or pytest-bdd does not promise to keep lives here, each with a test
in ``tests/test_compat.py`` that names it when it changes. No silent fallback: an internal that is
gone raises :class:`InternalChanged` naming it, so a changed prefix or attribute can never quietly
turn every step pending.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import re
import textwrap
import types
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import pytest
from gherkin.parser import Parser as _GherkinParser
from pytest_bdd import exceptions as _bdd_exceptions
from pytest_bdd import gherkin_parser as _bdd_gherkin
from pytest_bdd import parser as _bdd_parser
from pytest_bdd import parsers
from pytest_bdd import types as _bdd_types
from pytest_bdd.compat import inject_fixture as _bdd_inject_fixture
from pytest_bdd.steps import StepFunctionContext, StepNamePrefix, step_function_context_registry

from living_checklist.core.gherkin_files import is_markdown, token_matcher

__all__ = [
    "EXTRA_CASES",
    "PYTEST_VERSION",
    "PYTEST_BDD_VERSION",
    "STEPDEF_PREFIX",
    "InternalChanged",
    "StepFunctionContext",
    "call_step_function",
    "fixture_count",
    "fixture_manager",
    "fixturedef_location",
    "fixtureinfo",
    "forget_item_fixtures",
    "ini_setup",
    "inject_fixture",
    "parse_ignores_case",
    "parse_extra_types",
    "parse_regex",
    "cache_subdir",
    "step_context",
    "stepdef_fixtures",
]

PYTEST_VERSION = version("pytest")
PYTEST_BDD_VERSION = version("pytest-bdd")
_PYTEST_RELEASE = tuple(int(part) for part in pytest.version_tuple[:2])


class InternalChanged(RuntimeError):
    """An internal of pytest, pytest-bdd, parse or re that the plugin relies on is not there any more."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(
            f"{what} changed ({detail}); living-checklist supports pytest {PYTEST_VERSION} / pytest-bdd "
            f"{PYTEST_BDD_VERSION} only through this internal: install a version in the declared range"
        )
        self.what = what


# -- pytest-bdd ----------------------------------------------------------------------------------

# pytest-bdd registers each step definition as a fixture named "<prefix>_<type>_<pattern>".
STEPDEF_PREFIX = StepNamePrefix.step_def.value + "_"


def step_context(func: Callable[..., Any]) -> StepFunctionContext | None:
    """The step definition behind a fixture function, or None for an ordinary fixture."""
    return step_function_context_registry.get(func)


def inject_fixture(request: pytest.FixtureRequest, name: str, value: object) -> None:
    """What ``target_fixture`` does: make ``name`` return ``value`` for the rest of the test."""
    _bdd_inject_fixture(request, name, value)


# -- pytest fixtures -----------------------------------------------------------------------------


def fixture_manager(config: pytest.Config) -> Any:
    """pytest's FixtureManager (registered as the plugin "funcmanage")."""
    fm = config.pluginmanager.get_plugin("funcmanage")
    if fm is None:
        raise InternalChanged("pytest's fixture manager plugin 'funcmanage'", "no plugin of that name")
    return fm


def _fixture_registries(fm: Any) -> tuple[dict[str, Any], ...]:
    """pytest's fixture registries by name: name -> {node -> [FixtureDef]} and the deprecated
    nodeid-based API's (pytest 9.2), or name -> [FixtureDef] before."""
    try:
        if _PYTEST_RELEASE < (9, 2):
            return (fm._arg2fixturedefs,)
        return fm._arg2node2fixturedefs, fm._arg2nodeid2fixturedefs
    except AttributeError as exc:
        raise InternalChanged("pytest's FixtureManager fixture registry", str(exc)) from None


def fixture_names(fm: Any) -> list[str]:
    """Every fixture name registered, visible or not (pytest has no public listing)."""
    return list(dict.fromkeys(name for registry in _fixture_registries(fm) for name in registry))


def fixture_count(config: pytest.Config) -> int:
    """How many fixture names pytest knows: it grows when a conftest loads more definitions.
    Asked once a case: counted without listing the names (thousands of step definitions)."""
    first, *others = _fixture_registries(fixture_manager(config))
    return len(first) if not any(others) else len(first.keys() | {name for other in others for name in other})


if _PYTEST_RELEASE >= (9, 2):

    def _forget_item_fixtures(fm: Any, item: pytest.Item, names: Iterable[str]) -> None:
        # name -> {node -> [FixtureDef]}: one dictionary entry per item that registered the name.
        by_node = fm._arg2node2fixturedefs
        for name in names:
            defs = by_node.get(name)
            if defs is not None:
                defs.pop(item, None)

else:

    def _forget_item_fixtures(fm: Any, item: pytest.Item, names: Iterable[str]) -> None:
        # name -> [FixtureDef]; 9.1 matches by ``node``, 9.0 by ``baseid`` (the item's node id).
        for name in names:
            defs = fm._arg2fixturedefs.get(name)
            if defs:
                defs[:] = [d for d in defs if getattr(d, "node", None) is not item and d.baseid != item.nodeid]


def forget_item_fixtures(item: pytest.Item, names: Iterable[str]) -> None:
    """Forget the fixtures registered on ``item`` itself (pytest-bdd's ``target_fixture``) once it is
    torn down: nothing can ask for them any more, but pytest keeps every registered fixture for
    the whole session. pytest-bdd registers one per target_fixture step, so at 100k cases they
    held about 90 MiB, and before pytest 9.2 every later lookup of the name scanned all of them."""
    try:
        _forget_item_fixtures(item.session._fixturemanager, item, names)
    except AttributeError as exc:
        raise InternalChanged("pytest's FixtureManager fixture registry", str(exc)) from None


def fixturedef_location(fixturedef: Any) -> str:
    """Where a fixture was registered as a node id prefix ("" for plugins): its visibility scope."""
    try:
        return str(fixturedef.baseid)
    except AttributeError:
        raise InternalChanged("pytest's FixtureDef.baseid", "attribute missing") from None


def stepdef_fixtures(node: pytest.Collector) -> Iterator[tuple[StepFunctionContext, str]]:
    """Every pytest-bdd step definition visible from ``node``: (its context, where it was registered)."""
    fm = fixture_manager(node.config)
    for name in fixture_names(fm):
        if not name.startswith(STEPDEF_PREFIX):
            continue
        for fixturedef in fm.getfixturedefs(name, node) or ():
            context = step_context(fixturedef.func)
            if context is not None:
                yield context, fixturedef_location(fixturedef)


def fixtureinfo(item: pytest.Item) -> Any:
    """An item's fixture closure, to hand to the next item with the same function (computed once)."""
    try:
        return item._fixtureinfo  # type: ignore[attr-defined]
    except AttributeError:
        raise InternalChanged("pytest's Function._fixtureinfo", "attribute missing") from None


def _load_call_fixture_func() -> Callable[..., Any]:
    module = importlib.import_module("_pytest.fixtures")
    func = getattr(module, "call_fixture_func", None)
    if func is None:
        raise InternalChanged("_pytest.fixtures.call_fixture_func", "function missing")
    return func  # type: ignore[no-any-return]


_call_fixture_func = _load_call_fixture_func()


def call_step_function(func: Callable[..., Any], request: pytest.FixtureRequest, kwargs: dict[str, Any]) -> Any:
    """Call a step as pytest-bdd does: like a fixture, so a ``yield`` step finishes at teardown."""
    __tracebackhide__ = True
    return _call_fixture_func(fixturefunc=func, request=request, kwargs=kwargs)


def cache_subdir(config: pytest.Config, name: str) -> Path | None:
    """The folder ``config.cache.mkdir(name)`` makes, found without creating anything (the dry
    run reads the inventory cache there without writing it); None when pytest's cache provider
    is off (``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache._cachedir, cache._CACHE_PREFIX_DIRS, name)
    except AttributeError as exc:
        raise InternalChanged("pytest's Cache._cachedir / _CACHE_PREFIX_DIRS", str(exc)) from None


def ini_setup(args: Sequence[str], overrides: Sequence[str], invocation_dir: Path) -> tuple[Path, dict[str, str]]:
    """The rootdir and the ini values (``-o`` overrides applied) pytest would find for ``args``,
    without starting pytest: ``_pytest.config.findpaths.determine_setup``. A guess only (it does not
    see ``-c``/``--rootdir`` in addopts or PYTEST_ADDOPTS): the prefetch of the dry run checks
    every result against the real run."""
    try:
        from _pytest.config.findpaths import determine_setup

        rootdir, _inipath, inicfg, *_ = determine_setup(
            inifile=None,
            override_ini=list(overrides) or None,
            args=list(args),
            rootdir_cmd_arg=None,
            invocation_dir=invocation_dir,
        )
        values = {key: getattr(raw, "value", raw) for key, raw in inicfg.items()}
    except (ImportError, TypeError, AttributeError, ValueError) as exc:
        raise InternalChanged("_pytest.config.findpaths.determine_setup", str(exc)) from None
    return Path(rootdir), {key: str(value).strip() for key, value in values.items() if isinstance(value, str)}


# -- parse (pytest-bdd's parsers.parse / cfparse) ------------------------------------------------


def parse_ignores_case(step_parser: parsers.parse) -> bool:
    """parse matches case-insensitively unless compiled with ``case_sensitive=True``."""
    try:
        flags = step_parser.parser._re_flags
    except AttributeError:
        raise InternalChanged("parse.Parser._re_flags", "attribute missing") from None
    return bool(flags & re.IGNORECASE)


def parse_regex(step_parser: parsers.parse) -> tuple[str, int]:
    """The regular expression parse matches a whole step text with (unanchored), and its flags."""
    try:
        return str(step_parser.parser._expression), int(step_parser.parser._re_flags)
    except AttributeError:
        raise InternalChanged("parse.Parser._expression", "attribute missing") from None


def parse_extra_types(step_parser: parsers.parse) -> dict[str, Any]:
    """The ``extra_types`` a parse pattern was compiled with."""
    try:
        extra = step_parser.parser._extra_types
    except AttributeError:
        raise InternalChanged("parse.Parser._extra_types", "attribute missing") from None
    return dict(extra or {})


# -- re ------------------------------------------------------------------------------------------


def _load_extra_cases() -> dict[int, tuple[int, ...]]:
    try:
        table = importlib.import_module("re._casefix")._EXTRA_CASES
    except (ImportError, AttributeError) as exc:
        raise InternalChanged("re._casefix._EXTRA_CASES", str(exc)) from None
    return dict(table)


# The extra case-insensitive equivalences of Python's re (e.g. s ~ ſ, µ ~ μ).
EXTRA_CASES: dict[int, tuple[int, ...]] = _load_extra_cases()


# -- pytest-bdd's hooks and the objects they are called with ------------------------------------

# The plugin name of pytest-bdd's pytest11 entry point.
BDD_PLUGIN_NAME = "pytest-bdd"
# Argument names pytest-bdd fills from the step itself; a parser may not produce them.
RESERVED_ARGS: frozenset[str] = frozenset(importlib.import_module("pytest_bdd.scenario").STEP_ARGUMENTS_RESERVED_NAMES)
StepImplementationError = _bdd_exceptions.StepImplementationError
StepDefinitionNotFoundError = _bdd_exceptions.StepDefinitionNotFoundError


def has_bdd_hooks(config: pytest.Config) -> bool:
    """pytest-bdd's hook specifications are registered (its plugin is loaded)."""
    return hasattr(config.hook, "pytest_bdd_before_scenario")


def bdd_plugin(config: pytest.Config) -> object | None:
    return config.pluginmanager.get_plugin(BDD_PLUGIN_NAME)


def bdd_reporting_enabled(config: pytest.Config) -> bool:
    """Whether something reads pytest-bdd's reporting registry: its Cucumber JSON or Gherkin reporter."""
    try:
        option = config.option
        return bool(option.cucumber_json_path or option.gherkin_terminal_reporter)
    except AttributeError as exc:
        raise InternalChanged("pytest-bdd's options --cucumberjson / --gherkin-terminal-reporter", str(exc)) from None


def _gherkin_document(path: str, encoding: str) -> Any:
    """``get_gherkin_document``, a ``*.feature.md`` read with the Markdown matcher (the inventory parsed it first)."""
    if not is_markdown(path):
        return _bdd_gherkin.get_gherkin_document(path, encoding)
    with open(path, encoding=encoding) as f:
        return _bdd_gherkin.GherkinDocument.from_dict(_GherkinParser().parse(f.read(), token_matcher(path)))


class _FeatureParser(_bdd_parser.FeatureParser):
    """pytest-bdd's parser, keeping what Cucumber allows and pytest-bdd does not: a first step
    ``And``/``But``/``*`` (typed "" until a Given/When/Then) and scenarios that share a name."""

    def parse_steps(self, steps_data: list[Any]) -> list[Any]:
        steps = []
        current = ""
        for step in steps_data:
            current = _bdd_types.STEP_TYPE_BY_PARSER_KEYWORD.get(step.keyword_type, current)
            steps.append(
                _bdd_parser.Step(
                    name=step.text,
                    type=current,
                    indent=step.location.column - 1,
                    line_number=step.location.line,
                    keyword=step.keyword.title(),
                    datatable=step.datatable,
                    docstring=step.docstring.content if step.docstring else None,
                )
            )
        return steps

    def parse_templates(self) -> tuple[Any, list[Any]]:
        """Like ``FeatureParser.parse``, returning every scenario template in file order."""
        document = _gherkin_document(self.abs_filename, self.encoding)
        data = document.feature
        feature = _bdd_parser.Feature(
            scenarios=OrderedDict(),
            keyword=data.keyword,
            filename=self.abs_filename,
            rel_filename=self.rel_filename,
            name=data.name,
            tags=_bdd_parser.get_tag_names(data.tags),
            background=None,
            line_number=data.location.line,
            description=textwrap.dedent(data.description),
            language=data.language,
        )
        templates: list[Any] = []

        def add(scenario_data: Any, rule: Any) -> None:
            template = self.parse_scenario(scenario_data, feature, rule)
            feature.scenarios[template.name] = template
            templates.append(template)

        for child in data.children:
            if child.background:
                feature.background = self.parse_background(child.background)
            elif child.rule:
                rule_data = child.rule
                background = next(
                    (self.parse_background(c.background) for c in rule_data.children if c.background), None
                )
                rule = _bdd_parser.Rule(
                    keyword=rule_data.keyword,
                    name=rule_data.name,
                    description=rule_data.description,
                    tags=_bdd_parser.get_tag_names(rule_data.tags),
                    background=background,
                )
                for grandchild in rule_data.children:
                    if grandchild.scenario:
                        add(grandchild.scenario, rule)
            elif child.scenario:
                add(child.scenario, None)
        return feature, templates


def parse_bdd_feature(path: Path) -> tuple[Any, list[Any]]:
    """A feature file as pytest-bdd's Feature and its ScenarioTemplates (every one, in file order)."""
    try:
        return _FeatureParser(str(path.parent), path.name).parse_templates()
    except (AttributeError, TypeError) as exc:
        raise InternalChanged("pytest_bdd.parser (FeatureParser, Feature, Rule, Step)", str(exc)) from None


def outline_callspec(example: Sequence[tuple[str, str]], row: int) -> Any:
    """An outline row's ``item.callspec`` as pytest-bdd's: allure-pytest-bdd reads its parameters there."""
    python, key = importlib.import_module("_pytest.python"), "_pytest_bdd_example"
    try:
        spec = getattr(python, "CallSpec", None) or python.CallSpec2
        return spec(params={key: dict(example)}, indices={key: row}, _arg2scope={key: python.Scope.Function})
    except (AttributeError, TypeError) as exc:
        raise InternalChanged("_pytest.python.CallSpec", str(exc)) from None


def render_string(text: str, context: Mapping[str, object]) -> str:
    """pytest-bdd's substitution of ``<name>`` outline parameters."""
    return str(_bdd_parser.render_string(text, context))


def apply_tag_hook(config: pytest.Config) -> Any:
    """The ``pytest_bdd_apply_tag`` implementations other than pytest-bdd's default, or None."""
    if not has_bdd_hooks(config):
        return None
    caller = config.hook.pytest_bdd_apply_tag
    plugin = bdd_plugin(config)
    if not any(impl.plugin is not plugin for impl in caller.get_hookimpls()):
        return None
    return config.pluginmanager.subset_hook_caller("pytest_bdd_apply_tag", remove_plugins=[plugin] if plugin else [])


# -- pytest's collector object: a Module whose object is not imported ----------------------------

if not hasattr(pytest.Module, "_getobj"):
    raise InternalChanged("pytest.Module._getobj", "the method that makes a collector's object is gone")


class UnimportedModule(pytest.Module):
    """A Module (module-scoped fixtures have a node, ``request.module`` exists) whose object is a fresh
    module named after the file, never imported: pytest's private ``Module._getobj`` makes it."""

    def _getobj(self) -> types.ModuleType:
        return types.ModuleType(self.path.stem)


# -- pytest's capture manager: progress lines written past capturing ------------------------------


@contextlib.contextmanager
def uncaptured(config: pytest.Config) -> Iterator[None]:
    """Write to the terminal while pytest captures a test's output (``capturemanager`` is internal)."""
    capture: Any = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        yield
        return
    with capture.global_and_fixture_disabled():
        yield


# -- pytest's own plugins a dry run takes out (they write files or a summary at session end) --------

SESSION_END_PLUGINS = ("terminalreporter", "lfplugin", "nfplugin", "stepwiseplugin")


def unregister_plugins(config: pytest.Config, names: Iterable[str]) -> None:
    pm = config.pluginmanager
    for name in names:
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)


# -- pytest's runtest protocol, for a case reported without running -----------------------------


def report_unrun(
    item: pytest.Item,
    phases: Mapping[str, tuple[Literal["passed", "skipped"], str | None]],
    attributes: Mapping[str, object] | None = None,
) -> None:
    """Report an item as pytest's ``runtestprotocol`` would, without calling its setup, call or
    teardown: logstart, one TestReport per phase (outcome, wasxfail, extra ``attributes``), logfinish."""
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    keywords: dict[str, Literal[1]] = {name: 1 for name in item.keywords}
    for when in ("setup", "call", "teardown"):
        outcome, wasxfail = phases[when]
        report = pytest.TestReport(
            item.nodeid,
            item.location,
            keywords,
            outcome,
            None,
            when,
            user_properties=list(item.user_properties),
        )
        if wasxfail is not None:
            report.wasxfail = wasxfail
        for name, value in (attributes or {}).items():
            setattr(report, name, copy.copy(value))  # one per report, as pytest copies the item properties
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def requesting_item(request: Any) -> pytest.Item | None:
    """The test item a fixture is being set up for (``SubRequest._pyfuncitem``), whatever its scope."""
    return getattr(request, "_pyfuncitem", None)


def fixture_finalizers(fixturedef: Any) -> list[Callable[[], object]]:
    """The list of a FixtureDef's finalizers (``FixtureDef._finalizers``), run last first at teardown."""
    finalizers = getattr(fixturedef, "_finalizers", None)
    if not isinstance(finalizers, list):
        raise InternalChanged("FixtureDef._finalizers", "a list of the fixture's finalizers")
    return finalizers
