"""Every pytest / pytest-bdd / parse / re internal behind ``living_checklist.run._compat``, each checked
on the installed versions; a failure names the internal that changed."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_bdd import parsers
from pytest_bdd.parser import FeatureParser

from living_checklist.core.inventory import render
from living_checklist.run import _compat

PROBE = """
import pytest
from pytest_bdd import given, parsers
from living_checklist.run import _compat

@given(parsers.parse("I have {n:d} things"), target_fixture="things")
def _(n):
    return n

@pytest.fixture(scope="module")
def in_module():
    return 1

def test_fixture_manager_registry(request):
    names = _compat.fixture_names(_compat.fixture_manager(request.config))
    assert "in_module" in names, "FixtureManager's registry no longer lists a module's fixtures"
    assert any(name.startswith(_compat.STEPDEF_PREFIX) for name in names), (
        f"pytest-bdd no longer registers step fixtures named {_compat.STEPDEF_PREFIX}*: {names}")
    assert _compat.fixture_count(request.config) == len(names)

def test_step_definitions_and_their_location(request):
    found = {ctx.parser.name: where for ctx, where in _compat.stepdef_fixtures(request.node.parent)}
    assert found.get("I have {n:d} things") == "test_compat_probe.py", (
        f"pytest-bdd's step_function_context_registry or FixtureDef.baseid changed: {found}")

def test_fixtureinfo(request):
    info = _compat.fixtureinfo(request.node)
    assert "request" in info.names_closure, "pytest's Function._fixtureinfo.names_closure changed"

def test_inject_fixture(request):
    _compat.inject_fixture(request, "things", 5)
    assert request.getfixturevalue("things") == 5, "pytest_bdd.compat.inject_fixture no longer injects"

def test_forget_item_fixtures(request):
    _compat.inject_fixture(request, "things", 6)
    _compat.forget_item_fixtures(request.node, ["things"])
    assert request.getfixturevalue("things") == 6, "the active request still holds its value"
    fm = _compat.fixture_manager(request.config)
    left = [d for d in fm.getfixturedefs("things", request.node) or () if d.baseid == request.node.nodeid]
    assert left == [], f"the FixtureManager registry changed: an item's own fixture is still there: {left}"

def test_call_fixture_func_finishes_a_yield_at_teardown(request):
    done = []
    request.addfinalizer(lambda: print("FINALIZED", done))  # runs last: finalizers are LIFO
    def step():
        yield "value"
        done.append(1)
    assert _compat.call_step_function(step, request, {}) == "value"
    assert done == [], "_pytest.fixtures.call_fixture_func ran a yield step's teardown too early"

def test_bdd_hooks_and_plugin(request):
    import pytest_bdd.plugin
    assert _compat.has_bdd_hooks(request.config), "pytest-bdd's hook specifications are not registered"
    assert _compat.bdd_plugin(request.config) is pytest_bdd.plugin, (
        f"pytest-bdd's plugin is no longer registered as {_compat.BDD_PLUGIN_NAME!r}")
    assert _compat.bdd_reporting_enabled(request.config) is False
    assert _compat.apply_tag_hook(request.config) is None, "only pytest-bdd's default apply_tag is installed here"
