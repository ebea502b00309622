"""Step definitions of the kit's sample "cdata": a step text with XML's CDATA markers in it."""

from pytest_bdd import given, parsers


@given(parsers.parse("I have {count:d} <![CDATA[cukes]]> in my belly"))
def _(count: int) -> None:
    assert count == 42
