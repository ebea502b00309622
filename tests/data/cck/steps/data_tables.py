"""Step definitions of the kit's sample "data-tables"."""

from typing import Any

import pytest
from pytest_bdd import then, when


@pytest.fixture
def world() -> dict[str, Any]:
    return {}


@when("the following table is transposed:")
def _(world: dict[str, Any], datatable: list[list[str]]) -> None:
    world["transposed"] = [list(column) for column in zip(*datatable, strict=True)]


@then("it should be:")
def _(world: dict[str, Any], datatable: list[list[str]]) -> None:
    assert world["transposed"] == datatable
