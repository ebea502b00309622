"""Step definition patterns as Cucumber's engines compile them, and the arguments a step matched.

Cucumber knows two kinds of pattern: a Cucumber expression and a regular expression, the latter
compiled by the engine's own regex library (JavaScript's for the HTML formatter and cucumber-js).
pytest-bdd's patterns become:

- ``parsers.string``: the text itself as a Cucumber expression when it has none of the characters
  Cucumber expressions give a meaning (``{}()/\\``, a leading ``^`` or trailing ``$``), else the
  escaped text as an anchored regular expression;
- ``parsers.parse`` / ``cfparse``: the regular expression parse compiles the format to (its
  ``extra_types`` patterns included), anchored as parse matches it;
- ``parsers.re``: its regex in JavaScript's syntax (``(?P<n>`` is ``(?<n>``, ``(?P=n)`` is
  ``\\k<n>``, ``\\A``/``\\Z`` are ``^``/``$``, verbose mode and comments are taken out, ``{,n}`` is
  ``{0,n}``), anchored because pytest-bdd matches the whole text.

Flags are no part of a Cucumber pattern's source: parse's case-insensitivity (its default),
``re.IGNORECASE``, ``(?i)`` and the like are left out, so an engine compiling the source matches
case-sensitively. What JavaScript cannot say (an atomic group, a possessive quantifier, a
conditional group, scoped verbose flags) is written as Python wrote it.

``stepMatchArguments`` come from the Python regex matched against the step text: one per
outermost capture group, its nested groups as children, offsets in characters of the step text.
A parameter type's name is its ``extra_types`` key, with what Cucumber refuses in a name replaced.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from living_checklist.core.definitions import StepDefinitionInfo

CUCUMBER_EXPRESSION = "CUCUMBER_EXPRESSION"
REGULAR_EXPRESSION = "REGULAR_EXPRESSION"
_EXPRESSION_SPECIALS = frozenset("{}()/\\")
_INLINE_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_SCOPED_FLAGS = re.compile(r"\(\?([aiLmsux]*)(?:-([imsx]+))?:")
_REPEAT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_SPECIAL = set("\\^$.|?*+()[]{}/")
_CLASS_SPECIAL = set("\\]^-[")
# Escapes written another way in JavaScript: \A and \Z anchor outside a class only.
_ESCAPES = {"A": "^", "Z": "$", "a": "\\x07"}
_CLASS_ESCAPES = {"a": "\\x07"}
_UNTRANSLATABLE_GROUPS = {"(?>": "an atomic group", "(?(": "a conditional group"}
# What cucumber-expressions refuses in a parameter type's name; cfparse's cardinality suffixes are named.
_ILLEGAL_NAME = re.compile(r"[\[\]()$.|?*+{}\\/]")
_CARDINALITY = {"+": "_many", "*": "_any", "?": "_optional"}


class Untranslatable(ValueError):
    """A Python regex construct JavaScript has no equivalent for."""


@dataclass
class Translated:
    """A regex in JavaScript's syntax and the shape of its capture groups."""

    source: str
    parents: list[int] = field(default_factory=list)  # per group number - 1: the enclosing group (0: none)
    caret: bool = False  # starts with ^
    dollar: bool = False  # ends with $
    alternation: bool = False  # has a | outside every group

    def anchored(self) -> str:
        """The regex matching a whole text only, as pytest-bdd's fullmatch does."""
        if self.alternation:
            return f"^(?:{self.source})$"
        return ("" if self.caret else "^") + self.source + ("" if self.dollar else "$")


