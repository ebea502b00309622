"""Step definitions of the kit's sample "failedish-combinations": what follows the first step that did not pass."""

import pytest
from pytest_bdd import given, parsers

from living_checklist import pending


@given(parsers.re(r"^a step$"))
def _() -> None:
    pass


@given(parsers.re(r"^a skipped step$"))
def _() -> None:
    pytest.skip("skipped from a step")


@given(parsers.re(r"^a pending step$"))
def _() -> None:
    pending("not implemented yet")


@given(parsers.re(r"^an ambiguous (.*?)$"))
def _() -> None:
    pass


@given(parsers.re(r"^(.*?) ambiguous step$"))
def _() -> None:
    pass


@given(parsers.re(r"^a failing step$"))
def _() -> None:
    raise Exception("whoops")
