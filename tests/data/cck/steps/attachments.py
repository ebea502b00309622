"""Step definitions of the kit's sample "attachments": text, a log, JSON, bytes, a renamed PDF and a
link are attached; the last step attaches and then fails."""

from pathlib import Path

from pytest_bdd import parsers, when

from living_checklist import attach

PDF = Path(__file__).parent / "document.pdf"
LOG = "text/x.cucumber.log+plain"  # Cucumber's log(text)


@when(parsers.re(r'the string "(?P<text>[^"]*)" is attached as "(?P<media_type>[^"]*)"'))
def _(text: str, media_type: str) -> None:
    attach(text, media_type)


@when(parsers.parse('the string "{text}" is logged'))
def _(text: str) -> None:
    attach(text, LOG)


@when("text with ANSI escapes is logged")
def _() -> None:
    attach(
        "This displays a \x1b[31mr\x1b[0m\x1b[91ma\x1b[0m\x1b[33mi\x1b[0m\x1b[32mn\x1b[0m"
        "\x1b[34mb\x1b[0m\x1b[95mo\x1b[0m\x1b[35mw\x1b[0m",
        LOG,
    )


@when(parsers.parse('the following string is attached as "{media_type}":'))
def _(media_type: str, docstring: str) -> None:
    attach(docstring, media_type)


@when(parsers.parse('an array with {size:d} bytes is attached as "{media_type}"'))
def _(size: int, media_type: str) -> None:
    attach(bytes(range(size)), media_type)


@when("a PDF document is attached and renamed")
def _() -> None:
    attach(PDF.read_bytes(), "application/pdf", name="renamed.pdf")


@when(parsers.parse('a link to "{uri}" is attached'))
def _(uri: str) -> None:
    attach(uri, "text/uri-list")  # Cucumber's link(uri)


@when(parsers.re(r'the string "(?P<text>[^"]*)" is attached as "(?P<media_type>[^"]*)" before a failure'))
def _(text: str, media_type: str) -> None:
    attach(text, media_type)
    raise Exception("whoops")
