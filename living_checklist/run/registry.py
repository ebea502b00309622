"""Step registry: which pytest-bdd step definition runs a step, found without scanning them all.

pytest-bdd 9 asks every registered fixture whether it parses every step (quadratic in the number
of definitions). Here the definitions visible from one place are indexed once by the literal text
their pattern starts with, so a lookup costs a handful of dict probes plus the real parser on the
few candidates. Semantics follow pytest-bdd: parsers and converters as given, the closest
definition wins; two definitions at the same level that both match are ambiguous (an error).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from pytest_bdd import parsers

from living_checklist.core.inventory import Step
from living_checklist.run._compat import (
    EXTRA_CASES,
    StepFunctionContext,
    parse_extra_types,
    parse_ignores_case,
    stepdef_fixtures,
)

_REGEX_META = set(".^$*+?{}[]\\|()")
_QUANTIFIERS = set("*+?{")


@dataclass(frozen=True, eq=False)
class StepDef:
    """One step definition as pytest-bdd registered it, with where it lives."""

    context: StepFunctionContext
    scope: str

    @property
    def func(self) -> Callable[..., Any]:
        return self.context.step_func

    @property
    def type(self) -> str | None:
        return self.context.type

    @property
    def pattern(self) -> str:
        return str(self.context.parser.name)

    @cached_property
    def location(self) -> str:
        func = inspect.unwrap(self.func)
        try:
            path = inspect.getsourcefile(func) or "?"
            line = inspect.getsourcelines(func)[1]
        except (OSError, TypeError):
            return getattr(func, "__qualname__", repr(func))
        return f"{path}:{line}"

    @cached_property
    def _matcher(self) -> _SplitParse | None:
        parser = self.context.parser
        return _SplitParse.of(parser) if isinstance(parser, parsers.parse) else None

    def arguments(self, text: str) -> Mapping[str, Any] | None:
        """The step's arguments as the parser extracts them, or None when the text does not match.

        Same answer as pytest-bdd's ``is_matching`` / ``parse_arguments``; for ``parse`` patterns
        the literal prefix is compared directly and only the rest goes through a parser shared by
        every definition with that rest, so 2,000 definitions do not compile 2,000 regexes.
        The last answer is kept: a case is planned (its steps matched) just before it runs, and
        running asks again for the same text (W10k: 30,000 parses fewer). Callers must not change it.
        """
        last = self._last
        if last[0] == text:
            kept: Mapping[str, Any] | None = last[1]
            return kept
        found = self._arguments(text)
        last[:] = [text, found]
        return found

    @cached_property
    def _last(self) -> list[Any]:
        return [None, None]

    def _arguments(self, text: str) -> dict[str, Any] | None:
        matcher = self._matcher
        if matcher is not None:
            return matcher.arguments(text)
        parser = self.context.parser
        if isinstance(parser, parsers.string):
            return {} if parser.name == text else None
        if not parser.is_matching(text):
            return None
        return dict(parser.parse_arguments(text) or {})

    @cached_property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.func)

    @cached_property
    def required_args(self) -> tuple[str, ...]:
        return tuple(
            p.name
            for p in self.signature.parameters.values()
            if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty
        )

    @cached_property
    def is_generator(self) -> bool:
        return inspect.isgeneratorfunction(self.func)

    def describe(self) -> str:
        kind = self.type or "step"
        return f'@{kind}("{self.pattern}") at {self.location}'


def stepdefs_visible_from(node: pytest.Collector) -> list[StepDef]:
    """Every pytest-bdd step definition visible from ``node``, with where it was registered."""
    return [StepDef(context, location) for context, location in stepdef_fixtures(node)]


def fold(text: str) -> str:
    """Fold case the way ``re.IGNORECASE`` compares characters, keeping the length.

    Two strings fold equal exactly when an IGNORECASE regex of one matches the other, character
    by character, so a folded prefix can be looked up in a dict.
    """
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    """One character as ``re.IGNORECASE`` compares it: its lowest case variant."""
    low = ch.lower()
    if len(low) != 1:
        low = "i" if ch == "\u0130" else ch  # İ: re uses the simple lowercase mapping
    code = ord(low)
    extra = EXTRA_CASES.get(code)
    return chr(min(code, *extra)) if extra else low


def split_format(fmt: str) -> tuple[str, str]:
    """A parse format cut before its first field: (literal text, the rest of the format)."""
    if "{{" not in fmt and "}}" not in fmt:  # nothing escaped: the first brace starts the first field
        brace = fmt.find("{")
        return (fmt, "") if brace < 0 else (fmt[:brace], fmt[brace:])
    out = []
    i = 0
    while i < len(fmt):
        if fmt.startswith("{{", i) or fmt.startswith("}}", i):
            out.append(fmt[i])
            i += 2
            continue
        if fmt[i] == "{":
            break
        out.append(fmt[i])
        i += 1
    return "".join(out), fmt[i:]


_REST_PARSERS: dict[tuple[Any, ...], Any] = {}


def _ignores_case(step_parser: parsers.parse) -> bool:
    """parse matches case-insensitively unless it was compiled with case_sensitive=True."""
    return parse_ignores_case(step_parser)


@dataclass(frozen=True)
class _SplitParse:
    """A parse format matched as literal prefix + the rest; the rest's parser is shared."""

    prefix: str
    folded_prefix: str
    ignore_case: bool
    rest: Any

    @classmethod
    def of(cls, step_parser: parsers.parse) -> _SplitParse:
        inner = step_parser.parser
        ignore_case = _ignores_case(step_parser)
        prefix, rest_format = split_format(step_parser.name)
        extra = parse_extra_types(step_parser)
        key = (type(inner), rest_format, ignore_case, tuple(sorted(extra.items(), key=lambda kv: kv[0])))
        rest = _REST_PARSERS.get(key)
        if rest is None:
            try:
                rest = type(inner)(rest_format, extra_types=dict(extra), case_sensitive=not ignore_case)
            except Exception:  # an unusual parser subclass: fall back to the whole pattern
                rest = None
            _REST_PARSERS[key] = rest
        if rest is None:
            return cls("", "", ignore_case, inner)
        return cls(prefix, fold(prefix) if ignore_case else prefix, ignore_case, rest)

    def arguments(self, text: str) -> dict[str, Any] | None:
        head = text[: len(self.prefix)]
        if (fold(head) if self.ignore_case else head) != self.folded_prefix:
            return None
        try:
            result = self.rest.parse(text[len(self.prefix) :])
        except ValueError:
            return None
        return None if result is None else dict(result.named)


