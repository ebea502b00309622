"""Step definitions of the kit's sample "stack-traces": the step raises an exception."""

from pytest_bdd import when


@when("a step throws an exception")
def _() -> None:
    raise Exception("BOOM")
