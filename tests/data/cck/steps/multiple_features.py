"""Step definitions of the kit's sample "multiple-features": three files, their cases run in file order."""

from pytest_bdd import given, parsers


@given(parsers.parse('an order for "{item}"'))
def _(item: str) -> None:
    pass
