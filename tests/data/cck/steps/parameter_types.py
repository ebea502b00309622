"""Step definitions of the kit's sample "parameter-types": a parse ``extra_types`` converter is
Cucumber's parameter type (its two groups are the argument's children)."""

from dataclasses import dataclass

import parse
from pytest_bdd import given, parsers


@dataclass(frozen=True)
class Flight:
    origin: str
    destination: str


@parse.with_pattern(r"([A-Z]{3})-([A-Z]{3})", regex_group_count=2)
def flight(text: str) -> Flight:
    origin, destination = text.split("-")
    return Flight(origin, destination)


@given(parsers.parse("{flight:flight} has been delayed", extra_types={"flight": flight}))
def _(flight: Flight) -> None:
    assert flight == Flight("LHR", "CDG")
