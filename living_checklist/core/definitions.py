"""Step definitions as the Cucumber Messages need them: each one's regular expression, carried from
where the definitions are (the serial run, or each xdist worker) to the controller.

Pure records: ``run.definitions`` makes them from pytest-bdd's parsers; ``reports.patterns`` turns
them into the patterns Cucumber's engines compile and into the arguments a step matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParameterTypeInfo:
    """A parse/cfparse ``extra_types`` converter: its name, the regex parse uses for it, where it is."""

    name: str
    regex: str
    uri: str = ""
    line: int = 0


@dataclass(frozen=True)
class StepDefinitionInfo:
    """One registered step definition.

    ``key`` is its ``reports.messages.StepDefRef`` key (what the steps that matched it carry);
    ``regex`` and ``flags`` the Python regular expression its parser matches a whole step text with
    ("" when the parser is none of pytest-bdd's); ``types`` per outermost capture group the
    ``extra_types`` name of its field ("" for a built-in type or none).
    """

    key: str
    regex: str
    flags: int = 0
    types: tuple[str, ...] = ()
    parameter_types: tuple[ParameterTypeInfo, ...] = ()

    def to_row(self) -> list[Any]:
        """Plain lists and strings, as xdist's ``workeroutput`` carries them."""
        kinds = [[p.name, p.regex, p.uri, p.line] for p in self.parameter_types]
        return [self.key, self.regex, self.flags, list(self.types), kinds]

    @classmethod
    def from_row(cls, row: Any) -> StepDefinitionInfo | None:
        try:
            key, regex, flags, types, kinds = row
            parameter_types = tuple(ParameterTypeInfo(str(n), str(r), str(u), int(ln)) for n, r, u, ln in kinds)
            return cls(str(key), str(regex), int(flags), tuple(str(t) for t in types), parameter_types)
        except (TypeError, ValueError):
            return None
