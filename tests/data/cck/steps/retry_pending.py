"""Step definitions of the kit's sample "retry-pending": the step says it is not implemented yet."""

from pytest_bdd import given

from living_checklist import pending


@given("a pending step")
def _() -> None:
    pending("not implemented yet")
