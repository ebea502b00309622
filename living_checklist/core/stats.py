"""Statistics of a budget: distribution-free bounds on a quantile, outliers, mergeable histograms.

Pure functions and small dataclasses, no pytest. A budget on a median or percentile is decided
from order statistics: the number of runs below the true ``q`` quantile is Binomial(n, q) whatever
the distribution, so the k-th smallest of n runs is an upper bound of that quantile with
probability P(Bin(n, q) <= k - 1) and a lower bound with probability P(Bin(n, q) >= k). A budget
is ``verified`` when the upper bound at the stated confidence is within it, ``failing`` when the
lower bound is beyond it, and ``inconclusive`` otherwise: each wrong verdict has a chance of at
most 1 - confidence. With too few runs there is no bound at all: a 95 % upper bound on the 95th
percentile needs at least 59 runs (1 - 0.95**59 >= 0.95).

A ``Histogram`` keeps the samples exactly enough to be merged: whole multiples of ``scale`` (a
microsecond for milliseconds) kept to ``digits`` significant digits (4: at most 0.1 % of the value,
or one microsecond below 10 ms). Its bounds use the bucket edges (the upper bound the bucket's
upper edge, the lower bound its lower edge), so a verdict from a histogram is never less careful
than one from the raw samples, and merging shards' histograms in any order gives the same
percentiles as the histogram of all their samples together.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

DEFAULT_CONFIDENCE = 0.95
OUTLIER_THRESHOLD = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
HISTOGRAM_SCALE = 0.001  # one microsecond, for values in milliseconds
HISTOGRAM_DIGITS = 4
_EPS = 1e-12  # slack for floating-point sums that should equal the confidence exactly
_WINDOW = 40.0  # standard deviations around the mean beyond which a binomial term is below 1e-300

Verdict = Literal["verified", "failing", "inconclusive"]


def _check_level(q: float, confidence: float) -> None:
    if not 0 < q < 1:
        raise ValueError(f"quantile must be between 0 and 1 (exclusive), got {q!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def _binomial_cdf(n: int, p: float) -> tuple[int, list[float]]:
    """``(start, cdf)`` with ``cdf[i] = P(Bin(n, p) <= start + i)``; below ``start`` it is 0 and past
    the end 1 (to double precision), so a large ``n`` costs only the terms that matter."""
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    start = max(0, math.floor(mean - _WINDOW * sd) - 1)
    stop = min(n, math.ceil(mean + _WINDOW * sd) + 1)
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    total, cdf = 0.0, []
    for k in range(start, stop + 1):
        total += math.exp(base - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
        cdf.append(min(1.0, total))
    return start, cdf


def upper_rank(n: int, q: float, confidence: float) -> int | None:
    """The smallest rank k (1-based) whose order statistic is an upper bound of the ``q`` quantile
    at this confidence (P(Bin(n, q) <= k - 1) >= confidence), or None when n runs are too few."""
    _check_level(q, confidence)
    if n < 1:
        return None
    start, cdf = _binomial_cdf(n, q)
    j = start + bisect.bisect_left(cdf, confidence - _EPS)  # the least j with P(Bin <= j) >= confidence
    return j + 1 if j <= n - 1 else None


def lower_rank(n: int, q: float, confidence: float) -> int | None:
    """The largest rank k (1-based) whose order statistic is a lower bound of the ``q`` quantile at
    this confidence (P(Bin(n, q) >= k) >= confidence), or None when n runs are too few."""
    _check_level(q, confidence)
    if n < 1:
        return None
    start, cdf = _binomial_cdf(n, q)
    # the largest j with P(Bin <= j) <= 1 - confidence; below the window every term is 0
    j = start + bisect.bisect_right(cdf, 1.0 - confidence + _EPS) - 1
    return min(j + 1, n) if j >= 0 else None


def _least_runs(share_below: float, confidence: float) -> int:
    """The least n with 1 - share_below**n >= confidence."""
    n = max(1, math.ceil(math.log1p(-confidence) / math.log(share_below)) - 1)
    while 1.0 - share_below**n < confidence - _EPS:
        n += 1
    return n


def runs_for_upper(q: float, confidence: float) -> int:
    """Runs needed before any upper bound exists: 59 for a 95 % bound on the 95th percentile."""
    _check_level(q, confidence)
    return _least_runs(q, confidence)


def runs_for_lower(q: float, confidence: float) -> int:
    """Runs needed before any lower bound exists: 5 for a 95 % bound on the median."""
    _check_level(q, confidence)
    return _least_runs(1 - q, confidence)


@dataclass(frozen=True, slots=True)
class Bounds:
    """Confidence bounds on the ``quantile`` (0..1) of ``runs`` samples; None where too few."""

    quantile: float
    confidence: float
    runs: int
    lower: float | None
    upper: float | None


def quantile_bounds(samples: Sequence[float], q: float, confidence: float) -> Bounds:
    """Distribution-free one-sided bounds on the ``q`` quantile from the raw samples' order statistics."""
    ordered = sorted(float(s) for s in samples)
    n = len(ordered)
    low, high = lower_rank(n, q, confidence), upper_rank(n, q, confidence)
    return Bounds(
        q,
        confidence,
        n,
        ordered[low - 1] if low is not None else None,
        ordered[high - 1] if high is not None else None,
    )