"""


def test_internals_on_live_pytest_objects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_compat_probe=PROBE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["*FINALIZED [[]1[]]*"])


def test_parse_internals() -> None:
    assert _compat.parse_ignores_case(parsers.parse("I have {n:d}")) is True
    assert _compat.parse_ignores_case(parsers.parse("I have {n:d}", case_sensitive=True)) is False
    assert _compat.parse_extra_types(parsers.cfparse("{n:Number}", extra_types={"Number": int})) == {"Number": int}
    regex, flags = _compat.parse_regex(parsers.parse("I have {n:d} {}"))
    assert regex.startswith("I have (?P<n>") and regex.endswith(" (.+?)"), regex
    assert flags == re.IGNORECASE | re.DOTALL


def test_a_missing_internal_is_named_not_ignored() -> None:
    changed = SimpleNamespace(parser=SimpleNamespace())
    with pytest.raises(_compat.InternalChanged, match=r"parse\.Parser\._re_flags changed"):
        _compat.parse_ignores_case(changed)  # type: ignore[arg-type]
    with pytest.raises(_compat.InternalChanged, match=r"parse\.Parser\._extra_types changed"):
        _compat.parse_extra_types(changed)  # type: ignore[arg-type]
    with pytest.raises(_compat.InternalChanged, match=r"parse\.Parser\._expression changed"):
        _compat.parse_regex(changed)  # type: ignore[arg-type]
    with pytest.raises(_compat.InternalChanged, match=r"FixtureDef\.baseid changed"):
        _compat.fixturedef_location(object())
    with pytest.raises(_compat.InternalChanged, match=r"Function\._fixtureinfo changed"):
        _compat.fixtureinfo(object())  # type: ignore[arg-type]


def test_re_casefix_table() -> None:
    assert 0x17F in _compat.EXTRA_CASES.get(ord("s"), ()), "re._casefix._EXTRA_CASES no longer maps s ~ ſ"


def test_reserved_argument_names() -> None:
    assert {"datatable", "docstring"} == _compat.RESERVED_ARGS, "pytest-bdd's reserved step argument names changed"


FEATURE = '''\
# language: en
@feature_tag
Feature: Parsed twice
  Described
    here

  Background:
    Given a doc string
      """
        indented
      """

  @outline_tag
  Scenario Outline: eat <n>
    When I eat <n>
      | what | <n> |
    Then done

    @examples_tag
    Examples: first
      | n |
      | 1 |

  Rule: a rule
    Background:
      Given the rule background

    @in_rule
    Scenario: in the rule
      Given something
      * another thing
'''


def test_parse_bdd_feature_builds_what_pytest_bdd_builds(tmp_path: Path) -> None:
    """Our pytest-bdd objects equal those of pytest-bdd's own FeatureParser (where it accepts the file)."""
    path = tmp_path / "parsed.feature"
    path.write_text(FEATURE, encoding="utf-8")
    reference = FeatureParser(str(tmp_path), "parsed.feature").parse()
    feature, templates = _compat.parse_bdd_feature(path)

    def feature_view(f: object) -> tuple[object, ...]:
        names = ("filename", "rel_filename", "language", "keyword", "name", "tags", "line_number", "description")
        return tuple(getattr(f, name) for name in names)

    def step_view(s: object) -> tuple[object, ...]:
        table = s.datatable.raw() if s.datatable is not None else None  # type: ignore[attr-defined]
        names = ("name", "type", "keyword", "line_number", "indent", "docstring")
        return (*(getattr(s, name) for name in names), table)

    def scenario_view(s: object, context: dict[str, str]) -> tuple[object, ...]:
        rendered = s.render(context)  # type: ignore[attr-defined]
        rule = s.rule  # type: ignore[attr-defined]
        return (
            rendered.name,
            rendered.keyword,
            rendered.line_number,
            rendered.description,
            rendered.tags,
            None if rule is None else (rule.name, rule.keyword, rule.description, rule.tags),
            [step_view(step) for step in rendered.steps],
            [(e.name, e.line_number, e.tags, e.example_params, e.examples) for e in s.examples],  # type: ignore[attr-defined]
        )

    assert feature_view(feature) == feature_view(reference), "pytest_bdd.parser.Feature changed"
    assert [t.name for t in templates] == list(reference.scenarios)
    for template in templates:
        for context in ({}, {"n": "7"}):
            assert scenario_view(template, context) == scenario_view(reference.scenarios[template.name], context), (
                "pytest_bdd.parser (ScenarioTemplate, Step, Rule) changed"
            )


def test_parse_bdd_feature_keeps_what_cucumber_allows(tmp_path: Path) -> None:
    """Deliberate differences: a first step And/* and two scenarios with the same name."""
    path = tmp_path / "cucumber.feature"
    path.write_text(
        textwrap.dedent(
            """\
            Feature: Cucumber
              Scenario: same
                * a step
                Given another
              Scenario: same
                And a step
            """
        ),
        encoding="utf-8",
    )
    _, templates = _compat.parse_bdd_feature(path)
    assert [(t.name, t.line_number) for t in templates] == [("same", 2), ("same", 5)]
    assert [(s.keyword, s.type) for s in templates[0].steps] == [("*", ""), ("Given", "given")]


@given(
    st.text(alphabet="<>ab x", max_size=12),
    st.dictionaries(st.sampled_from(["a", "b", "a b", "<a", ""]), st.text(alphabet="<>ab", max_size=3), max_size=3),
)
@example("<a> and <b> and <c>", {"a": "1", "b": "<a>"})
@example("<<a>>", {"<a": "x", "a": "y"})
def test_outline_rendering_is_pytest_bdds(text: str, context: dict[str, str]) -> None:
    assert render(text, context) == _compat.render_string(text, context)


