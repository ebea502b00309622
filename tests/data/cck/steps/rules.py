"""Step definitions of the kit's sample "rules"."""

from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when


@pytest.fixture
def world() -> dict[str, Any]:
    return {}


@given(parsers.parse("the customer has {money:d} cents"))
def _(world: dict[str, Any], money: int) -> None:
    world["money"] = money


@given("there are chocolate bars in stock")
def _(world: dict[str, Any]) -> None:
    world["stock"] = ["Mars"]


@given("there are no chocolate bars in stock")
def _(world: dict[str, Any]) -> None:
    world["stock"] = []


@when(parsers.parse("the customer tries to buy a {price:d} cent chocolate bar"))
def _(world: dict[str, Any], price: int) -> None:
    if world["money"] >= price and world["stock"]:
        world["chocolate"] = world["stock"].pop()


@then("the sale should not happen")
def _(world: dict[str, Any]) -> None:
    assert world.get("chocolate") is None


@then("the sale should happen")
def _(world: dict[str, Any]) -> None:
    assert world.get("chocolate")