# -- outliers ---------------------------------------------------------------------------------


def outliers(values: Sequence[float], threshold: float = OUTLIER_THRESHOLD) -> tuple[int, ...]:
    """Indexes of the values whose modified z-score ``0.6745 (x - median) / MAD`` exceeds the
    threshold (Iglewicz and Hoaglin); with a MAD of 0 the mean absolute deviation stands in
    (scaled by 1.253314), and when that is 0 too nothing stands out."""
    if len(values) < 3:
        return ()
    middle = statistics.median(values)
    deviations = [abs(v - middle) for v in values]
    scores = _scores(deviations)
    return tuple(i for i, score in enumerate(scores) if score > threshold)


def _scores(deviations: list[float]) -> list[float]:
    """The modified z-scores of these absolute deviations, none when nothing deviates."""
    mad = statistics.median(deviations)
    if mad > 0:
        return [0.6745 * d / mad for d in deviations]
    mean_ad = math.fsum(deviations) / len(deviations)
    if mean_ad == 0:
        return []
    return [d / (1.253314 * mean_ad) for d in deviations]


def describe_outliers(values: Sequence[float], unit: str, what: str = "run", shown: int = 5) -> str:
    """``outliers (modified z-score > 3.5, kept in the figures): run 7 (153.2 ms), ...`` or ``""``."""
    found = outliers(values)
    if not found:
        return ""
    named = ", ".join(f"{what} {i + 1} ({values[i]:.4g} {unit})" for i in found[:shown])
    more = f" and {len(found) - shown} more" if len(found) > shown else ""
    return f"outliers (modified z-score > {OUTLIER_THRESHOLD:g}, kept in the figures): {named}{more}"


# -- histograms -------------------------------------------------------------------------------


class HistogramError(ValueError):
    """A histogram read from a report that is not one: says what is wrong."""


