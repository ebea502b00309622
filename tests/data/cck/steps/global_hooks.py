"""Step definitions of the kit's sample "global-hooks": session fixtures are BeforeAll and AfterAll
hooks (autouse fixtures are set up in name order, torn down in reverse)."""

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


@when("a step fails")
def _() -> None:
    raise Exception("Exception in step")


@pytest.fixture(scope="session", autouse=True)
def after_all_1() -> Iterator[None]:
    yield


@pytest.fixture(scope="session", autouse=True)
def after_all_2() -> Iterator[None]:
    yield
