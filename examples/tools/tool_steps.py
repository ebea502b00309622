"""A step of this example's own: a requirement on a program this machine does not have is pending
with the reason, not an error (the service would not start)."""

from __future__ import annotations

import shutil

from pytest_bdd import given, parsers

import living_checklist


@given(parsers.parse('the program "{name}" is installed'))
def program_installed(name: str) -> None:
    """Pending, saying so, where the program is not on PATH."""
    if shutil.which(name) is None:
        living_checklist.pending(f"{name} is not installed on this machine: install it to check these requirements")
