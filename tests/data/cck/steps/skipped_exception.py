"""Step definitions of the kit's sample "skipped-exception": the step skips by raising pytest's skip
exception (the kit's ``SkippedException``) with a message."""

import pytest
from pytest_bdd import given


@given("I skip a step")
def _() -> None:
    raise pytest.skip.Exception("skipping")
