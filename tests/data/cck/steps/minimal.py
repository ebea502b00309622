"""Step definitions of the kit's sample "minimal", in Python (the kit's own are TypeScript)."""

from pytest_bdd import given, parsers


@given(parsers.parse("I have {count:d} cukes in my belly"))
def _(count: int) -> None:
    pass
