"""The step registry: literal prefixes, candidate lookup, and match() against a brute-force scan."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from living_checklist.core.inventory import Step
from living_checklist.run.registry import StepDef, StepRegistry, _Level, literal_prefix, snippet
from tests.strategies import ASCII_WORDS, STEP_TYPES, TRICKY_CASE_WORDS, step_texts, stepdef_lists


def make_def(
    parser: Any, step_type: str | None = "given", scope: str = "", func: Callable[..., Any] | None = None
) -> StepDef:
    if func is None:

        def func() -> None:
            return None

    if isinstance(parser, str):
        parser = parsers.string(parser)
    return StepDef(StepFunctionContext(type=step_type, step_func=func, parser=parser), scope)  # type: ignore[arg-type]


def parse_word(text: str) -> str:
    return text


parse_word.pattern = r"\w+"  # type: ignore[attr-defined]


def scope_depth(scope: str) -> int:
    return len([part for part in scope.split("/") if part])


def brute_force(stepdefs: Sequence[StepDef], step_type: str | None, text: str) -> set[Callable[..., Any]]:
    """What pytest-bdd would consider: every definition, closest level first, one per function."""
    for depth in sorted({scope_depth(d.scope) for d in stepdefs}, reverse=True):
        found = {
            d.func
            for d in stepdefs
            if scope_depth(d.scope) == depth
            and (step_type is None or d.type is None or d.type == step_type)
            and d.context.parser.is_matching(text)
        }
        if found:
            return found
    return set()


# ---------------------------------------------------------------------------------------------
# literal_prefix


@pytest.mark.parametrize(
    ("parser", "expected"),
    [
        (parsers.string("I have 3 apples"), ("I have 3 apples", False)),
        (parsers.parse("I have {n:d} apples"), ("I have ", True)),
        (parsers.parse("{n:d} apples"), ("", True)),
        (parsers.parse("a {{literal}} b {x}"), ("a {literal} b ", True)),
        (parsers.parse("Exact {x}", case_sensitive=True), ("Exact ", False)),
        (parsers.cfparse("I have {n:d} apples"), ("I have ", True)),
        (parsers.cfparse("the items {names:Word+} exist", extra_types={"Word": parse_word}), ("the items ", True)),
        (parsers.re(r"I have (?P<n>\d+) apples"), ("I have ", False)),
        (parsers.re(r"^I have (?P<n>\d+)"), ("I have ", False)),
        (parsers.re(r"a\.b\[c\] (\d+)"), ("a.b[c] ", False)),
        (parsers.re(r"apples? (\d+)"), ("apple", False)),
        (parsers.re(r"ab{2} x"), ("a", False)),
        (parsers.re(r"abc*"), ("ab", False)),
        (parsers.re(r"abc+?d"), ("ab", False)),
        (parsers.re(r"\d+ apples"), ("", False)),
        (parsers.re(r"cat|dog"), ("", False)),
        (parsers.re(r"pre (cat|dog)"), ("", False)),  # conservative: any alternation disables the index
        (parsers.re(r"I have (\d+)", re.IGNORECASE), ("", False)),
        (parsers.re(r"(?i)I have (\d+)"), ("", False)),
        (parsers.re(r"(?x) I \ have"), ("", False)),
        (parsers.re(r"I have \w+"), ("I have ", False)),
    ],
)
def test_literal_prefix(parser: Any, expected: tuple[str, bool]) -> None:
    assert literal_prefix(parser) == expected


def test_literal_prefix_of_a_custom_parser_is_empty() -> None:
    class Always(parsers.StepParser):
        def parse_arguments(self, name: str) -> dict[str, Any]:
            return {}

        def is_matching(self, name: str) -> bool:
            return True

    assert literal_prefix(Always("anything")) == ("", False)


def test_parse_prefix_is_case_insensitive_like_parse_itself() -> None:
    parser = parsers.parse("I have {n:d} apples")
    assert parser.is_matching("i HAVE 3 apples")  # the parse library ignores case by default
    level = _Level("")
    stepdef = make_def(parser)
    level.add(stepdef)
    assert list(level.candidates("i HAVE 3 apples")) == [stepdef]
    assert StepRegistry([stepdef]).match("given", "i HAVE 3 apples") == (stepdef,)


def test_candidates_are_narrowed_by_prefix() -> None:
    apples = make_def(parsers.parse("I have {n:d} apples"))
    pears = make_def(parsers.re(r"You have (?P<n>\d+) pears"))
    exact = make_def("the door is open")
    anywhere = make_def(parsers.re(r"\d+ cats"))
    level = _Level("")
    for stepdef in (apples, pears, exact, anywhere):
        level.add(stepdef)
    assert set(level.candidates("I have 3 apples")) == {apples, anywhere}
    assert set(level.candidates("You have 2 pears")) == {pears, anywhere}
    assert set(level.candidates("the door is open")) == {exact, anywhere}
    assert set(level.candidates("the door is closed")) == {anywhere}
    # A prefix longer than the text cannot match.
    assert set(level.candidates("I")) == {anywhere}


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (parsers.string("I have 3 apples"), "I have 3 apples"),
        (parsers.parse("I have {n:d} apples"), "I have 3 apples"),
        (parsers.parse("I have {n:d} apples"), "I HAVE 3 apples"),
        (parsers.cfparse("I have {n:d} apples"), "i have 3 apples"),
        (parsers.re(r"I have (?P<n>\d+) apples"), "I have 3 apples"),
        (parsers.re(r"I have (?P<n>\d+) apples", re.IGNORECASE), "i have 3 APPLES"),
    ],
)
def test_every_parser_kind_is_found(parser: Any, text: str) -> None:
    stepdef = make_def(parser)
    assert StepRegistry([stepdef]).match("given", text) == (stepdef,)


# ---------------------------------------------------------------------------------------------
# Case-insensitive prefixes must agree with the regex engine, which `parse` uses


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("ſtep {n:d}", "step 3"),  # LATIN SMALL LETTER LONG S folds to s in `re`
        ("µs budget {n:d}", "μs budget 3"),  # MICRO SIGN vs GREEK SMALL LETTER MU
        ("σ is {n:d}", "ς is 3"),  # final sigma
        ("İ have {n:d}", "I have 3"),  # 'İ'.lower() is two characters long
        ("step {n:d}", "ſtep 3"),  # the text side, with an ASCII pattern
    ],
)
def test_case_insensitive_prefix_agrees_with_parse(fmt: str, text: str) -> None:
    parser = parsers.parse(fmt)
    assert parser.is_matching(text), "precondition: pytest-bdd itself matches this step"
    stepdef = make_def(parser)
    assert StepRegistry([stepdef]).match("given", text) == (stepdef,)


# ---------------------------------------------------------------------------------------------
# match(): types, levels, ambiguity


def test_step_type_filters_definitions() -> None:
    given_def = make_def("x", "given")
    then_def = make_def("x", "then")
    registry = StepRegistry([given_def, then_def])
    assert registry.match("given", "x") == (given_def,)
    assert registry.match("then", "x") == (then_def,)
    assert registry.match("when", "x") == ()


def test_untyped_definition_matches_every_type() -> None:
    generic = make_def("x", None)
    registry = StepRegistry([generic])
    assert registry.match("given", "x") == registry.match("then", "x") == (generic,)


def test_two_definitions_at_the_same_level_are_ambiguous() -> None:
    exact = make_def("I have 3 apples", scope="features")
    pattern = make_def(parsers.parse("I have {n:d} apples"), scope="features")
    resolution = StepRegistry([exact, pattern]).resolve(Step("Given ", "given", "I have 3 apples", 3, 5))
    assert resolution.ambiguous
    assert resolution.stepdef is None
    assert set(resolution.matches) == {exact, pattern}


def test_closest_level_wins_over_a_root_definition() -> None:
    root = make_def(parsers.parse("I have {n:d} apples"), scope="")
    middle = make_def("I have 3 apples", scope="features")
    closest = make_def(parsers.re(r"I have \d+ apples"), scope="features/sub")
    registry = StepRegistry([root, middle, closest])
    assert registry.match("given", "I have 3 apples") == (closest,)
    # Where the closest level has nothing, the next one answers.
    assert StepRegistry([root, middle]).match("given", "I have 3 apples") == (middle,)
    assert StepRegistry([root, middle]).match("given", "I have 4 apples") == (root,)


def test_same_function_registered_twice_is_not_ambiguous() -> None:
    def step() -> None:
        return None

    as_given = make_def("x", "given", func=step)
    as_generic = make_def(parsers.parse("{word}"), None, func=step)
    assert StepRegistry([as_given, as_generic]).match("given", "x") in ((as_given,), (as_generic,))


def test_undefined_step() -> None:
    resolution = StepRegistry([make_def("something else")]).resolve(Step("Given ", "given", "nothing", 1, 1))
    assert resolution.undefined and not resolution.ambiguous and resolution.stepdef is None


def test_match_is_cached_but_answers_per_type() -> None:
    given_def = make_def("x", "given")
    registry = StepRegistry([given_def])
    assert registry.match("given", "x") == (given_def,)
    assert registry.match("then", "x") == ()
    assert registry.match("given", "x") == (given_def,)


# ---------------------------------------------------------------------------------------------
# Properties: the index never changes the answer


@settings(max_examples=150)
@given(
    stepdefs=stepdef_lists(),
    texts=st.lists(step_texts(), min_size=1, max_size=4),
    step_type=st.sampled_from(STEP_TYPES),
)
@example(
    stepdefs=[
        make_def(parsers.parse("I have {n:d} apples")),
        make_def(parsers.re(r"I have \d+ apples"), scope="features"),
    ],
    texts=["I have 3 apples", "i have 3 apples"],
    step_type="given",
)
@example(stepdefs=[make_def(parsers.re(r"HAVE s? x\*"))], texts=["HAVE x*", "HAVE s x*"], step_type=None)
@example(stepdefs=[make_def(parsers.parse("{{ {f0}"))], texts=["{ x"], step_type="then")
def test_match_equals_brute_force(stepdefs: list[StepDef], texts: list[str], step_type: str | None) -> None:
    registry = StepRegistry(stepdefs)
    for text in texts:
        matches = registry.match(step_type, text)
        got = {d.func for d in matches}
        assert got == brute_force(stepdefs, step_type, text), text
        assert len(matches) == len(got), "one function registered twice is one match, not an ambiguity"


@settings(max_examples=100)
@given(
    stepdefs=stepdef_lists(ASCII_WORDS + TRICKY_CASE_WORDS),
    texts=st.lists(step_texts(ASCII_WORDS + TRICKY_CASE_WORDS), min_size=1, max_size=4),
)
@example(stepdefs=[make_def(parsers.parse("ſ {f0}"))], texts=["s x"])
def test_match_equals_brute_force_with_unicode_case(stepdefs: list[StepDef], texts: list[str]) -> None:
    registry = StepRegistry(stepdefs)
    for text in texts:
        got = {d.func for d in registry.match("given", text)}
        assert got == brute_force(stepdefs, "given", text), text


@settings(max_examples=150)
@given(stepdefs=stepdef_lists(), text=step_texts())
def test_every_match_starts_with_its_literal_prefix(stepdefs: list[StepDef], text: str) -> None:
    for stepdef in stepdefs:
        if stepdef.context.parser.is_matching(text):
            prefix, nocase = literal_prefix(stepdef.context.parser)
            head = text[: len(prefix)]
            assert (head.lower() == prefix.lower()) if nocase else (head == prefix), (stepdef.pattern, text)


# ---------------------------------------------------------------------------------------------
# Snippets for undefined steps: pasted as they are, they must define the step they were made for


def define_from_snippet(text: str) -> StepFunctionContext:
    """Execute a snippet the way a user pastes it and return what pytest-bdd registered."""
    from pytest_bdd import given as given_
    from pytest_bdd import step as step_
    from pytest_bdd import then as then_
    from pytest_bdd import when as when_

    import living_checklist as checklist

    namespace: dict[str, Any] = {}
    scope = {"given": given_, "when": when_, "then": then_, "step": step_, "parsers": parsers}
    scope["living_checklist"] = checklist
    exec(compile(text, "<snippet>", "exec"), scope, namespace)
    func = namespace["_"]
    contexts = [c for c in list(step_function_context_registry.values()) if c.step_func is func]
    assert len(contexts) == 1, text
    return contexts[0]


def test_snippet_captures_quoted_text_and_numbers() -> None:
    step = Step("Given ", "given", 'the machine has "Linux" and 8 cores at 2.5 GHz', 4, 5)
    text = snippet(step)
    assert text.splitlines()[0] == "@given(parsers.parse('the machine has \"{text}\" and {n:d} cores at {n2:g} GHz'))"
    assert "def _(text, n, n2):" in text
    assert "raise living_checklist.Pending(" in text
    context = define_from_snippet(text)
    assert context.type == "given"
    assert context.parser.parse_arguments(step.text) == {"text": "Linux", "n": 8, "n2": 2.5}


def test_snippet_adds_datatable_and_docstring_arguments() -> None:
    step = Step("Then ", "then", "the report is shown", 1, 1, docstring="x", datatable=(("a",),))
    assert "def _(datatable, docstring):" in snippet(step)


@pytest.mark.parametrize(
    "step",
    [
        Step("Then ", "then", "the set {a} is shown", 1, 1),  # braces, no parameters: a plain string
        Step("Then ", "then", "the set {a} has 3 items", 1, 1),  # braces and a parameter: parse escapes them
        Step("When ", "when", 'I run the system with arguments ""', 1, 1),  # an empty quoted string
        Step("* ", None, "the weather is fine", 1, 1),  # `*`: the snippet uses @step
    ],
    ids=["braces", "braces-and-number", "empty-quotes", "star"],
)
def test_snippet_matches_its_step(step: Step) -> None:
    context = define_from_snippet(snippet(step))
    assert context.parser.is_matching(step.text), snippet(step)


snippet_texts = st.lists(
    st.sampled_from(
        ["I", "have", "apples", "3", "-2", "2.5", "1.2.3", "x3", '"Linux"', '"a 5 b"', '""', "{", "}", "%"]
    ),
    min_size=1,
    max_size=5,
).map(" ".join)


@settings(max_examples=100)
@given(text=snippet_texts, step_type=st.sampled_from(["given", "when", "then"]))
@example(text='I run the system with arguments ""', step_type="when")
@example(text="the set { is } shown", step_type="then")
def test_snippet_defines_a_step_that_matches(text: str, step_type: str) -> None:
    step = Step(step_type.title() + " ", step_type, text, 1, 5)
    context = define_from_snippet(snippet(step))
    assert context.type == step_type
    assert context.parser.is_matching(text), snippet(step)


@given(st.text(alphabet="ab{}:d 0", max_size=24))
@example("a {{b}} {c:d}")
@example("}}}{x}")
def test_a_format_is_cut_before_its_first_field_as_parse_reads_it(fmt: str) -> None:
    """The literal text before the first field, escapes ({{ and }}) read as parse reads them."""
    from living_checklist.run.registry import split_format

    literal, rest = split_format(fmt)
    assert not rest or (rest.startswith("{") and not rest.startswith("{{"))
    head = fmt[: len(fmt) - len(rest)]
    assert re.fullmatch(r"(?:\{\{|\}\}|[^{])*", head), (fmt, head)
    assert literal == re.sub(r"\{\{|\}\}", lambda m: m.group()[0], head)