def _bucket(units: int, digits: int) -> tuple[int, int]:
    """The bucket holding ``units``: its lower edge and width, both in whole units."""
    width = 10 ** max(0, len(str(units)) - digits)
    return units - units % width, width


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts of samples per bucket: ``(lower edge in units of scale, count)``, sorted by edge."""

    counts: tuple[tuple[int, int], ...]
    scale: float = HISTOGRAM_SCALE
    digits: int = HISTOGRAM_DIGITS

    @classmethod
    def of(cls, values: Iterable[float], scale: float = HISTOGRAM_SCALE, digits: int = HISTOGRAM_DIGITS) -> Histogram:
        tally: Counter[int] = Counter()
        for value in values:
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"a histogram holds finite values >= 0, got {value!r}")
            tally[_bucket(math.floor(value / scale), digits)[0]] += 1
        return cls(tuple(sorted(tally.items())), scale, digits)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    def edges(self, lower: int) -> tuple[float, float]:
        """A bucket's lower and upper edge in the measurement's unit."""
        width = _bucket(lower, self.digits)[1]
        return round(lower * self.scale, 12), round((lower + width) * self.scale, 12)  # 27.33, not 27.330000000000002

    def nth(self, rank: int) -> int:
        """The bucket (lower edge, whole units) of the ``rank``-th smallest sample, 1-based."""
        if not 1 <= rank <= self.total:
            raise IndexError(f"rank {rank} of {self.total} samples")
        seen = 0
        for lower, count in self.counts:
            seen += count
            if seen >= rank:
                return lower
        raise AssertionError("unreachable: the ranks add up to the total")

    def value(self, rank: int) -> float:
        """A representative of the ``rank``-th smallest sample: the middle of its bucket (its lower
        edge for a bucket one unit wide, which is the sample itself to that unit)."""
        low, high = self.edges(self.nth(rank))
        return low if high - low <= self.scale * 1.000001 else (low + high) / 2

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile (0..100), interpolated as ``runner.percentile`` does."""
        n = self.total
        if n == 0:
            raise ValueError("percentile of an empty histogram")
        if not 0 <= p <= 100:
            raise ValueError(f"percentile must be between 0 and 100, got {p!r}")
        position = (n - 1) * p / 100
        below = math.floor(position)
        fraction = position - below
        low = self.value(below + 1)
        if fraction == 0 or below + 2 > n:
            return low
        return low + (self.value(below + 2) - low) * fraction

    def bounds(self, q: float, confidence: float) -> Bounds:
        """Confidence bounds on the ``q`` quantile: the lower edge of the lower rank's bucket and
        the upper edge of the upper rank's bucket."""
        n = self.total
        low, high = lower_rank(n, q, confidence), upper_rank(n, q, confidence)
        return Bounds(
            q,
            confidence,
            n,
            self.edges(self.nth(low))[0] if low is not None else None,
            self.edges(self.nth(high))[1] if high is not None else None,
        )

    def to_dict(self) -> dict[str, object]:
        return {"scale": self.scale, "digits": self.digits, "counts": [[lower, count] for lower, count in self.counts]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Histogram:
        scale, digits, counts = _read_scale(data.get("scale")), _read_digits(data.get("digits")), data.get("counts")
        if not isinstance(counts, list):
            raise HistogramError(f"histogram counts must be a list of [lower, count], found {counts!r}")
        pairs = _read_counts(counts, digits)
        return cls(tuple(pairs), scale, digits)


def _read_scale(scale: object) -> float:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise HistogramError(f"histogram scale must be a positive number, found {scale!r}")
    return float(scale)


def _read_digits(digits: object) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise HistogramError(f"histogram digits must be a whole number >= 1, found {digits!r}")
    return digits


def _read_counts(counts: list[object], digits: int) -> list[tuple[int, int]]:
    pairs = [_read_pair(pair, digits) for pair in counts]
    if [p[0] for p in pairs] != sorted({p[0] for p in pairs}):
        raise HistogramError("histogram buckets must be sorted and each named once")
    return pairs


def _read_pair(pair: object, digits: int) -> tuple[int, int]:
    if not (isinstance(pair, list) and len(pair) == 2 and all(_whole(v) for v in pair) and pair[1] > 0):
        raise HistogramError(f"histogram count {pair!r}: expected [lower edge, count >= 1], whole numbers")
    if _bucket(pair[0], digits)[0] != pair[0]:
        raise HistogramError(f"histogram bucket {pair[0]} is not a bucket edge at {digits} digits")
    return int(pair[0]), int(pair[1])


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def merge(histograms: Iterable[Histogram]) -> Histogram:
    """One histogram of all the samples; the shards must share scale and digits."""
    items = list(histograms)
    if not items:
        raise ValueError("merge of no histograms")
    first = items[0]
    for other in items[1:]:
        if (other.scale, other.digits) != (first.scale, first.digits):
            raise HistogramError(
                f"histograms of different resolutions: scale {first.scale} at {first.digits} digits "
                f"and scale {other.scale} at {other.digits} digits"
            )
    tally: Counter[int] = Counter()
    for item in items:
        for lower, count in item.counts:
            tally[lower] += count
    return Histogram(tuple(sorted(tally.items())), first.scale, first.digits)


# -- verdicts ---------------------------------------------------------------------------------

MAX_RUNS_ESTIMATE = 1_000_000  # runs beyond which "about N runs would decide it" is not claimed


@dataclass(frozen=True, slots=True)
class Judgement:
    """A budget ``quantile <= budget`` decided from a histogram, with the bounds it used and, when
    inconclusive, why and how many runs could decide it (None: no count would, as far as the runs
    so far show)."""

    verdict: Verdict
    bounds: Bounds
    why: str = ""
    runs_needed: int | None = None


def level_name(q: float) -> str:
    """``median``, ``95th percentile``, ``99.9th percentile``."""
    if q == 0.5:
        return "median"
    number = f"{q * 100:.6g}"
    last = number[-1]
    ending = "th"
    if last in "123" and not number.endswith(("11", "12", "13")):
        ending = {"1": "st", "2": "nd", "3": "rd"}[last]
    return f"{number}{ending} percentile"


def judge(histogram: Histogram, q: float, budget: float, confidence: float, unit: str = "") -> Judgement:
    """``verified`` when the upper confidence bound of the ``q`` quantile is within ``budget``,
    ``failing`` when its lower bound is beyond it, else ``inconclusive`` saying what would decide it."""
    bounds = histogram.bounds(q, confidence)
    if bounds.upper is not None and bounds.upper <= budget:
        return Judgement("verified", bounds)
    if bounds.lower is not None and bounds.lower > budget:
        return Judgement("failing", bounds)
    return _inconclusive(histogram, q, budget, confidence, unit, bounds)


def _inconclusive(
    histogram: Histogram, q: float, budget: float, confidence: float, unit: str, bounds: Bounds
) -> Judgement:
    """Why neither bound decides it and how many runs could: more runs could verify it when the
    runs so far put the quantile within the budget, else more runs could show it failing."""
    n, level, percent = bounds.runs, level_name(q), f"{confidence * 100:g} %"
    unit = f" {unit}" if unit else ""
    verify = histogram.percentile(q * 100) <= budget
    least = runs_for_upper(q, confidence) if verify else runs_for_lower(q, confidence)
    estimate = _runs_to_decide(histogram, q, confidence, budget, verify=verify)
    side, bound, where = ("upper", bounds.upper, "beyond") if verify else ("lower", bounds.lower, "within")
    if n < least:
        why = f"needs at least {least} runs for a {percent} {side} confidence bound on the {level} (it has {n})"
        if verify and estimate is not None and estimate > least:
            why += f"; about {estimate} if the runs stay as they are"
        return Judgement("inconclusive", bounds, why, max(least, estimate or least))
    why = f"its {percent} {side} confidence bound {_fmt(bound)}{unit} over {n} runs is {where} the budget"
    if estimate is None:
        why += f"; more runs may not decide it: the runs so far put the {level} at the budget itself"
        return Judgement("inconclusive", bounds, why, None)
    return Judgement("inconclusive", bounds, why + f"; about {estimate} runs would decide it", estimate)


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.4g}"


