"""Cucumber Messages: step definitions as Cucumber's engines compile them, the arguments a step
matched, parameter types, unused definitions.

Every emitted regular expression is compiled by a real JavaScript engine (node; skipped without
it) and matched against the step texts: the groups JavaScript finds are the stepMatchArguments
written, offsets and values alike. The kit's samples give the kit's stepMatchArguments.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from living_checklist.reports import MESSAGES_OPTION
from living_checklist.reports.patterns import Untranslatable, to_python, translate
from tests.test_messages import CCK, kinds, read_envelopes, run_sample

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node (a JavaScript engine) is not installed")


def _test_steps(envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [step for e in envelopes if "testCase" in e for step in e["testCase"]["testSteps"] if "pickleStepId" in step]


def _without_builtin_names(lists: list[dict[str, Any]], custom: set[str]) -> list[dict[str, Any]]:
    """The kit names Cucumber's built-in types (``int``); a parse pattern's regex has none of them."""
    out = []
    for entry in lists:
        arguments = []
        for argument in entry["stepMatchArguments"]:
            kept = dict(argument)
            if kept.get("parameterTypeName") not in custom:
                kept.pop("parameterTypeName", None)
            arguments.append(kept)
        out.append({"stepMatchArguments": arguments})
    return out


ARGUMENT_SAMPLES = ("regular-expression", "parameter-types", "cdata", "minimal", "ambiguous", "unused-steps")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "features").mkdir(exist_ok=True)
    return pytester


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
@pytest.mark.parametrize("name", ARGUMENT_SAMPLES)
def test_samples_give_the_kits_step_match_arguments_and_definitions(
    project: pytest.Pytester, name: str, args: tuple[str, ...]
) -> None:
    expected = read_envelopes(CCK / f"{name}.ndjson")
    got = run_sample(project, name, *args)
    assert kinds(got) == kinds(expected)
    custom = {e["parameterType"]["name"] for e in expected if "parameterType" in e}
    want = [_without_builtin_names(s["stepMatchArgumentsLists"], custom) for s in _test_steps(expected)]
    assert [s["stepMatchArgumentsLists"] for s in _test_steps(got)] == want
    got_types = [e["parameterType"] for e in got if "parameterType" in e]
    want_types = [e["parameterType"] for e in expected if "parameterType" in e]
    assert [(t["name"], t["regularExpressions"]) for t in got_types] == [
        (t["name"], t["regularExpressions"]) for t in want_types
    ]


def test_unused_definitions_are_listed_in_file_order(project: pytest.Pytester) -> None:
    got = run_sample(project, "unused-steps", "-p", "no:xdist")
    definitions = [e["stepDefinition"] for e in got if "stepDefinition" in e]
    assert [(d["pattern"]["type"], d["pattern"]["source"], d["sourceReference"]) for d in definitions] == [
        ("CUCUMBER_EXPRESSION", "a step that is used", {"uri": "conftest.py", "location": {"line": 6}}),
        ("CUCUMBER_EXPRESSION", "a step that is not used", {"uri": "conftest.py", "location": {"line": 11}}),
    ]
    (step,) = _test_steps(got)
    assert step["stepDefinitionIds"] == [definitions[0]["id"]]
    flights = run_sample(project, "parameter-types", "-p", "no:xdist")
    parameter = next(e["parameterType"] for e in flights if "parameterType" in e)
    assert parameter["sourceReference"] == {"uri": "conftest.py", "location": {"line": 16}}  # the converter


PATTERNS_FEATURE = """\
Feature: Patterns
  Scenario: every kind of pattern
    Given a plain step
    And a step (with) {braces} / slashes \\ $
    And I have 12 cucumbers and -3.5 litres of Water
    And the flight LHR-CDG leaves at 2024-01-31
    And 3 numbers: 1, 2, 3
    And the word spam twice: spam
    And a verbose 42 regex
    And case does not matter
    And an optional thing
    And a bracket ] and 7
    And atomic abc
    And ends with nothing
