"""Step definitions of the kit's sample "doc-strings"."""

from pytest_bdd import given


@given("a doc string:")
def _(docstring: str) -> None:
    assert docstring
