"""Step definitions of the kit's sample "hooks": pytest-bdd's scenario hooks are its Before and After."""

from typing import Any

from pytest_bdd import when


def pytest_bdd_before_scenario(request: Any, feature: Any, scenario: Any) -> None:
    pass


@when("a step passes")
def _() -> None:
    pass


@when("a step fails")
def _() -> None:
    raise Exception("Exception in step")


def pytest_bdd_after_scenario(request: Any, feature: Any, scenario: Any) -> None:
    pass
