"""Step definitions of the kit's sample "retry" (run with ``--reruns 2``, the kit's ``--retry 2``)."""

from pytest_bdd import given

calls = {"second": 0, "third": 0}


@given("a step that always passes")
def _() -> None:
    pass


@given("a step that passes the second time")
def _() -> None:
    calls["second"] += 1
    if calls["second"] < 2:
        raise RuntimeError("Exception in step")


@given("a step that passes the third time")
def _() -> None:
    calls["third"] += 1
    if calls["third"] < 3:
        raise RuntimeError("Exception in step")


@given("a step that always fails")
def _() -> None:
    raise RuntimeError("Exception in step")
