"""Step definitions of the kit's sample "pending": one step says it is not implemented yet."""

from pytest_bdd import given

from living_checklist import pending


@given("an implemented non-pending step")
def _() -> None:
    pass


@given("an implemented step that is skipped")
def _() -> None:
    pass


@given("an unimplemented pending step")
def _() -> None:
    pending("not implemented yet")