@dataclass
class _Scanner:
    pattern: str
    verbose: bool
    out: list[str] = field(default_factory=list)
    stack: list[int] = field(default_factory=list)  # per open group: its number, or 0 when it captures nothing
    result: Translated = field(default_factory=lambda: Translated(""))
    pos: int = 0
    quantified: bool = False  # the last thing written was a quantifier

    def run(self) -> Translated:
        self._leading_flags()
        while self.pos < len(self.pattern):
            self._step()
        self.result.source = "".join(self.out)
        return self.result

    def _leading_flags(self) -> None:
        while match := _INLINE_FLAGS.match(self.pattern, self.pos):
            self.verbose = self.verbose or "x" in match.group(1)
            self.pos = match.end()

    def _emit(self, text: str, *, quantifier: bool = False) -> None:
        if not self.out and not self.stack:
            self.result.caret = text == "^"
        self.out.append(text)
        self.result.dollar = text == "$" and not self.stack
        self.quantified = quantifier

    def _skipped(self, ch: str) -> bool:
        """Verbose mode's whitespace and comments, passed over."""
        if not self.verbose or ch not in " \t\n\r\f\v#":
            return False
        end = self.pattern.find("\n", self.pos) if ch == "#" else self.pos
        self.pos = len(self.pattern) if end < 0 else end + 1
        return True

    def _step(self) -> None:
        ch = self.pattern[self.pos]
        if self._skipped(ch):
            return
        special = {"\\": self._backslash, "[": self._class, "(": self._open, ")": self._close}.get(ch)
        if special is not None:
            special()
        elif ch in "*+?":
            self._quantifier(ch)
        elif ch == "{" and (repeat := self._repeat_at()) is not None:
            self._repeat(repeat)
        else:
            self._plain(ch)

    def _backslash(self) -> None:
        self._emit(self._escape(in_class=False))

    def _close(self) -> None:
        self.stack.pop()
        self.pos += 1
        self._emit(")")

    def _plain(self, ch: str) -> None:
        if ch == "|" and not self.stack:
            self.result.alternation = True
        self.pos += 1
        self._emit(ch)

    def _quantifier(self, ch: str) -> None:
        self.pos += 1
        if self.quantified and ch == "+":
            raise Untranslatable("a possessive quantifier")
        # A ? after a quantifier makes it lazy; what follows that is no quantifier of it.
        self._emit(ch, quantifier=not (self.quantified and ch == "?"))

    def _repeat_at(self) -> re.Match[str] | None:
        """A repetition ``{m,n}`` at ``pos`` (``{}`` is a literal)."""
        repeat = _REPEAT.match(self.pattern, self.pos)
        return repeat if repeat is not None and repeat.group(0) != "{}" else None

    def _repeat(self, repeat: re.Match[str]) -> None:
        if self.quantified:
            raise Untranslatable("a possessive quantifier")
        low, comma, high = repeat.groups()
        self.pos = repeat.end()
        self._emit("{" + (low or "0") + (comma or "") + (high or "") + "}", quantifier=True)

    def _escape(self, *, in_class: bool) -> str:
        """One escape sequence at ``pos``, in JavaScript's spelling."""
        nxt = self.pattern[self.pos + 1 : self.pos + 2]
        self.pos += 2
        simple = (_CLASS_ESCAPES if in_class else _ESCAPES).get(nxt)
        if simple is not None:
            return simple
        if nxt == "N":
            return _literal(self._named_char(), in_class=in_class)
        if nxt == "U":
            return _literal(self._long_char(), in_class=in_class)
        return "\\" + nxt

    def _named_char(self) -> str:
        """The character a ``\\N{NAME}`` escape names (``pos`` just after the ``N``)."""
        end = self.pattern.index("}", self.pos)
        char = unicodedata.lookup(self.pattern[self.pos + 1 : end])
        self.pos = end + 1
        return char

    def _long_char(self) -> str:
        """The character a ``\\UXXXXXXXX`` escape writes (``pos`` just after the ``U``)."""
        char = chr(int(self.pattern[self.pos : self.pos + 8], 16))
        self.pos += 8
        return char

    def _class(self) -> None:
        parts = ["["]
        self.pos += 1
        if self.pattern.startswith("^", self.pos):
            parts.append("^")
            self.pos += 1
        if self.pattern.startswith("]", self.pos):  # Python: a literal ]; JavaScript: the end of []
            parts.append("\\]")
            self.pos += 1
        while self.pos < len(self.pattern) and self.pattern[self.pos] != "]":
            parts.append(self._class_item())
        self.pos += 1
        self._emit("".join(parts) + "]")

    def _class_item(self) -> str:
        """One character of a class, or one escape sequence, at ``pos``."""
        if self.pattern[self.pos] == "\\":
            return self._escape(in_class=True)
        self.pos += 1
        return self.pattern[self.pos - 1]

    def _open(self) -> None:
        rest = self.pattern[self.pos :]
        if not rest.startswith("(?"):
            self._capture("(", 1)
        elif rest.startswith("(?P<"):
            self._capture("(?<", 4)
        elif rest.startswith("(?P="):
            self._backreference()
        elif rest.startswith("(?#"):
            self.pos = self.pattern.index(")", self.pos) + 1
        elif rest.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!")):
            self._non_capturing(rest)
        elif rest[:3] in _UNTRANSLATABLE_GROUPS:
            raise Untranslatable(_UNTRANSLATABLE_GROUPS[rest[:3]])
        else:
            self._scoped_flags(rest)

    def _non_capturing(self, rest: str) -> None:
        """A non-capturing group or a lookahead or lookbehind: written as it is."""
        width = 4 if rest.startswith("(?<") else 3
        self._group(rest[:width], width)

    def _backreference(self) -> None:
        """``(?P=name)``, JavaScript's ``\\k<name>``."""
        end = self.pattern.index(")", self.pos)
        self._emit(f"\\k<{self.pattern[self.pos + 4 : end]}>")
        self.pos = end + 1

    def _scoped_flags(self, rest: str) -> None:
        match = _SCOPED_FLAGS.match(rest)
        if match is None:
            raise Untranslatable(f"the group {rest[:6]!r}")
        if "x" in match.group(1) or "x" in (match.group(2) or ""):
            raise Untranslatable("scoped verbose flags")
        self._group("(?:", match.end())

    def _capture(self, text: str, width: int) -> None:
        self.result.parents.append(next((n for n in reversed(self.stack) if n), 0))
        self.pos += width
        self.stack.append(len(self.result.parents))
        self._emit(text)

    def _group(self, text: str, width: int) -> None:
        self.pos += width
        self.stack.append(0)
        self._emit(text)


