"""The living checklist: Gherkin requirements counted and run by plain pytest.

PYTEST_DONT_REWRITE: the plugin raises its own messages; an editable install imports this package
before pytest's rewrite hook can see it, which would otherwise warn in every nested pytest run.
"""

from __future__ import annotations

from living_checklist._pending import InvalidValue, Pending, pending
from living_checklist.measure import Measurement, check, parse_value, record

__all__ = ["InvalidValue", "Measurement", "Pending", "check", "parse_value", "pending", "record"]
