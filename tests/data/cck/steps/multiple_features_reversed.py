"""Step definitions of the kit's sample "multiple-features-reversed", and its ``--order reverse``:
the cases of all three files run last first."""

import pytest
from pytest_bdd import given, parsers


@given(parsers.parse('an order for "{item}"'))
def _(item: str) -> None:
    pass


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()