def test_cache_subdir_is_where_pytest_makes_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_compat_cache_probe="""
        from pathlib import Path
        from living_checklist.run import _compat

        def test_same_folder(request):
            found = _compat.cache_subdir(request.config, "probe")
            assert found == Path(request.config.cache.mkdir("probe")), "pytest's Cache._cachedir layout changed"
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_ini_setup_finds_what_pytest_finds(pytester: pytest.Pytester) -> None:
    """The prefetch's guess of the rootdir and ini values: pytest's determine_setup, -o applied."""
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nchecklist_features = "reqs"\nchecklist_id_pattern = "A-1"\n')
    (pytester.path / "reqs").mkdir()
    rootdir, ini = _compat.ini_setup([], ["checklist_id_pattern=B-[0-9]+"], pytester.path / "reqs")
    assert rootdir == pytester.path
    assert ini["checklist_features"] == "reqs"
    assert ini["checklist_id_pattern"] == "B-[0-9]+"
    config = pytester.parseconfig("-o", "checklist_id_pattern=B-[0-9]+")
    assert config.rootpath == rootdir and config.getini("checklist_features") == ini["checklist_features"]


# -- the internals the layout moved behind _compat: the collector object, capture, plugin names, protocol

UNRUN_PROBE = """
import pytest
from living_checklist.run import _compat


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if item.name == "test_reported_unrun":
        phases = {"setup": ("passed", None), "call": ("skipped", "why"), "teardown": ("passed", None)}
        _compat.report_unrun(item, phases)
        return True
    return None


def test_reported_unrun():
    raise AssertionError("must not run")


def test_capture_and_plugins(request, capsys):
    with _compat.uncaptured(request.config):
        pass  # the capture manager's global_and_fixture_disabled() exists and nests in a test
    names = [name for name, _ in request.config.pluginmanager.list_name_plugin()]
    missing = [name for name in _compat.SESSION_END_PLUGINS if name not in names]
    assert not missing, f"pytest no longer registers its plugins under these names: {missing}"
"""


def test_report_unrun_capture_and_plugin_names(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(UNRUN_PROBE.split("\n\n\ndef test_reported_unrun")[0])
    tests = UNRUN_PROBE.split("return None\n", 1)[1]
    pytester.makepyfile(test_probe="from living_checklist.run import _compat\n" + tests)
    result = pytester.runpytest("-p", "no:randomly", "-rx", "--sw")  # --sw registers stepwiseplugin
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL test_probe.py::test_reported_unrun*why*"])


def test_unimported_module_gives_a_fresh_module_named_after_the_file(pytester: pytest.Pytester) -> None:
    """``UnimportedModule`` overrides pytest's private ``Module._getobj``: the object is never imported."""
    assert callable(getattr(pytest.Module, "_getobj", None)), "pytest.Module._getobj is gone"
    pytester.makeconftest(
        """
import pytest
from living_checklist.run import _compat


class Thing(_compat.UnimportedModule):
    def collect(self):
        yield pytest.Function.from_parent(self, name="probe", callobj=lambda request: check(request))


def check(request):
    assert request.module.__name__ == "never_imported" and not hasattr(request.module, "__file__")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".thing":
        return Thing.from_parent(parent, path=file_path)
"""
    )
    pytester.makefile(".thing", never_imported="raise SystemExit('imported')\n")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_outline_callspec_is_the_one_pytest_bdd_gives_a_row(pytester: pytest.Pytester) -> None:
    """allure-pytest-bdd reads ``item.callspec.params["_pytest_bdd_example"]``; pytest reads the
    scope (function: no reordering) and the index. Ours is pytest-bdd's, field for field."""
    pytester.makefile(
        ".feature",
        rows="Feature: F\n  Scenario Outline: o\n    Given <n>\n\n    Examples:\n      | n |\n      | 1 |\n",
    )
    pytester.makepyfile(test_rows='from pytest_bdd import scenarios\n\nscenarios("rows.feature")\n')
    items, _ = pytester.inline_genitems("-p", "no:living_checklist", "test_rows.py")
    (theirs,) = [item.callspec for item in items]  # type: ignore[attr-defined]
    ours = _compat.outline_callspec((("n", "1"),), 0)
    assert type(ours) is type(theirs), "_pytest.python.CallSpec changed"
    assert ours.params == theirs.params == {"_pytest_bdd_example": {"n": "1"}}, "pytest-bdd's row parameter changed"
    assert ours._arg2scope == theirs._arg2scope and ours.indices == theirs.indices


def test_parse_bdd_feature_reads_markdown_as_its_plain_twin(tmp_path: Path) -> None:
    (tmp_path / "md.feature.md").write_text(
        "# Feature: F\n\n## Scenario: s\n\n* Given a step\n  | a |\n  | 1 |\n* Then done\n", encoding="utf-8"
    )
    (tmp_path / "plain.feature").write_text(
        "Feature: F\n\n  Scenario: s\n\n    Given a step\n      | a |\n      | 1 |\n    Then done\n", encoding="utf-8"
    )
    md, plain = (_compat.parse_bdd_feature(tmp_path / name) for name in ("md.feature.md", "plain.feature"))

    def view(parsed: tuple[object, list[object]]) -> list[object]:
        return [
            (s.name, [(t.name, t.type, t.line_number, t.datatable and t.datatable.raw()) for t in s.steps])  # type: ignore[attr-defined]
            for s in parsed[1]
        ]

    assert view(md) == view(plain)
    assert md[0].name == plain[0].name == "F"  # type: ignore[attr-defined]