def _literal(char: str, *, in_class: bool) -> str:
    specials = _CLASS_SPECIAL if in_class else _SPECIAL
    return "\\" + char if char in specials else char


def translate(pattern: str, flags: int = 0) -> Translated:
    """A Python regex in JavaScript's syntax; raises ``Untranslatable`` for what JavaScript cannot say."""
    try:
        translated = _Scanner(pattern, bool(flags & re.VERBOSE)).run()
    except (IndexError, ValueError, KeyError) as exc:  # ValueError: Untranslatable too
        if isinstance(exc, Untranslatable):
            raise
        raise Untranslatable(f"cannot read it ({exc})") from None
    if len(translated.parents) != re.compile(pattern, flags).groups:
        raise Untranslatable("its groups were not all found")  # never expected: a guard, not a rule
    return translated


def to_python(source: str) -> str:
    """A JavaScript regex written by ``translate`` back in Python's syntax (for tests and tools)."""
    source = re.sub(r"\(\?<(?![=!])", "(?P<", source)
    return re.sub(r"\\k<(\w+)>", r"(?P=\1)", source)


def cucumber_pattern(kind: str, pattern: str, info: StepDefinitionInfo | None) -> tuple[str, str]:
    """The stepDefinition's pattern: (type, source)."""
    if kind == "string":
        return _string_pattern(pattern)
    if info is None or not info.regex:
        return CUCUMBER_EXPRESSION, pattern  # a parser of its own: its name as it is
    try:
        return REGULAR_EXPRESSION, translate(info.regex, info.flags).anchored()
    except Untranslatable:
        return REGULAR_EXPRESSION, info.regex


