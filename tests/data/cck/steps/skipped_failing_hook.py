"""Step definitions of the kit's sample "skipped-failing-hook": an After hook fails after a step skipped."""

from typing import Any

import pytest
from pytest_bdd import given


@given("a step that skips")
def _() -> None:
    pytest.skip("skipped from a step")


def pytest_bdd_after_scenario(request: Any, feature: Any, scenario: Any) -> None:
    raise Exception("whoops")
