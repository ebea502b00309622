"""Step definitions of the kit's sample "hooks-undefined": fixture hooks run around an undefined step."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def before() -> None:
    pass


@pytest.fixture(autouse=True)
def after() -> Iterator[None]:
    yield
