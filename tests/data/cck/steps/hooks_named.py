"""Step definitions of the kit's sample "hooks-named": fixtures are hooks, named by their docstring."""

from collections.abc import Iterator

import pytest
from pytest_bdd import when


@pytest.fixture(autouse=True)
def before_hook() -> None:
    """A named before hook"""


@when("a step passes")
def _() -> None:
    pass


@pytest.fixture(autouse=True)
def after_hook() -> Iterator[None]:
    """A named after hook"""
    yield
