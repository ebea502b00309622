"""Step definitions of the kit's sample "global-hooks-afterall-error": a session fixture's teardown
fails; the others still run, and the scenario is not charged with it."""

from collections.abc import Iterator

import pytest
from pytest_bdd import when


@pytest.fixture(scope="session", autouse=True)
def before_all_1() -> None:
    pass


@pytest.fixture(scope="session", autouse=True)
def before_all_2() -> None:
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
    raise Exception("AfterAll hook went wrong")


@pytest.fixture(scope="session", autouse=True)
def after_all_3() -> Iterator[None]:
    yield
