"""Step definitions of the kit's sample "examples-tables-undefined-multiple": each value that is no
integer leaves its step undefined."""

from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when


@pytest.fixture
def world() -> dict[str, Any]:
    return {}


@given(parsers.parse("there are {count:d} cucumbers"))
def _(world: dict[str, Any], count: int) -> None:
    world["count"] = count


@when(parsers.parse("I eat {count:d} cucumbers"))
def _(world: dict[str, Any], count: int) -> None:
    world["count"] -= count


@then(parsers.parse("I should have {count:d} cucumbers"))
def _(world: dict[str, Any], count: int) -> None:
    assert world["count"] == count, f"Expected values to be strictly equal:\n\n{world['count']} !== {count}\n"