def _decides(histogram: Histogram, q: float, confidence: float, budget: float, runs: int, verify: bool) -> bool:
    """Whether ``runs`` runs drawn like these would decide it: the rank of the bound at that count,
    as a share of the runs, read off the runs so far."""
    n = histogram.total
    if verify:
        rank = upper_rank(runs, q, confidence)
        if rank is None:
            return False
        return histogram.edges(histogram.nth(max(1, math.ceil(rank / runs * n))))[1] <= budget
    rank = lower_rank(runs, q, confidence)
    if rank is None:
        return False
    return histogram.edges(histogram.nth(max(1, math.ceil(rank / runs * n))))[0] > budget


def _runs_to_decide(histogram: Histogram, q: float, confidence: float, budget: float, verify: bool) -> int | None:
    """The least run count (doubling, then halving the gap) that would decide it if later runs are
    distributed like these, or None when no count up to ``MAX_RUNS_ESTIMATE`` would."""
    low = max(1, histogram.total)
    high = low
    while not _decides(histogram, q, confidence, budget, high, verify):
        if high >= MAX_RUNS_ESTIMATE:
            return None
        low, high = high, min(MAX_RUNS_ESTIMATE, high * 2)
    while high - low > max(1, low // 100):  # to within 1 %: an estimate, not a promise
        middle = (low + high) // 2
        if _decides(histogram, q, confidence, budget, middle, verify):
            high = middle
        else:
            low = middle
    return high
