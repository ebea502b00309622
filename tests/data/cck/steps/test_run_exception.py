"""Step definitions of the kit's sample "test-run-exception": the run breaks outside any step or hook.

The kit's ``--error`` makes its runner throw before the first test case; here a plugin's
``pytest_runtestloop`` raises (pytest's INTERNALERROR), which is no step, no Cucumber hook and no
case's fixture: what the kit calls a bug in the runner.
"""

from typing import Any

import pytest
from pytest_bdd import given


@given("a step")
def _() -> None:
    pass


@pytest.hookimpl(tryfirst=True)  # before xdist's own loop, under -n too
def pytest_runtestloop(session: Any) -> None:
    raise RuntimeError("Whoops!")
