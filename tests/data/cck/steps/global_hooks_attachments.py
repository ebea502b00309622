"""Step definitions of the kit's sample "global-hooks-attachments": session fixtures attach text."""

from collections.abc import Iterator

import pytest
from pytest_bdd import when

from living_checklist import attach


@pytest.fixture(scope="session", autouse=True)
def before_all() -> None:
    attach("Attachment from BeforeAll hook", "text/plain")


@when("a step passes")
def _() -> None:
    pass


@pytest.fixture(scope="session", autouse=True)
def after_all() -> Iterator[None]:
    yield
    attach("Attachment from AfterAll hook", "text/plain")
