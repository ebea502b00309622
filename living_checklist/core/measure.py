"""Measurements recorded by live steps, carried to the controller in ``user_properties``."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from living_checklist.core.pending import InvalidValue, Pending
from living_checklist.core.stats import Bounds, Histogram, HistogramError

MEASUREMENT_PROPERTY = "measurement"

COMPARISONS = (">=", "<=", "==", ">", "<")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    value: float | str
    unit: str
    required: float | str | None
    comparison: str
    # For a median or percentile: the confidence bounds its verdict used (None for a point
    # estimate) and the samples' histogram, so that merging shards gives exact percentiles.
    bounds: Bounds | None = None
    histogram: Histogram | None = None

    def __post_init__(self) -> None:
        self._read_statistics()
        # Checked here, when a step records it, so that a bad one is that case's error (naming the
        # field) and never a report that fails its own schema.
        problems = self._problems()
        if problems:
            raise InvalidValue(f"Measurement {self.name!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        """What is wrong with the five fields, one text each."""
        problems = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(f"name must be a non-empty text, found {self.name!r}")
        if self.comparison not in COMPARISONS:
            problems.append(f"comparison must be one of {', '.join(COMPARISONS)}, found {self.comparison!r}")
        if not isinstance(self.unit, str):
            problems.append(f"unit must be a text, found {self.unit!r}")
        if not _number_or_text(self.value):
            problems.append(f"value must be a number or a text, found {self.value!r}")
        if self.required is not None and not _number_or_text(self.required):
            problems.append(f"required must be a number, a text or None, found {self.required!r}")
        return problems

    def _read_statistics(self) -> None:
        """``bounds`` and ``histogram`` as read back from JSON (mappings) become their dataclasses."""
        try:
            self._from_mappings()
        except (TypeError, HistogramError) as exc:
            raise InvalidValue(f"Measurement {self.name!r}: {exc}") from None
        if self.bounds is not None and not isinstance(self.bounds, Bounds):
            raise InvalidValue(f"Measurement {self.name!r}: bounds must be an object, found {self.bounds!r}")
        if self.histogram is not None and not isinstance(self.histogram, Histogram):
            raise InvalidValue(f"Measurement {self.name!r}: histogram must be an object, found {self.histogram!r}")

    def _from_mappings(self) -> None:
        if isinstance(self.bounds, Mapping):
            object.__setattr__(self, "bounds", Bounds(**self.bounds))
        if isinstance(self.histogram, Mapping):
            object.__setattr__(self, "histogram", Histogram.from_dict(self.histogram))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: the five keys always, ``bounds`` and ``histogram`` where there are some."""
        data: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "required": self.required,
            "comparison": self.comparison,
        }
        if self.bounds is not None:
            data["bounds"] = asdict(self.bounds)
        if self.histogram is not None:
            data["histogram"] = self.histogram.to_dict()
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)

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


def _number_or_text(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | str)


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
    value = float(stripped)
    if not math.isfinite(value):  # 1e999: no measurement can be compared with it, no JSON reader takes it
        raise InvalidValue(f"{what}: {text!r} is too large to be a number (it reads as infinity)")
    return value


class Node(Protocol):
    """What a measurement is attached to: the running case (a pytest item, ``request.node``)."""

    user_properties: list[tuple[str, object]]


def record(node: Node, measurement: Measurement) -> None:
    """Attach a measurement to the running case (serializable, so it survives xdist). It replaces an
    earlier figure of the same name that had no requirement (the figure a later check decides on)."""
    kept = []
    for key, value in node.user_properties:
        if key == MEASUREMENT_PROPERTY:
            earlier = Measurement.from_json(str(value))
            if earlier.name == measurement.name and earlier.required is None:
                continue
        kept.append((key, value))
    node.user_properties[:] = kept
    node.user_properties.append((MEASUREMENT_PROPERTY, measurement.to_json()))


def check(
    node: Node,
    name: str,
    value: float | str,
    unit: str,
    required: float | str | None,
    comparison: str = ">=",
    context: str = "",
) -> Measurement:
    """Record a measurement and fail the step if it does not hold, saying measured vs required:
    ``<name>: measured X unit, required <= Y`` (then ``context``, e.g. the command and its output)."""
    measurement = Measurement(name=name, value=value, unit=unit, required=required, comparison=comparison)
    record(node, measurement)
    if not measurement.holds():
        prefix = "" if name in unit else f"{name}: "
        raise AssertionError(prefix + measurement.describe() + (f"\n{context}" if context else ""))
    return measurement