def literal_prefix(parser: Any) -> tuple[str, bool]:
    """The text every match must start with, and whether comparison ignores case."""
    if isinstance(parser, parsers.string):
        return parser.name, False
    if isinstance(parser, parsers.parse):  # also cfparse; its whitespace is literal
        return split_format(parser.name)[0], _ignores_case(parser)
    if isinstance(parser, parsers.re):
        regex: re.Pattern[str] = parser.regex
        if regex.flags & (re.IGNORECASE | re.VERBOSE):
            return "", False
        return _regex_prefix(regex.pattern), False
    return "", False


def _regex_prefix(pattern: str) -> str:
    if "|" in pattern:
        return ""  # a top-level alternation could start anywhere
    out: list[str] = []
    i = 1 if pattern.startswith("^") else 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            literal = _escaped_literal(pattern, i)
            if literal is None:
                break
            out.append(literal)
            i += 2
            continue
        if ch in _REGEX_META:
            if ch in _QUANTIFIERS and out:
                out.pop()  # the previous literal is optional or repeated
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _escaped_literal(pattern: str, i: int) -> str | None:
    """The character the backslash at ``i`` escapes, when that is a literal (``\\d``, ``\\1``: None)."""
    if i + 1 < len(pattern) and not pattern[i + 1].isalnum():
        return pattern[i + 1]
    return None


@dataclass
class _Level:
    """The definitions registered at one place (plugin/conftest), indexed by literal prefix."""

    scope: str
    exact: dict[str, list[StepDef]] = field(default_factory=dict)
    prefixed: dict[int, dict[str, list[StepDef]]] = field(default_factory=dict)
    prefixed_nocase: dict[int, dict[str, list[StepDef]]] = field(default_factory=dict)
    anywhere: list[StepDef] = field(default_factory=list)

    def add(self, stepdef: StepDef) -> None:
        parser = stepdef.context.parser
        if isinstance(parser, parsers.string):
            self.exact.setdefault(parser.name, []).append(stepdef)
            return
        prefix, nocase = literal_prefix(parser)
        if not prefix:
            self.anywhere.append(stepdef)
            return
        table = self.prefixed_nocase if nocase else self.prefixed
        key = fold(prefix) if nocase else prefix
        table.setdefault(len(prefix), {}).setdefault(key, []).append(stepdef)

    def candidates(self, text: str) -> Iterable[StepDef]:
        yield from self.exact.get(text, ())
        for length, table in self.prefixed.items():
            if length <= len(text):
                yield from table.get(text[:length], ())
        if self.prefixed_nocase:
            folded = fold(text)
            for length, table in self.prefixed_nocase.items():
                if length <= len(text):
                    yield from table.get(folded[:length], ())
        yield from self.anywhere


@dataclass(frozen=True, slots=True)
class Resolution:
    """What runs a step: one definition, none (undefined) or several (ambiguous)."""

    step: Step
    matches: tuple[StepDef, ...]

    @property
    def stepdef(self) -> StepDef | None:
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def undefined(self) -> bool:
        return not self.matches

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