"""

PATTERNS_CONFTEST = r'''
import re

import parse
from pytest_bdd import given, parsers


@parse.with_pattern(r"([A-Z]{3})-([A-Z]{3})", regex_group_count=2)
def flight(text):
    return text


@parse.with_pattern(r"\d+")
def number(text):
    return int(text)


@given("a plain step")
def _():
    pass


@given("a step (with) {braces} / slashes \\ $")
def _():
    pass


@given(parsers.parse("I have {count:d} cucumbers and {volume:g} litres of {what:w}"))
def _(count, volume, what):
    assert (count, volume, what) == (12, -3.5, "Water")


@given(parsers.parse("the flight {flight:Flight} leaves at {day:ti}", extra_types={"Flight": flight}))
def _(flight, day):
    assert flight == "LHR-CDG"


@given(parsers.cfparse("{count:Number} numbers: {values:Number+}", extra_types={"Number": number}))
def _(count, values):
    assert values == [1, 2, 3]


@given(parsers.re(r"\Athe word (?P<word>\w+) twice: (?P=word)\Z"))
def _(word):
    pass


@given(parsers.re(r"""(?x) a \s verbose   # a comment
                      \s (?P<n>\d{1,3}) \s regex"""))
def _(n):
    pass


@given(parsers.re(r"(?i)case does (?P<how>not) matter"))
def _(how):
    pass


@given(parsers.re(r"an (?:optional )?thing", re.IGNORECASE))
def _():
    pass


@given(parsers.re(r"a bracket []] and (?P<n>[]0-9]{,2})"))
def _(n):
    pass


@given(parsers.re(r"atomic (?>abc)"))
def _():
    pass


@given(parsers.re(r"ends with (?P<what>nothing)|never"))
def _(what):
    pass
'''

_NODE_MATCH = """
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([source, texts]) => {
  const regex = new RegExp(source, 'd');
  return texts.map((text) => {
    const m = regex.exec(text);
    return m === null ? null : m.indices.slice(1).map((span, i) => span ? [span[0], m[i + 1]] : null);
  });
});
process.stdout.write(JSON.stringify(out));
"""


def _node(script: str, data: Any) -> Any:
    assert NODE is not None
    done = subprocess.run([NODE, "-e", script], input=json.dumps(data), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _flat(group: dict[str, Any]) -> list[list[Any] | None]:
    """A group and its nested groups, in group-number order, as [start, value] (None: did not match)."""
    own = [[group["start"], group["value"]]] if "start" in group else [None]
    return own + [g for child in group.get("children", ()) for g in _flat(child)]


def _patterns_run(project: pytest.Pytester, *args: str) -> list[dict[str, Any]]:
    (project.path / "features" / "patterns.feature").write_text(PATTERNS_FEATURE, encoding="utf-8")
    (project.path / "conftest.py").write_text(PATTERNS_CONFTEST, encoding="utf-8")
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", *args)
    assert result.ret == 0, result.stdout.str()
    return read_envelopes(out)


def _matched(got: list[dict[str, Any]]) -> dict[str, list[tuple[str, list[dict[str, Any]]]]]:
    """Per stepDefinition id, the (step text, stepMatchArguments) of the steps it matched."""
    texts = {s["id"]: s["text"] for e in got if "pickle" in e for s in e["pickle"]["steps"]}
    out: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    for step in _test_steps(got):
        for def_id, arguments in zip(step["stepDefinitionIds"], step["stepMatchArgumentsLists"], strict=True):
            out.setdefault(def_id, []).append((texts[step["pickleStepId"]], arguments["stepMatchArguments"]))
    return out


@needs_node
@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_every_pattern_compiles_in_javascript_and_finds_the_arguments_written(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    got = _patterns_run(project, *args)
    definitions = {e["stepDefinition"]["id"]: e["stepDefinition"]["pattern"] for e in got if "stepDefinition" in e}
    matched = _matched(got)
    assert len(definitions) == len(matched) == 12  # every step matched its own definition
    atomic = [d for d in definitions.values() if "(?>" in d["source"]]
    assert atomic == [{"type": "REGULAR_EXPRESSION", "source": "atomic (?>abc)"}]  # as Python wrote it
    regexes = [(d["source"], def_id) for def_id, d in definitions.items() if d["type"] == "REGULAR_EXPRESSION"]
    regexes = [(source, def_id) for source, def_id in regexes if "(?>" not in source]
    literal = [d["source"] for d in definitions.values() if d["type"] == "CUCUMBER_EXPRESSION"]
    assert literal == ["a plain step"]  # the one with {}()/\ and $ is an escaped regex instead
    found = _node(_NODE_MATCH, [[source, [t for t, _ in matched[def_id]]] for source, def_id in regexes])
    for (source, def_id), groups in zip(regexes, found, strict=True):
        for (text, arguments), js in zip(matched[def_id], groups, strict=True):
            assert js is not None, f"JavaScript's {source!r} does not match {text!r}"
            assert [g for a in arguments for g in _flat(a["group"])] == js, source
            python = re.compile(to_python(source)).fullmatch(text)
            assert python is not None and [python.group(i + 1) for i in range(len(js))] == [
                g and g[1] for g in js
            ]  # fmt: skip
            for argument in arguments:  # offsets slice the step text to the value
                group = argument["group"]
                if "start" in group:
                    assert text[group["start"] : group["start"] + len(group["value"])] == group["value"]
    names = {a.get("parameterTypeName") for args_ in matched.values() for _, a_ in args_ for a in a_}
    assert {"Flight", "Number", "Number_many"} <= names  # cfparse's Number+: Cucumber refuses + in a name
    types = [e["parameterType"] for e in got if "parameterType" in e]
    assert {t["name"] for t in types} >= {"Flight", "Number", "Number_many"}
    compiled = _node(
        "const r = JSON.parse(require('fs').readFileSync(0, 'utf8')); "
        "process.stdout.write(JSON.stringify(r.map((s) => new RegExp(s).source.length > 0)));",
        [r for t in types for r in t["regularExpressions"]],
    )
    assert all(compiled)


@needs_node
def test_parse_and_re_constructs_compile_in_javascript() -> None:
    """A corpus of Python-only spellings, each translated, compiled by node and read back by Python."""
    corpus = [
        (r"(?P<a>x)(?P=a)", 0, ["xx"]),
        (r"\Aab\Z", 0, ["ab"]),
        (r"a{,2}b", 0, ["b", "aab"]),
        (r"a{}b", 0, ["a{}b"]),
        (r"[]x]+", 0, ["]x]"]),
        (r"(?#note)n", 0, ["n"]),
        (r"(?s:.)(?i:b)", 0, ["ab"]),
        (r"\N{BULLET} \a", 0, ["\u2022 \x07"]),
        (r" a b # c", re.VERBOSE, ["ab"]),
    ]
    translated = [translate(p, f).anchored() for p, f, _ in corpus]
    found = _node(_NODE_MATCH, [[source, texts] for source, (_, _, texts) in zip(translated, corpus, strict=True)])
    for source, (pattern, flags, texts), result in zip(translated, corpus, found, strict=True):
        assert all(r is not None for r in result), (pattern, source)
        for text in texts:
            assert re.compile(to_python(source)).fullmatch(text), (pattern, source)
            assert re.compile(pattern, flags).fullmatch(text)


@pytest.mark.parametrize("pattern", [r"(?>a)b", r"a*+", r"a++", r"a{2}+", r"(a)?(?(1)b|c)", r"(?x:a b)"])
def test_what_javascript_cannot_say_is_untranslatable(pattern: str) -> None:
    with pytest.raises(Untranslatable):
        translate(pattern)


_LITERALS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@given(st.lists(st.tuples(_LITERALS, st.sampled_from(["", ":d", ":w", ":g", ":S", ":f"])), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_a_parse_format_translated_and_read_back_matches_what_parse_matches(parts: list[tuple[str, str]]) -> None:
    """parse's regex, in JavaScript's syntax and back, is the same regex to Python."""
    import parse

    escaped = [text.replace("{", "{{").replace("}", "}}") for text, _ in parts]
    fmt = "".join(f"{text}{{f{i}{spec}}}" for i, (text, (_, spec)) in enumerate(zip(escaped, parts, strict=True)))
    compiled = parse.compile(fmt)
    back = re.compile(to_python(translate(compiled._expression, compiled._re_flags).anchored()), compiled._re_flags)
    sample = {"": "x", ":d": "12", ":w": "ab", ":g": "1.5", ":S": "z", ":f": "0.5"}
    text = "".join(t + sample[spec] for t, spec in parts)
    ours, theirs = back.fullmatch(text), compiled._match_re.match(text)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.groups() == theirs.groups()


def test_a_definition_no_worker_described_is_read_from_its_key() -> None:
    """When every worker died before sending its definitions, the key still gives the regex."""
    from living_checklist.core.definitions import StepDefinitionInfo
    from living_checklist.reports.patterns import cucumber_pattern, info_from_key, match_arguments

    parsed = info_from_key("parse", "I have {n:d} cukes", "k")
    assert parsed is not None
    assert cucumber_pattern("parse", "I have {n:d} cukes", parsed)[1].startswith("^I have (?<n>")
    assert match_arguments(parsed, "I have 42 cukes") == [{"group": {"start": 7, "value": "42"}}]
    assert info_from_key("re", r"(?P<x>a)b", "k") == StepDefinitionInfo("k", r"(?P<x>a)b")
    assert info_from_key("parse", "{x:Custom} here", "k") is None  # its type is unknown without the worker
    assert cucumber_pattern("string", "a ^ b", info_from_key("string", "a ^ b", "k")) == (
        "CUCUMBER_EXPRESSION",
        "a ^ b",
    )
    assert cucumber_pattern("string", "^starts", None) == ("REGULAR_EXPRESSION", r"^\^starts$")
