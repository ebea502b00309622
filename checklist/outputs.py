"""Report outputs besides JSON (Markdown, HTML, Cucumber JSON) and the baseline ratchet.

Called by the plugin on the controller once the checklist is final.
"""

from __future__ import annotations

from typing import Any

import pytest

from checklist.status import Checklist


def add_options(group: Any) -> None:
    """Register the output options on the ``living checklist`` option group."""


def validate(config: pytest.Config) -> None:
    """Check option values at configure time; raise ``pytest.UsageError`` saying how to fix them."""


def write_all(config: pytest.Config, checklist: Checklist, seeds: list[dict[str, Any]]) -> list[str]:
    """Write every requested output; return problems that must fail the run (baseline regressions)."""
    return []


def terminal_lines(config: pytest.Config, checklist: Checklist) -> list[str]:
    """Extra lines for the terminal section (e.g. the change since the baseline)."""
    return []
