"""What the end of a run decides from its checklist: the node id of every case of the inventory,
the exit status, and the hint an empty checklist gets."""

from __future__ import annotations

import pytest

from living_checklist.core.inventory import Inventory, requirement_item_name
from living_checklist.core.status import Checklist


def node_ids(inventory: Inventory) -> dict[tuple[str, str], str]:
    """(feature, item name) -> node id, for every case and every requirement without cases."""
    nodeids = {}
    for req in inventory.requirements:
        for case in req.cases:
            nodeids[(req.feature, case.item_name)] = f"{req.feature}::{case.item_name}"
        if not req.cases:
            name = requirement_item_name(req)
            nodeids[(req.feature, name)] = f"{req.feature}::{name}"
    return nodeids


EMPTY_HINT = (
    "no requirement yet: add a scenario tagged with its id (e.g. @PERF-001) to a .feature file under the "
    "features folder (features/README.md shows one), or write the stock slots of an area with "
    "`living-checklist init --areas performance`"
)


def no_requirements(result: Checklist) -> bool:
    return not result.results and not result.errors and not result.findings


def exit_status(result: Checklist, regressions: list[str], status: int | pytest.ExitCode) -> int | pytest.ExitCode:
    """The run's exit status once the checklist is known."""
    # An incomplete checklist is never a green run, whatever the cases that did run said.
    if (not result.ok or not result.complete or regressions) and status == pytest.ExitCode.OK:
        return pytest.ExitCode.TESTS_FAILED
    # A checklist with no requirement yet (init --empty) is a finished run that found nothing wrong.
    if status == pytest.ExitCode.NO_TESTS_COLLECTED and no_requirements(result) and result.complete:
        return pytest.ExitCode.OK
    return status
