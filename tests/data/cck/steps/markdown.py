"""Step definitions of the kit's sample "markdown" (``markdown.feature.md``, Markdown with Gherkin):
the outline's first row fails on purpose, after logging."""

from pytest_bdd import given, parsers, then, when

from living_checklist import attach


@given("some TypeScript code:")
def _(docstring: str) -> None:
    assert docstring


@given("some classic Gherkin:")
def _(docstring: str) -> None:
    assert docstring


@when(parsers.parse("we use a data table and attach something and then {word}"))
def _(word: str, datatable: list[list[str]]) -> None:
    assert datatable
    attach(f"We are logging some plain text ({word})", "text/x.cucumber.log+plain")
    if word == "fail":
        raise AssertionError("You asked me to fail")


@then("this might or might not run")
def _() -> None:
    pass
