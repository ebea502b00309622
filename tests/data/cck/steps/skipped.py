"""Step definitions of the kit's sample "skipped": a step skips the rest of its scenario."""

import pytest
from pytest_bdd import given


@given("a step that does not skip")
def _() -> None:
    pass


@given("a step that is skipped")
def _() -> None:
    pass


@given("I skip a step")
def _() -> None:
    pytest.skip("skipped from a step")