def _string_pattern(pattern: str) -> tuple[str, str]:
    """A ``parsers.string`` text: itself as a Cucumber expression when nothing in it has a meaning
    there, else the escaped text as an anchored regular expression."""
    literal = not (_EXPRESSION_SPECIALS & set(pattern)) and not pattern.startswith("^")
    if literal and not pattern.endswith("$"):
        return CUCUMBER_EXPRESSION, pattern
    return REGULAR_EXPRESSION, "^" + "".join(_literal(char, in_class=False) for char in pattern) + "$"


def parameter_type_name(name: str) -> str:
    """An ``extra_types`` name as Cucumber accepts it: cfparse's ``Number+`` is ``Number_many``
    (``*`` ``_any``, ``?`` ``_optional``), another character Cucumber refuses is ``_``."""
    return _ILLEGAL_NAME.sub(lambda m: _CARDINALITY.get(m.group(), "_"), name)


def parameter_type_regex(regex: str) -> str:
    """A parameter type's regex as JavaScript reads it (as Python wrote it when it cannot)."""
    try:
        return translate(regex).source
    except Untranslatable:
        return regex


@lru_cache(maxsize=4096)
def _compiled(regex: str, flags: int) -> tuple[re.Pattern[str], tuple[tuple[int, ...], ...]] | None:
    """The compiled regex and, per group number (0: the whole), the numbers of its child groups."""
    try:
        compiled = re.compile(regex, flags)
        parents = _group_parents(regex, flags)
    except re.error:
        return None
    children: list[list[int]] = [[] for _ in range(len(parents) + 1)]
    for number, parent in enumerate(parents, start=1):
        children[parent].append(number)
    return compiled, tuple(tuple(c) for c in children)


def _group_parents(regex: str, flags: int) -> list[int]:
    try:
        return translate(regex, flags).parents
    except Untranslatable:
        groups = re.compile(regex, flags).groups
        return [0] * groups  # the nesting is unknown: every group an argument of its own


def match_arguments(info: StepDefinitionInfo, text: str) -> list[dict[str, Any]]:
    """The stepMatchArguments of ``text`` matched by the definition (none when it does not match)."""
    found = _compiled(info.regex, info.flags) if info.regex else None
    if found is None:
        return []
    compiled, children = found
    match = compiled.fullmatch(text)
    if match is None:
        return []
    names = [*info.types, *[""] * (len(children[0]) - len(info.types))]  # the types of the outermost groups
    return [_argument(_group(match, number, children), name) for number, name in zip(children[0], names, strict=False)]


def _argument(group: dict[str, Any], type_name: str) -> dict[str, Any]:
    argument: dict[str, Any] = {"group": group}
    if type_name:
        argument["parameterTypeName"] = parameter_type_name(type_name)
    return argument


def _group(match: re.Match[str], number: int, children: tuple[tuple[int, ...], ...]) -> dict[str, Any]:
    group: dict[str, Any] = {}
    if match.start(number) >= 0:
        group = {"start": match.start(number), "value": match.group(number)}
    nested = [_group(match, child, children) for child in children[number]]
    if nested:
        group["children"] = nested
    return group


def info_from_key(kind: str, pattern: str, key: str) -> StepDefinitionInfo | None:
    """What the key alone tells of a definition no worker described (its worker died): enough for
    ``string`` and ``re`` (flags unknown) and for parse formats without ``extra_types``."""
    try:
        if kind == "string":
            return StepDefinitionInfo(key, re.escape(pattern))
        if kind == "re":
            re.compile(pattern)
            return StepDefinitionInfo(key, pattern)
        if kind in ("parse", "cfparse"):
            return StepDefinitionInfo(key, *_parse_regex(pattern))
    except Exception:  # noqa: BLE001 - an unknown type, a pattern that needs its flags: not described
        return None
    return None


def _parse_regex(pattern: str) -> tuple[str, int]:
    import parse  # type: ignore[import-untyped, unused-ignore]

    compiled = parse.compile(pattern)
    return str(compiled._expression), int(compiled._re_flags)


def group_numbers(regex: str, flags: int) -> Mapping[int, tuple[int, ...]]:
    """Per group number (0: the whole regex), its child groups' numbers (for tests)."""
    found = _compiled(regex, flags)
    return {} if found is None else dict(enumerate(found[1]))
