"""Shared Hypothesis strategies: generated Gherkin documents, case outcomes, step definitions.

A generated document is a small model (``GFeature``) that renders itself as feature-file text
and knows, independently of gherkin-official and of our inventory, how many requirements and
cases it holds. Tests compare three things: the model, the official pickles, our inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hypothesis import strategies as st
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext

from living_checklist.core.pending import PENDING_REASONS
from living_checklist.core.status import STATUSES, CaseOutcome
from living_checklist.run.registry import StepDef

# ---------------------------------------------------------------------------------------------
# Gherkin documents

StepKind = Literal["given", "when", "then", "and", "but", "star"]

KEYWORDS: dict[str, dict[str, str]] = {
    "en": {
        "feature": "Feature",
        "background": "Background",
        "rule": "Rule",
        "scenario": "Scenario",
        "outline": "Scenario Outline",
        "examples": "Examples",
        "given": "Given ",
        "when": "When ",
        "then": "Then ",
        "and": "And ",
        "but": "But ",
        "star": "* ",
    },
    "fr": {
        "feature": "Fonctionnalité",
        "background": "Contexte",
        "rule": "Règle",
        "scenario": "Scénario",
        "outline": "Plan du scénario",
        "examples": "Exemples",
        "given": "Soit ",
        "when": "Quand ",
        "then": "Alors ",
        "and": "Et ",
        "but": "Mais ",
        "star": "* ",
    },
}

# Words that can never be read as a keyword, a tag, a comment or a table in either language.
WORDS = ("apples", "the system", "runs", "3", "42", "TBD", "fast", "café", "x1", "déjà vu")
HEADERS = ("n", "name", "size")
TAGS = ("REQ-1", "REQ-2", "AB-12", "slow", "pending", "seed-000", "gpu")
NAMES = ("", "Login works", "Login works", "same", "same", "déjà vu", "a: b", "  spaced  ")


@dataclass(frozen=True)
class GStep:
    kind: StepKind
    text: str
    docstring: tuple[str, ...] | None = None
    table: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class GExamples:
    tags: tuple[str, ...]
    name: str
    header: tuple[str, ...] | None  # None: an Examples keyword with no table at all
    rows: tuple[tuple[str, ...], ...]

    @property
    def cases(self) -> int:
        return len(self.rows) if self.header is not None else 0


@dataclass(frozen=True)
class GScenario:
    tags: tuple[str, ...]
    name: str
    steps: tuple[GStep, ...]
    outline: bool = False
    examples: tuple[GExamples, ...] = ()

    @property
    def cases(self) -> int:
        # An outline without any Examples block compiles to one pickle, like a plain scenario.
        if not self.outline or not self.examples:
            return 1
        return sum(ex.cases for ex in self.examples)


@dataclass(frozen=True)
class GRule:
    tags: tuple[str, ...]
    name: str
    background: tuple[GStep, ...] | None
    scenarios: tuple[GScenario, ...]


@dataclass(frozen=True)
class GFeature:
    language: str
    tags: tuple[str, ...]
    name: str
    background: tuple[GStep, ...] | None
    children: tuple[GScenario | GRule, ...]
    newline: str = "\n"

    @property
    def scenarios(self) -> list[GScenario]:
        out: list[GScenario] = []
        for child in self.children:
            out.extend(child.scenarios if isinstance(child, GRule) else [child])
        return out

    @property
    def requirement_count(self) -> int:
        return len(self.scenarios)

    @property
    def case_count(self) -> int:
        return sum(s.cases for s in self.scenarios)

    def render(self) -> str:
        kw = KEYWORDS[self.language]
        lines: list[str] = []
        if self.language != "en":
            lines.append(f"# language: {self.language}")
        _tags(lines, self.tags, 0)
        lines.append(f"{kw['feature']}: {self.name}".rstrip())
        lines.append("  A description line that is not a keyword.")
        lines.append("")
        if self.background is not None:
            _background(lines, kw, self.background, 2)
        for child in self.children:
            if isinstance(child, GRule):
                _tags(lines, child.tags, 2)
                lines.append(f"  {kw['rule']}: {child.name}".rstrip())
                if child.background is not None:
                    _background(lines, kw, child.background, 4)
                for scenario in child.scenarios:
                    _scenario(lines, kw, scenario, 4)
            else:
                _scenario(lines, kw, child, 2)
        return self.newline.join(lines) + self.newline


def _tags(lines: list[str], tags: tuple[str, ...], indent: int) -> None:
    if tags:
        lines.append(" " * indent + " ".join(f"@{tag}" for tag in tags))


def _background(lines: list[str], kw: dict[str, str], steps: tuple[GStep, ...], indent: int) -> None:
    lines.append(" " * indent + f"{kw['background']}:")
    for step in steps:
        _step(lines, kw, step, indent + 2)
    lines.append("")


def _scenario(lines: list[str], kw: dict[str, str], scenario: GScenario, indent: int) -> None:
    pad = " " * indent
    _tags(lines, scenario.tags, indent)
    keyword = kw["outline"] if scenario.outline else kw["scenario"]
    lines.append(f"{pad}{keyword}: {scenario.name}".rstrip())
    for step in scenario.steps:
        _step(lines, kw, step, indent + 2)
    for examples in scenario.examples:
        lines.append("")
        _tags(lines, examples.tags, indent + 2)
        lines.append(f"{pad}  {kw['examples']}: {examples.name}".rstrip())
        if examples.header is not None:
            lines.append(_row(examples.header, indent + 4))
            lines.extend(_row(row, indent + 4) for row in examples.rows)
    lines.append("")


def _step(lines: list[str], kw: dict[str, str], step: GStep, indent: int) -> None:
    pad = " " * indent
    lines.append(f"{pad}{kw[step.kind]}{step.text}")
    if step.docstring is not None:
        lines.append(f'{pad}  """')
        lines.extend(f"{pad}  {line}" for line in step.docstring)
        lines.append(f'{pad}  """')
    if step.table is not None:
        lines.extend(_row(row, indent + 2) for row in step.table)


