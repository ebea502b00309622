"""The living checklist: Gherkin requirements counted and run by plain pytest."""

from __future__ import annotations

from checklist._pending import InvalidValue, Pending, pending
from checklist.measure import Measurement, check, parse_value, record

__all__ = ["InvalidValue", "Measurement", "Pending", "check", "parse_value", "pending", "record"]
