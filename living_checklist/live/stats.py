"""Summaries of a series of runs' measurements: median, percentile, throughput."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median (``statistics.median``); raises ``ValueError`` on no data."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile, 0 <= q <= 100, interpolating between order statistics.

    Same definition as ``statistics.quantiles(method="inclusive")`` (and numpy's default):
    ``percentile(v, 50) == median(v)``, ``percentile(v, 0) == min(v)``, ``percentile(v, 100) == max(v)``.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q!r}")
    ordered = sorted(float(v) for v in values)
    if len(ordered) == 1 or q == 0:
        return ordered[0]
    if q == 100:
        return ordered[-1]
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    # Interpolate from the lower neighbour and clamp: the weighted mean statistics.quantiles uses
    # can round just outside [low, high] (two equal values gave a result below both).
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return min(max(value, ordered[low]), ordered[high])


def throughput(wall_times: Sequence[float]) -> float:
    """Runs per second over a series of sequential runs: count / total wall time."""
    total = math.fsum(wall_times)
    if not wall_times or total <= 0:
        raise ValueError("throughput needs at least one run with a positive wall time")
    return len(wall_times) / total
