"""Step definitions of the kit's sample "retry-ambiguous": two definitions of the same step."""

from pytest_bdd import given


@given("an ambiguous step")
def _first() -> None:
    pass


@given("an ambiguous step")
def _second() -> None:
    pass
