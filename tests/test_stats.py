"""Statistics of a budget (core/stats): order-statistic bounds, verdicts, outliers, histograms."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from living_checklist.core import stats
from living_checklist.core.measure import Measurement
from living_checklist.live import runner

samples = st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=1, max_size=120)
levels = st.sampled_from([0.5, 0.9, 0.95, 0.99])
confidences = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99])


def _exact_cdf(n: int, q: Fraction, k: int) -> Fraction:
    return sum((math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k + 1)), Fraction(0))


@pytest.mark.parametrize(
    ("q", "confidence", "upper", "lower"),
    [(0.95, 0.95, 59, 1), (0.5, 0.95, 5, 5), (0.9, 0.95, 29, 2), (0.99, 0.95, 299, 1), (0.95, 0.99, 90, 2)],
)
def test_runs_needed_table(q: float, confidence: float, upper: int, lower: int) -> None:
    assert stats.runs_for_upper(q, confidence) == upper
    assert 1 - q**upper >= confidence > 1 - q ** (upper - 1)
    assert stats.runs_for_lower(q, confidence) == lower
    assert stats.upper_rank(upper - 1, q, confidence) is None
    assert stats.upper_rank(upper, q, confidence) == upper


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), q=levels, confidence=confidences)
def test_ranks_agree_with_exact_binomial(n: int, q: float, confidence: float) -> None:
    fq, fc = Fraction(str(q)), Fraction(str(confidence))
    upper = stats.upper_rank(n, q, confidence)
    feasible_upper = [k for k in range(1, n + 1) if _exact_cdf(n, fq, k - 1) >= fc]
    assert upper == (feasible_upper[0] if feasible_upper else None)
    lower = stats.lower_rank(n, q, confidence)
    feasible_lower = [k for k in range(1, n + 1) if 1 - _exact_cdf(n, fq, k - 1) >= fc]
    assert lower == (feasible_lower[-1] if feasible_lower else None)


@pytest.mark.parametrize("distribution", ["exponential", "lognormal", "uniform"])
def test_bounds_bracket_the_true_quantile_at_the_stated_rate(distribution: str) -> None:
    """A seeded simulation: 2,000 series of 60 runs; the 95 % upper bound of the p95 (the maximum,
    which covers with chance 1 - 0.95**60 = 0.954) and the lower bound each hold about 95 % of the
    time, neither always (a bound that always held would be uselessly wide)."""
    rng = random.Random(25)
    draw, truth = {
        "exponential": (lambda: rng.expovariate(1.0), -math.log(0.05)),
        "lognormal": (lambda: rng.lognormvariate(0, 1), math.exp(1.6448536269514722)),
        "uniform": (lambda: rng.uniform(10, 20), 19.5),
    }[distribution]
    trials, upper_held, lower_held = 2000, 0, 0
    for _ in range(trials):
        bounds = stats.quantile_bounds([draw() for _ in range(60)], 0.95, 0.95)
        assert bounds.upper is not None and bounds.lower is not None
        upper_held += bounds.upper >= truth
        lower_held += bounds.lower <= truth
    expected_upper = 1 - 0.95**60
    assert abs(upper_held / trials - expected_upper) < 0.015, upper_held
    assert 0.935 < lower_held / trials < 0.99, lower_held


@settings(max_examples=80, deadline=None)
@given(values=samples, q=levels, low=confidences, high=confidences)
def test_bounds_widen_with_confidence(values: list[float], q: float, low: float, high: float) -> None:
    low, high = min(low, high), max(low, high)
    for bound in (stats.quantile_bounds, lambda v, q, c: stats.Histogram.of(v).bounds(q, c)):
        narrow, wide = bound(values, q, low), bound(values, q, high)
        assert (wide.upper if wide.upper is not None else math.inf) >= (
            narrow.upper if narrow.upper is not None else math.inf
        )
        assert (wide.lower if wide.lower is not None else -math.inf) <= (
            narrow.lower if narrow.lower is not None else -math.inf
        )


@settings(max_examples=80, deadline=None)
@given(values=samples, q=levels, confidence=confidences)
def test_histogram_bounds_are_never_narrower_than_the_raw_ones(
    values: list[float], q: float, confidence: float
) -> None:
    raw, binned = stats.quantile_bounds(values, q, confidence), stats.Histogram.of(values).bounds(q, confidence)
    assert (raw.upper is None) == (binned.upper is None) and (raw.lower is None) == (binned.lower is None)
    if raw.upper is not None and binned.upper is not None:
        assert raw.upper <= binned.upper <= max(raw.upper * 1.001 + 0.001, 0.0011)
    if raw.lower is not None and binned.lower is not None:
        assert binned.lower <= raw.lower + 1e-9


@settings(max_examples=60, deadline=None)
@given(shards=st.lists(samples, min_size=1, max_size=4), p=st.sampled_from([0, 50, 90, 95, 99, 100]))
def test_merge_in_any_order_equals_the_pooled_samples(shards: list[list[float]], p: float) -> None:
    pooled = stats.Histogram.of([v for shard in shards for v in shard])
    parts = [stats.Histogram.of(shard) for shard in shards]
    for order in itertools.permutations(parts):
        merged = stats.merge(order)
        assert merged == pooled
        assert merged.percentile(p) == pooled.percentile(p)
        assert stats.merge(order).bounds(0.95, 0.95) == pooled.bounds(0.95, 0.95)


@settings(max_examples=60, deadline=None)
@given(values=samples, p=st.sampled_from([0, 50, 95, 100]))
def test_histogram_percentile_is_within_its_resolution(values: list[float], p: float) -> None:
    exact = runner.percentile(values, p)
    assert abs(stats.Histogram.of(values).percentile(p) - exact) <= exact * 0.001 + 0.001


@example(values=[5.0, 5.0, 5.0])
@given(values=samples)
def test_histogram_round_trips_through_a_measurement(values: list[float]) -> None:
    histogram = stats.Histogram.of(values)
    bounds = histogram.bounds(0.5, 0.95)
    m = Measurement("median wall time", 1.0, "ms", 2.0, "<=", bounds=bounds, histogram=histogram)
    back = Measurement.from_json(m.to_json())
    assert back == m and back.histogram == histogram and back.bounds == bounds


def test_histogram_refuses_what_is_not_one() -> None:
    with pytest.raises(stats.HistogramError, match="digits"):
        stats.Histogram.from_dict({"scale": 0.001, "digits": 0, "counts": []})
    with pytest.raises(stats.HistogramError, match="not a bucket edge"):
        stats.Histogram.from_dict({"scale": 0.001, "digits": 4, "counts": [[12345, 1]]})
    with pytest.raises(stats.HistogramError, match="sorted"):
        stats.Histogram.from_dict({"scale": 0.001, "digits": 4, "counts": [[20, 1], [10, 1]]})
    with pytest.raises(stats.HistogramError, match="count >= 1"):
        stats.Histogram.from_dict({"scale": 0.001, "digits": 4, "counts": [[10, 0]]})
    with pytest.raises(stats.HistogramError, match="different resolutions"):
        stats.merge([stats.Histogram.of([1.0]), stats.Histogram.of([1.0], digits=3)])
    with pytest.raises(ValueError, match=">= 0"):
        stats.Histogram.of([-1.0])


def test_verdicts_and_what_would_decide_them() -> None:
    rng = random.Random(7)
    twenty = stats.Histogram.of([10 + rng.random() for _ in range(20)])
    sixty = stats.Histogram.of([10 + rng.random() for _ in range(60)])
    thin = stats.judge(twenty, 0.95, 1000, 0.95, "ms")
    assert thin.verdict == "inconclusive" and thin.runs_needed == 59
    assert "needs at least 59 runs" in thin.why
    assert stats.judge(sixty, 0.95, 1000, 0.95).verdict == "verified"
    for histogram in (twenty, sixty, stats.Histogram.of([10.0])):
        assert stats.judge(histogram, 0.95, 0.001, 0.95).verdict == "failing"
    between = stats.judge(sixty, 0.5, 10.5, 0.95, "ms")
    assert between.verdict == "inconclusive" and "about" in between.why
    assert between.runs_needed is not None and between.runs_needed > 60
    median_of_three = stats.judge(stats.Histogram.of([10.0, 11.0, 12.0]), 0.5, 0.001, 0.95)
    assert median_of_three.verdict == "inconclusive" and "needs at least 5 runs" in median_of_three.why


def test_outliers_by_modified_z_score() -> None:
    values = [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.3, 150.0, 10.1]
    assert stats.outliers(values) == (7,)
    assert "run 8 (150 ms)" in stats.describe_outliers(values, "ms")
    assert stats.outliers([5.0] * 10 + [6.0]) == (10,)  # MAD 0: the mean absolute deviation stands in
    assert stats.outliers([5.0] * 10) == ()
    assert stats.describe_outliers([1.0, 1.1, 0.9, 1.05], "ms") == ""


@pytest.mark.parametrize(
    ("q", "name"), [(0.5, "median"), (0.95, "95th percentile"), (0.999, "99.9th percentile"), (0.01, "1st percentile")]
)
def test_level_names(q: float, name: str) -> None:
    assert stats.level_name(q) == name


def test_large_counts_stay_fast() -> None:
    assert stats.upper_rank(1_000_000, 0.95, 0.95) == 950359
    assert stats.lower_rank(1_000_000, 0.95, 0.95) == 949641