class StepRegistry:
    """The step definitions visible from one node, closest level first."""

    def __init__(self, stepdefs: Iterable[StepDef]) -> None:
        levels: dict[str, _Level] = {}
        for stepdef in stepdefs:
            levels.setdefault(stepdef.scope, _Level(stepdef.scope)).add(stepdef)
        # Closest first: a deeper registration place overrides a shallower one, like fixtures.
        self.levels = sorted(levels.values(), key=lambda level: _depth(level.scope), reverse=True)
        self._cache: dict[tuple[str | None, str], tuple[StepDef, ...]] = {}

    @property
    def stepdefs(self) -> list[StepDef]:
        out: list[StepDef] = []
        for level in self.levels:
            out.extend(level.anywhere)
            for defs in level.exact.values():
                out.extend(defs)
            for table in (*level.prefixed.values(), *level.prefixed_nocase.values()):
                for defs in table.values():
                    out.extend(defs)
        return out

    def match(self, step_type: str | None, text: str) -> tuple[StepDef, ...]:
        key = (step_type, text)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found: tuple[StepDef, ...] = ()
        for level in self.levels:
            seen = _level_matches(level, step_type, text)
            if seen:
                found = tuple(seen.values())
                break
        self._cache[key] = found
        return found

    def resolve(self, step: Step) -> Resolution:
        return Resolution(step, self.match(step.type, step.text))

    def resolve_all(self, steps: Sequence[Step]) -> tuple[Resolution, ...]:
        return tuple(self.resolve(step) for step in steps)


def _level_matches(level: _Level, step_type: str | None, text: str) -> dict[Callable[..., Any], StepDef]:
    """The definitions of one level that match a step of ``step_type``, one per function."""
    seen: dict[Callable[..., Any], StepDef] = {}
    for stepdef in level.candidates(text):
        if step_type is not None and stepdef.type is not None and stepdef.type != step_type:
            continue
        if stepdef.func in seen:
            continue  # the same function registered twice (e.g. @given and @step) is not ambiguous
        if stepdef.arguments(text) is not None:
            seen[stepdef.func] = stepdef
    return seen


def _depth(scope: str) -> int:
    if not scope:
        return 0
    head, _, tail = scope.partition("::")
    return head.count("/") + 1 + (tail.count("::") + 1 if tail else 0)


# ---------------------------------------------------------------------------------------------
# Snippets for undefined steps

_QUOTED = re.compile(r'"[^"]*"')
_TBD_TOKEN = re.compile(r"\bTBD\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def snippet(step: Step) -> str:
    """A ready-to-paste pytest-bdd step definition whose body raises the plugin's Pending."""
    kind = step.type or "step"
    fmt, names = _snippet_pattern(step.text)
    args = list(names)
    if step.datatable is not None:
        args.append("datatable")
    if step.docstring is not None:
        args.append("docstring")
    decorator = f"@{kind}(parsers.parse({fmt!r}))" if names else f"@{kind}({fmt!r})"
    message = f"not implemented yet: {step.keyword.strip()} {step.text}"
    return f"{decorator}\ndef _({', '.join(args)}):\n    raise living_checklist.Pending({message!r})\n"


_FIELD = {
    "quoted": ("text", '"{{{}}}"'),
    "number": ("n", "{{{}:d}}"),
    "float": ("n", "{{{}:g}}"),
    "tbd": ("value", "{{{}}}"),
}


def _snippet_tokens(text: str) -> list[tuple[int, int, str]]:
    """Quoted strings, numbers and bare TBDs (a parameter too, so that the pasted definition still
    matches once it is filled in), in order, without overlaps or ``""`` (parse cannot match it)."""
    tokens: list[tuple[int, int, str]] = []
    for start, end, kind in _token_candidates(text):
        if (tokens and start < tokens[-1][1]) or (kind == "quoted" and end - start == 2):
            continue
        tokens.append((start, end, kind))
    return tokens


def _token_candidates(text: str) -> list[tuple[int, int, str]]:
    """Every quoted string, number and bare TBD of ``text`` (overlaps too), by position."""
    return sorted(
        [(m.start(), m.end(), "quoted") for m in _QUOTED.finditer(text)]
        + [(m.start(), m.end(), "float" if "." in m.group() else "number") for m in _NUMBER.finditer(text)]
        + [(m.start(), m.end(), "tbd") for m in _TBD_TOKEN.finditer(text)],
    )


def _snippet_pattern(text: str) -> tuple[str, list[str]]:
    """The parse pattern for a step text and its field names (a plain string when there is none)."""
    names: list[str] = []
    pieces: list[str] = []
    pos = 0
    for start, end, kind in _snippet_tokens(text):
        base, template = _FIELD[kind]
        same = sum(1 for existing in names if existing.rstrip("0123456789") == base)
        name = f"{base}{same + 1}" if same else base
        pieces += [_escape_format(text[pos:start]), template.format(name)]
        names.append(name)
        pos = end
    pieces.append(_escape_format(text[pos:]))
    return ("".join(pieces) if names else text), names  # a plain string pattern needs no {{ }} escapes


def _escape_format(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