def _row(cells: tuple[str, ...], indent: int) -> str:
    return " " * indent + "| " + " | ".join(cells) + " |"


step_kinds: st.SearchStrategy[StepKind] = st.sampled_from(["given", "when", "then", "and", "but", "star"])
words = st.sampled_from(WORDS)
tags = st.lists(st.sampled_from(TAGS), max_size=3, unique=True).map(tuple)
names = st.sampled_from(NAMES)


@st.composite
def gsteps(draw: st.DrawFn, header: tuple[str, ...] = ()) -> GStep:
    parts = draw(
        st.lists(
            st.one_of(words, st.sampled_from([f"<{h}>" for h in header])) if header else words, min_size=1, max_size=3
        )
    )
    argument = draw(st.sampled_from(["none", "none", "docstring", "table"]))
    docstring = tuple(draw(st.lists(words, max_size=2))) if argument == "docstring" else None
    table = None
    if argument == "table":
        width = draw(st.integers(1, 3))
        table = tuple(draw(st.lists(st.tuples(*[words] * width), min_size=1, max_size=3)))
    return GStep(draw(step_kinds), " ".join(parts), docstring, table)


@st.composite
def gexamples(draw: st.DrawFn, header: tuple[str, ...]) -> GExamples:
    if draw(st.integers(0, 9)) == 0:
        return GExamples(draw(tags), draw(names), None, ())
    rows = draw(st.lists(st.tuples(*[words] * len(header)), max_size=3))
    return GExamples(draw(tags), draw(names), header, tuple(rows))


@st.composite
def gscenarios(draw: st.DrawFn) -> GScenario:
    if draw(st.booleans()):
        return GScenario(draw(tags), draw(names), tuple(draw(st.lists(gsteps(), max_size=4))))
    header = tuple(draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=3, unique=True)))
    steps = tuple(draw(st.lists(gsteps(header), max_size=4)))
    examples = tuple(draw(st.lists(gexamples(header), max_size=2)))
    return GScenario(draw(tags), draw(names), steps, outline=True, examples=examples)


background_steps = st.none() | st.lists(gsteps(), max_size=2).map(tuple)


@st.composite
def grules(draw: st.DrawFn) -> GRule:
    return GRule(draw(tags), draw(names), draw(background_steps), tuple(draw(st.lists(gscenarios(), max_size=3))))


@st.composite
def gfeatures(draw: st.DrawFn) -> GFeature:
    return GFeature(
        language=draw(st.sampled_from(["en", "en", "fr"])),
        tags=draw(tags),
        name=draw(names),
        background=draw(background_steps),
        children=tuple(draw(st.lists(st.one_of(gscenarios(), grules()), max_size=4))),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
    )


# ---------------------------------------------------------------------------------------------
# Case outcomes, as workers send them

REASONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "error": ("ambiguous", "step", "gherkin", "crashed", "setup"),
    "failing": ("",),
    "pending": PENDING_REASONS,
    "skipped": ("skipped", "not-selected"),
    "verified": ("",),
}


@st.composite
def case_outcomes(draw: st.DrawFn) -> CaseOutcome:
    status = draw(st.sampled_from(STATUSES))
    reason = draw(st.sampled_from(REASONS_BY_STATUS[status]))
    return CaseOutcome(status, reason, draw(st.sampled_from(["", "boom", "needs a GPU"])))


# ---------------------------------------------------------------------------------------------
# Step definitions for the registry

