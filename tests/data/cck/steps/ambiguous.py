"""Step definitions of the kit's sample "ambiguous": two definitions match the same step."""

from pytest_bdd import given, parsers


@given(parsers.re(r"^a (.*?) with (.*?)$"))
def _() -> None:
    pass


@given(parsers.re(r"^a step with (.*?)$"))
def _() -> None:
    pass
