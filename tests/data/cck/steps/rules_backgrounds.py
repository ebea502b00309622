"""Step definitions of the kit's sample "rules-backgrounds": the feature's background steps, then the
rule's, are prepended to each example's."""

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
