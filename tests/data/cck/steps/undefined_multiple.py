"""Step definitions of the kit's sample "undefined-multiple": several of its steps are left undefined on purpose."""

from pytest_bdd import given


@given("an implemented step")
def _() -> None:
    pass


@given("a step that will be skipped")
def _() -> None:
    pass