SCOPES = ("", "features", "features/sub")
STEP_TYPES = ("given", "when", "then", None)
ASCII_WORDS = ("i", "I", "have", "HAVE", "Have", "apples", "a.b", "x*", "{", "}", "|")
TRICKY_CASE_WORDS = ("ſ", "s", "S", "σ", "ς", "Σ", "µ", "μ", "İ", "i", "ı", "K", "k")


def _make_func(index: int) -> object:
    def step_func() -> None:
        return None

    step_func.__name__ = step_func.__qualname__ = f"step_{index}"
    return step_func


@st.composite
def parsers_for(draw: st.DrawFn, vocabulary: tuple[str, ...]) -> object:
    """A pytest-bdd parser of a random kind whose pattern is built from ``vocabulary``."""
    kind = draw(st.sampled_from(["string", "parse", "cfparse", "re", "re-ignorecase"]))
    tokens = draw(st.lists(st.sampled_from(vocabulary) | st.just("FIELD"), min_size=1, max_size=3))
    if kind == "string":
        return parsers.string(" ".join(t for t in tokens if t != "FIELD") or "x")
    if kind in ("parse", "cfparse"):
        fields = iter(range(10))
        fmt = " ".join(
            draw(st.sampled_from(["{f%d}", "{f%d:d}", "{f%d:w}"])) % next(fields)
            if t == "FIELD"
            else t.replace("{", "{{").replace("}", "}}")
            for t in tokens
        )
        return parsers.parse(fmt) if kind == "parse" else parsers.cfparse(fmt)
    pattern = " ".join(
        draw(st.sampled_from([r"\d+", rf"(?P<g{i}>\w+)", ".*", r"[a-z]+", "s?"])) if t == "FIELD" else re.escape(t)
        for i, t in enumerate(tokens)
    )
    if draw(st.booleans()):
        pattern = "^" + pattern
    return parsers.re(pattern, re.IGNORECASE) if kind == "re-ignorecase" else parsers.re(pattern)


@st.composite
def stepdef_lists(draw: st.DrawFn, vocabulary: tuple[str, ...] = ASCII_WORDS) -> list[StepDef]:
    """Definitions at up to three levels; some functions are registered twice (like @given + @when)."""
    count = draw(st.integers(0, 8))
    funcs = [_make_func(i) for i in range(count)]
    defs = []
    for i in range(count):
        func = funcs[draw(st.integers(0, i))] if i and draw(st.integers(0, 4)) == 0 else funcs[i]
        context = StepFunctionContext(
            type=draw(st.sampled_from(STEP_TYPES)),
            step_func=func,  # type: ignore[arg-type]
            parser=draw(parsers_for(vocabulary)),  # type: ignore[arg-type]
        )
        defs.append(StepDef(context, draw(st.sampled_from(SCOPES))))
    return defs


def step_texts(vocabulary: tuple[str, ...] = ASCII_WORDS) -> st.SearchStrategy[str]:
    token = st.sampled_from(vocabulary) | st.sampled_from(["3", "42", "apples", "x"])
    return st.lists(token, min_size=1, max_size=3).map(" ".join)


# ---------------------------------------------------------------------------------------------
# Feature + step projects for the differential suite (tests/test_bdd_parity.py)

BDD_TYPES = ("given", "when", "then", None)  # None: @step, any type
BDD_BEHAVIOURS = ("pass", "fail", "yield", "module_fixture", "docstring", "datatable")


@dataclass(frozen=True)
class GDefinition:
    """One step definition ``d<index>``: its decorator kind, pattern kind and what it does."""

    index: int
    type: str | None
    pattern: Literal["string", "parse", "cfparse", "re"]
    behaviour: str
    target: bool  # target_fixture="last"

    def source(self) -> str:
        decorator = self.type or "step"
        target = ', target_fixture="last"' if self.target else ""
        if self.pattern == "string":
            pattern, args = f'"d{self.index} plain"', []
        elif self.pattern == "parse":
            pattern, args = f'parsers.parse("d{self.index} gets {{n:d}}")', ["n"]
        elif self.pattern == "cfparse":
            pattern, args = f'parsers.cfparse("d{self.index} gets {{n:d}}")', ["n"]
        else:
            pattern, args = f'parsers.re(r"d{self.index} gets (?P<n>\\d+)"), converters={{"n": int}}', ["n"]
        body = {
            "pass": "return n" if args else "return 0",
            "fail": f'raise AssertionError("d{self.index} fails")',
            "yield": "yield 1",
            "module_fixture": "return in_module",
            "docstring": "return docstring",
            "datatable": "return datatable",
        }[self.behaviour]
        if self.behaviour == "module_fixture":
            args.append("in_module")
        if self.behaviour in ("docstring", "datatable"):
            args.append(self.behaviour)
        return f"@{decorator}({pattern}{target})\ndef _({', '.join(args)}):\n    {body}\n"

    def text(self, n: int) -> str:
        return f"d{self.index} plain" if self.pattern == "string" else f"d{self.index} gets {n}"


