"""Step definitions of the kit's sample "global-hooks-beforeall-error": a session fixture fails."""

from collections.abc import Iterator

import pytest
from pytest_bdd import when


@pytest.fixture(scope="session", autouse=True)
def before_all_1() -> None:
    pass


@pytest.fixture(scope="session", autouse=True)
def before_all_2() -> None:
    raise Exception("BeforeAll hook went wrong")


@pytest.fixture(scope="session", autouse=True)
def before_all_3() -> None:
    pass


@when("a step passes")
def _() -> None:
    pass


@pytest.fixture(scope="session", autouse=True)
def after_all_1() -> Iterator[None]:
    yield


@pytest.fixture(scope="session", autouse=True)
def after_all_2() -> Iterator[None]:
    yield
