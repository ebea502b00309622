"""Step definitions of the kit's sample "pending-exception": the step raises the pending exception
(the kit's ``PendingException``) with a message."""

from pytest_bdd import given

from living_checklist import Pending


@given("an unimplemented pending step")
def _() -> None:
    raise Pending("TODO")
