"""Median and percentile budgets, decided as ``checklist_confidence`` says (``core.stats``).

Not a pytest plugin itself: the system and service steps call ``check_quantile`` for every
``the median ... is at most <x> ms`` and ``the 95th percentile ... is at most <x> ms`` phrase, and
``quantile_figure`` for the figures a series or a load records before any budget is checked.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from living_checklist import Pending, record
from living_checklist.core import stats
from living_checklist.core.measure import Measurement
from living_checklist.live import runner
from living_checklist.run import settings
from living_checklist.steps.common import ms


def quantile_figure(name: str, seconds: Sequence[float], q: float) -> Measurement:
    """The ``q`` quantile of these durations in ms (a point estimate, no requirement yet), with
    their histogram."""
    return Measurement(
        name,
        ms(runner.percentile(seconds, q * 100)),
        "ms",
        None,
        "<=",
        histogram=stats.Histogram.of(s * 1000 for s in seconds),
    )


def lower_bound(request: pytest.FixtureRequest, seconds: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile's lower bound in ms as ``checklist_confidence`` decides a failure: the lower
    confidence bound (None when the runs are too few for one), or with 0 the point estimate."""
    confidence = settings.of(request.config).confidence
    if confidence == 0:
        return ms(runner.percentile(seconds, q * 100))
    return stats.Histogram.of(s * 1000 for s in seconds).bounds(q, confidence).lower


def check_quantile(
    request: pytest.FixtureRequest,
    name: str,
    seconds: Sequence[float],
    q: float,
    required_ms: float,
    context: str = "",
    what: str = "run",
) -> Measurement:
    """Record the ``q`` quantile of these durations against a budget of ``required_ms`` and decide it.

    With ``checklist_confidence`` c > 0 it is verified only when the distribution-free upper bound
    (confidence c) is within the budget, fails only when the lower bound is beyond it, and is
    otherwise pending (``inconclusive``) saying how many runs would decide it. With 0 the point
    estimate decides, as a plain comparison. Outliers are named in the message and kept in the
    figures; the measurement carries the bounds used and the histogram of the samples.
    """
    histogram = stats.Histogram.of(s * 1000 for s in seconds)
    confidence = settings.of(request.config).confidence
    judgement = stats.judge(histogram, q, required_ms, confidence, "ms") if confidence > 0 else None
    measurement = Measurement(
        name,
        ms(runner.percentile(seconds, q * 100)),
        "ms",
        required_ms,
        "<=",
        bounds=judgement.bounds if judgement else None,
        histogram=histogram,
    )
    record(request.node, measurement)
    outliers = stats.describe_outliers([s * 1000 for s in seconds], "ms", what)
    notes = "".join(f"\n{text}" for text in (context, outliers) if text)
    head = f"{name}: {measurement.describe()}"
    if judgement is None:
        if not measurement.holds():
            raise AssertionError(head + notes)
    elif judgement.verdict == "failing":
        bounds = judgement.bounds
        raise AssertionError(
            f"{head}; its {confidence * 100:g} % lower confidence bound {bounds.lower:.4g} ms over "
            f"{bounds.runs} {what}s is beyond the budget" + notes
        )
    elif judgement.verdict == "inconclusive":
        raise Pending(f"{head}; inconclusive: {judgement.why}" + notes, reason="inconclusive")
    return measurement
