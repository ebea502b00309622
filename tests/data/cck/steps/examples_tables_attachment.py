"""Step definitions of the kit's sample "examples-tables-attachment": each row attaches an image."""

from pathlib import Path

from pytest_bdd import when

from living_checklist import attach

HERE = Path(__file__).parent


@when("a JPEG image is attached")
def _() -> None:
    attach((HERE / "cucumber.jpeg").read_bytes(), "image/jpeg")


@when("a PNG image is attached")
def _() -> None:
    attach((HERE / "cucumber.png").read_bytes(), "image/png")
