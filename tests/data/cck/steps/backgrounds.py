"""Step definitions of the kit's sample "backgrounds": its background steps are prepended to each scenario's."""

from pytest_bdd import given, parsers, then, when


@given(parsers.parse('an order for "{item}"'))
def _(item: str) -> None:
    pass


@when("an action")
def _() -> None:
    pass


@then("an outcome")
def _() -> None:
    pass
