"""Measurements recorded by live steps, carried to the controller in ``user_properties``."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass

import pytest

from living_checklist._pending import InvalidValue, Pending

MEASUREMENT_PROPERTY = "measurement"

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Measurement:
    name: str
    value: float | str
    unit: str
    required: float | str | None
    comparison: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Measurement:
        data = json.loads(text)
        return cls(**data)

    def holds(self) -> bool:
        if self.required is None:
            return True
        if isinstance(self.value, str) or isinstance(self.required, str):
            return self.value == self.required if self.comparison == "==" else False
        return {
            ">=": self.value >= self.required,
            "<=": self.value <= self.required,
            "==": self.value == self.required,
            ">": self.value > self.required,
            "<": self.value < self.required,
        }[self.comparison]

    def describe(self) -> str:
        """``measured 2 CPU cores, required >= 8``"""
        unit = f" {self.unit}" if self.unit else ""
        text = f"measured {_fmt(self.value)}{unit}"
        if self.required is not None:
            text += f", required {self.comparison} {_fmt(self.required)}"
        return text


def _fmt(value: float | str) -> str:
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def parse_value(text: str, what: str = "value") -> float:
    """A number from a step; ``TBD`` makes the step pending, anything else is ``InvalidValue``."""
    stripped = text.strip()
    if stripped == "TBD":
        raise Pending(f"{what} is TBD: write the required number in the feature file", reason="tbd")
    if not _NUMBER.fullmatch(stripped):
        raise InvalidValue(f"{what}: expected a number or TBD, found {text!r}")
    return float(stripped)


def record(node: pytest.Item, measurement: Measurement) -> None:
    """Attach a measurement to the running case (serializable, so it survives xdist)."""
    node.user_properties.append((MEASUREMENT_PROPERTY, measurement.to_json()))


def check(
    node: pytest.Item,
    name: str,
    value: float | str,
    unit: str,
    required: float | str | None,
    comparison: str = ">=",
) -> Measurement:
    """Record a measurement and fail the step, measured vs required, if it does not hold."""
    measurement = Measurement(name=name, value=value, unit=unit, required=required, comparison=comparison)
    record(node, measurement)
    if not measurement.holds():
        raise AssertionError(measurement.describe())
    return measurement
