"""The living checklist: Gherkin requirements counted and run by plain pytest.

PYTEST_DONT_REWRITE: the plugin raises its own messages; an editable install imports this package
before pytest's rewrite hook can see it, which would otherwise warn in every nested pytest run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from living_checklist.core.attach import attach
from living_checklist.core.pending import InvalidValue, Pending, pending

if TYPE_CHECKING:
    from living_checklist.core.measure import Measurement, check, parse_value, record

__all__ = ["InvalidValue", "Measurement", "Pending", "attach", "check", "parse_value", "pending", "record"]


def __getattr__(name: str) -> Any:
    # measure imports pytest: loaded when first asked for, so that `living-checklist status` answered
    # from its snapshot (living_checklist.dryrun.snapshot) starts without pytest.
    if name in ("Measurement", "check", "parse_value", "record"):
        from living_checklist.core import measure

        return getattr(measure, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
