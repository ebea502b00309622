"""Step definitions of the kit's sample "regular-expression": one regex with optional groups (named,
as pytest-bdd passes a regex's named groups to the function)."""

from pytest_bdd import given, parsers


@given(parsers.re(r"^a (?P<vegetable1>.*?)(?: and a (?P<vegetable2>.*?))?(?: and a (?P<vegetable3>.*?))?$"))
def _(vegetable1: str, vegetable2: str | None, vegetable3: str | None) -> None:
    assert vegetable1 == "cucumber"
    assert vegetable2 in (None, "zucchini")
    assert vegetable3 in (None, "gourd")
