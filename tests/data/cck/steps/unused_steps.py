"""Step definitions of the kit's sample "unused-steps": the second one matches no step of the run."""

from pytest_bdd import given


@given("a step that is used")
def _() -> None:
    pass


@given("a step that is not used")
def _() -> None:
    pass
