"""Step definitions of the kit's sample "hooks-attachment": scenario hooks attach the kit's image."""

from pathlib import Path
from typing import Any

from pytest_bdd import when

from living_checklist import attach

SVG = Path(__file__).parent / "cucumber.svg"


def pytest_bdd_before_scenario(request: Any, feature: Any, scenario: Any) -> None:
    attach(SVG.read_bytes(), "image/svg+xml")


@when("a step passes")
def _() -> None:
    pass


def pytest_bdd_after_scenario(request: Any, feature: Any, scenario: Any) -> None:
    attach(SVG.read_bytes(), "image/svg+xml")
