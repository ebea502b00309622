"""The model of the requirements: steps, cases (pickles), requirements, feature files and problems.

Frozen, slotted dataclasses with no behaviour beyond what they are; ``core.inventory`` makes them
from gherkin-official's AST and pickles, every other module reads them. No pytest here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PENDING_TAG = "pending"
SEED_TAG_PREFIX = "seed-"
TBD = re.compile(r"\bTBD\b")


def _rebuilt_by_init(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """``__reduce__`` of the slotted records: unpickled by one call of the class (the inventory
    cache holds hundreds of thousands of them; dataclasses' own ``__setstate__`` for slotted
    frozen classes sets each field from Python and made loading the cache twice as slow)."""
    cls = type(self)
    return cls, tuple(getattr(self, name) for name in cls.__slots__)


# Pickle step types → pytest-bdd step types; "Unknown" (a leading `*`) matches any type.
STEP_TYPES: Mapping[str, str | None] = {"Context": "given", "Action": "when", "Outcome": "then", "Unknown": None}


class Located(Protocol):
    """A problem at a place in a file: a Gherkin error, a lint finding."""

    @property
    def path(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...

    @property
    def message(self) -> str: ...


def problem_data(problem: Located) -> dict[str, Any]:
    """A problem as the JSON outputs write it: path, line, column, message and the one-line text."""
    return {
        "path": problem.path,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "text": str(problem),
    }


@dataclass(frozen=True, slots=True)
class GherkinError:
    """A problem in a feature file, printed the way compilers do: ``path:line:col: message``."""

    __reduce__ = _rebuilt_by_init

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Step:
    __reduce__ = _rebuilt_by_init

    keyword: str
    type: str | None
    text: str
    line: int
    column: int
    docstring: str | None = None
    datatable: tuple[tuple[str, ...], ...] | None = None

    @property
    def has_tbd(self) -> bool:
        if "TBD" not in self.text and self.docstring is None and self.datatable is None:
            return False  # the common case, without a regular expression (asked for every step of every run)
        return any(TBD.search(part) for part in self._texts())

    def _texts(self) -> Iterator[str]:
        """The step's text, its doc string and its table's cells, in that order."""
        yield self.text
        if self.docstring is not None:
            yield self.docstring
        for row in self.datatable or ():
            yield from row


@dataclass(frozen=True, slots=True)
class Case:
    """One pickle: the scenario itself, or one Examples row of an outline."""

    __reduce__ = _rebuilt_by_init

    name: str
    item_name: str
    line: int
    tags: tuple[str, ...]
    steps: tuple[Step, ...]
    example: tuple[tuple[str, str], ...] = ()

    @property
    def has_tbd(self) -> bool:
        return any(step.has_tbd for step in self.steps)

    @property
    def tagged_pending(self) -> bool:
        """``@pending`` on the feature, rule, scenario or this case's Examples block."""
        return PENDING_TAG in self.tags


@dataclass(frozen=True, slots=True)
class ExamplesInfo:
    __reduce__ = _rebuilt_by_init

    line: int
    column: int
    name: str
    header: tuple[str, ...]
    rows: int


@dataclass(frozen=True, slots=True)
class Requirement:
    __reduce__ = _rebuilt_by_init

    id: str
    has_id: bool
    id_tags: tuple[str, ...]
    name: str
    description: str
    keyword: str
    feature: str
    feature_name: str
    rule: str | None
    line: int
    column: int
    area: str
    tags: tuple[str, ...]
    seeds: tuple[str, ...]
    cases: tuple[Case, ...]
    text: str
    item_name: str = ""
    own_tags: tuple[str, ...] = ()
    # Every <name> the scenario's name, steps, doc strings and tables refer to (outline parameters).
    parameters: frozenset[str] = frozenset()
    outline_steps: tuple[Step, ...] = ()
    examples: tuple[ExamplesInfo, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.feature}:{self.line}"

    @property
    def tagged_pending(self) -> bool:
        return PENDING_TAG in self.tags


@dataclass(frozen=True, slots=True)
class FeatureDoc:
    __reduce__ = _rebuilt_by_init

    path: str
    name: str
    language: str
    requirements: tuple[Requirement, ...] = ()
    errors: tuple[GherkinError, ...] = ()


@dataclass(frozen=True)
class Inventory:
    features: tuple[FeatureDoc, ...] = ()

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(req for doc in self.features for req in doc.requirements)

    @property
    def errors(self) -> tuple[GherkinError, ...]:
        return tuple(err for doc in self.features for err in doc.errors)
