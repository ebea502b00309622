"""Step definitions of the kit's sample "hooks-conditional": a tag asks for the fixtures that are its
hooks (pytest-bdd's ``pytest_bdd_apply_tag`` marks the scenario ``usefixtures``)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_bdd import when


@pytest.fixture
def passing_before() -> None:
    pass


@pytest.fixture
def fail_before() -> None:
    raise Exception("Exception in conditional hook")


@when("a step passes")
def _() -> None:
    pass


@pytest.fixture
def fail_after() -> Iterator[None]:
    yield
    raise Exception("Exception in conditional hook")


@pytest.fixture
def passing_after() -> Iterator[None]:
    yield


TAG_FIXTURES = {
    "fail-before": ("fail_before",),
    "fail-after": ("fail_after",),
    "passing-hook": ("passing_before", "passing_after"),
}


def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> bool | None:
    if tag not in TAG_FIXTURES:
        return None
    pytest.mark.usefixtures(*TAG_FIXTURES[tag])(function)
    return True