@dataclass(frozen=True)
class GUse:
    """One step of a scenario: a keyword and a definition (None: a text nothing matches)."""

    keyword: StepKind
    definition: int | None
    n: int


@dataclass(frozen=True)
class GProject:
    definitions: tuple[GDefinition, ...]
    background: tuple[GUse, ...]
    scenarios: tuple[tuple[GUse, ...], ...]
    outline: tuple[tuple[GUse, ...], tuple[int, ...]] | None

    def _defined(self, block: tuple[GUse, ...]) -> bool:
        """Whether every step of a block finds its definition (pytest-bdd's typing of And/But/*)."""
        current = "given"
        for use in block:
            if use.keyword in ("given", "when", "then"):
                current = use.keyword
            if use.definition is None:
                return False
            definition = self.definitions[use.definition]
            if definition.type is not None and definition.type != current:
                return False
        return True

    def undefined_scenarios(self) -> set[str]:
        """Names of the scenarios with a step no definition matches: pending under the plugin."""
        out = set()
        background_ok = self._defined(self.background) and (
            self.outline is None or not any(
                u.definition is not None and self.definitions[u.definition].pattern != "string"
                for u in self.background
            )
        )
        for number, steps in enumerate(self.scenarios):
            if not (background_ok and self._defined(steps)):
                out.add(f"scenario {number}")
        if self.outline is not None:
            outline_background = self._defined(self.background)
            if not (outline_background and self._defined(self.outline[0])):
                out.add("outline")
        return out

    def steps_source(self) -> str:
        head = (
            "import pytest\nfrom pytest_bdd import given, when, then, step, parsers\n\n"
            '@pytest.fixture(scope="module")\ndef in_module():\n    return "module"\n\n'
        )
        return head + "\n".join(d.source() for d in self.definitions)

    def _line(self, use: GUse, param: bool = False) -> list[str]:
        keyword = KEYWORDS["en"][use.keyword]
        if use.definition is None:
            text = f"nothing matches {use.n}"
        else:
            definition = self.definitions[use.definition]
            text = definition.text(use.n)
            if param and definition.pattern != "string":
                text = f"d{definition.index} gets <v>"
        lines = [f"    {keyword}{text}"]
        if use.definition is not None and self.definitions[use.definition].behaviour == "docstring":
            lines += ['      """', "        text", '      """']
        if use.definition is not None and self.definitions[use.definition].behaviour == "datatable":
            lines += ["      | a | b |", "      | 1 | <v> |" if param else "      | 1 | 2 |"]
        return lines

    def feature_text(self) -> str:
        lines = ["Feature: Generated", ""]
        if self.background:
            lines.append("  Background:")
            for use in self.background:
                lines += self._line(use, param=self.outline is not None)
            lines.append("")
        for number, steps in enumerate(self.scenarios):
            lines.append(f"  Scenario: scenario {number}")
            for use in steps:
                lines += self._line(use)
            lines.append("")
        if self.outline is not None:
            steps, values = self.outline
            lines.append("  Scenario Outline: outline")
            for use in steps:
                lines += self._line(use, param=True)
            lines += ["", "    Examples:", "      | v |", *(f"      | {v} |" for v in values), ""]
        return "\n".join(lines)


@st.composite
def bdd_projects(draw: st.DrawFn) -> GProject:
    """A feature file and its step definitions on which pytest-bdd and the plugin may differ only
    deliberately: no two definitions match one text, the first step of each block is Given."""
    count = draw(st.integers(1, 5))
    definitions = tuple(
        GDefinition(
            index=i,
            type=draw(st.sampled_from(BDD_TYPES)),
            pattern=draw(st.sampled_from(("string", "parse", "cfparse", "re"))),
            behaviour=draw(st.sampled_from(BDD_BEHAVIOURS)),
            target=draw(st.booleans()),
        )
        for i in range(count)
    )
    use = st.builds(
        GUse,
        keyword=st.sampled_from(("given", "when", "then", "and", "but", "star")),
        definition=st.one_of(st.none(), st.integers(0, count - 1)),
        n=st.integers(0, 9),
    )

    first = st.builds(
        GUse, keyword=st.just("given"), definition=st.one_of(st.none(), st.integers(0, count - 1)), n=st.integers(0, 9)
    )
    block = st.tuples(first, st.lists(use, max_size=3)).map(lambda t: (t[0], *t[1]))
    background = draw(st.one_of(st.just(()), block))
    scenarios = tuple(draw(st.lists(block, min_size=1, max_size=3)))
    rows = st.lists(st.integers(0, 9), min_size=1, max_size=3).map(tuple)
    outline = draw(st.one_of(st.none(), st.tuples(block, rows)))
    return GProject(definitions, background, scenarios, outline)
