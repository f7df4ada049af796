"""Prometheus's classic ``histogram_quantile``, reproduced exactly, and helpers around it.

Why reproduce it: the packet reports ``p95_latency_ms`` as *the number Prometheus would show*
for the same buckets, and a checker recomputes it from the packet's histogram. If our
arithmetic differed from PromQL's by even one branch (the ``+Inf`` bucket, the lowest bucket,
non-monotonic input), an embedded run, a live Prometheus evaluation and a re-check could
disagree about the same data.

The reference is ``bucketQuantile`` in ``promql/quantile.go`` of Prometheus 2.x as Debian ships
it (2.42). Step by step, and in the same order:

1. ``q`` NaN gives NaN, ``q < 0`` gives ``-Inf``, ``q > 1`` gives ``+Inf`` (before anything else
   is looked at).
2. Buckets are sorted by upper bound; if the highest bound is not ``+Inf`` the result is NaN.
3. Buckets with the same upper bound are merged by *adding* their counts.
4. Cumulative counts are forced monotonic by taking the running maximum (the "envelope"), so a
   bucket whose count dips below its predecessor's is raised to it.
5. Fewer than two buckets left, or zero observations in ``+Inf``: NaN.
6. ``rank = q * count(+Inf)``; the bucket is the first one (``+Inf`` excluded from the binary
   search) whose cumulative count is ``>= rank``, found with the same bisection as Go's
   ``sort.Search``.
7. In the ``+Inf`` bucket the answer is the second-highest upper bound. In the first bucket, an
   upper bound ``<= 0`` is returned as is; otherwise the lowest bucket starts at 0.
8. Otherwise: linear interpolation, ``start + (end - start) * (rank / count_in_bucket)``, with the
   same operation order (Go on amd64 does not fuse this into an FMA).

Newer Prometheus (2.49+) also snaps counts that differ by a relative 1e-12 before step 4; that
only matters for fractional counts summed in a different order and never for integer counts,
so it is left out to stay identical to 2.42.

The contract the gate relies on (see :func:`fraction_at_or_below`): with the SLO threshold ``T``
as an exact bucket bound, ``histogram_quantile(q) <= T`` holds exactly when
``fraction_at_or_below(T) >= q``. It is exact, not approximate, under these conditions, which
the layouts of :mod:`cavra_prom.buckets` with observation counts always meet:

* counts are whole numbers (cumulative observation counts, up to 1e9). Fractional counts, as
  ``increase()`` over a window yields, can make the two sides differ in the last bit, exactly
  where they differ inside Prometheus too;
* ``q`` is a short decimal above 0, such as 0.95 or 0.99 (at most 4 decimal places). For an
  arbitrary float the two sides can differ in the last bit: with ``q = nextafter(0.95, 1)``, 19
  of 20 observations at or below ``T`` give ``q * 20 == 19.0`` in floating point (so the
  quantile is ``T``) while ``19 / 20 < q``. (For ``q = 0`` PromQL returns NaN when the lowest
  bucket is empty.);
* ``T`` is not the highest finite bound. Otherwise a rank in the ``+Inf`` bucket reads as
  ``T`` itself (rule 7) although fewer than ``q`` of the observations are at or below it;
* the bound above ``T`` is not absurdly close to it (at least 0.1% above), so interpolating a
  tiny step past ``T`` does not round back to ``T``; and the bucket below starts at 0 or at
  ``T/2`` or above, so ``T - lower`` is exact.

tests/test_histogram.py checks the equivalence with property tests, and checks this module
bit for bit against Prometheus 2.42's own engine (through ``promtool test rules``, which
compares values exactly) on 300 deliberately messy histograms.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Sequence

Bucket = tuple[float, float]
"""``(upper_bound, cumulative_count)``; the ``le`` label and the value of a ``_bucket`` series."""

_INF = math.inf


def histogram_quantile(q: float, buckets: Sequence[Bucket]) -> float:
    """The q-quantile Prometheus's ``histogram_quantile(q, ...)`` gives for these classic buckets.

    Buckets need not be sorted; they are not modified. NaN, ``-Inf`` or ``+Inf`` are returned in
    exactly the cases PromQL returns them (see the module docstring); nothing raises, because the
    evaluator has to report "undefined" the same way Prometheus does, not crash on it.
    """
    return _quantile(q, buckets)[0]


def quantile_bucket(q: float, buckets: Sequence[Bucket]) -> tuple[float, float] | None:
    """``(lower, upper)`` bounds of the bucket the q-quantile falls in, as PromQL sees it.

    The lower bound is the one PromQL interpolates from: 0 for a lowest bucket with a positive
    upper bound, ``-Inf`` for a lowest bucket with an upper bound ``<= 0``. For the ``+Inf``
    bucket it is ``(second-highest bound, +Inf)``. ``None`` wherever
    :func:`histogram_quantile` is NaN or ``q`` is outside ``[0, 1]``; otherwise the quantile
    always lies within the returned bounds, which is what lets a packet show how precise its p95
    is.
    """
    value, bounds = _quantile(q, buckets)
    if math.isnan(value):
        return None
    return bounds


def fraction_at_or_below(bound: float, buckets: Sequence[Bucket]) -> float:
    """``count(le=bound) / count(le=+Inf)``: the exact share of observations ``<= bound``.

    This is the within-SLO ratio when ``bound`` is the SLO threshold. Buckets are normalised the
    way :func:`histogram_quantile` does it (sorted, duplicates merged, monotonic envelope), so
    both functions read the same histogram. ``bound`` must be one of the bucket bounds exactly,
    because between bounds the share is not known, only guessed by interpolation (ValueError).
    NaN when the histogram has no ``+Inf`` bucket or no observations.
    """
    if math.isnan(bound):
        raise ValueError("bound must be a bucket upper bound, not NaN")
    normal = _normalise(buckets)
    if normal is None:
        if any(b == bound for b, _ in buckets):
            return math.nan
        raise ValueError(f"{bound!r} is not an upper bound of these buckets")
    bounds = [b for b, _ in normal]
    index = bisect.bisect_left(bounds, bound)
    if index == len(bounds) or bounds[index] != bound:
        raise ValueError(f"{bound!r} is not an upper bound of these buckets")
    total = normal[-1][1]
    if total == 0 or math.isnan(total):
        return math.nan
    return normal[index][1] / total


def bucket_counts(values: Iterable[float], bounds: Sequence[float]) -> list[Bucket]:
    """Cumulative classic buckets for raw values, as a prometheus-client Histogram counts them.

    A value lands in every bucket whose upper bound is ``>=`` it (``le`` is inclusive), and a
    ``+Inf`` bucket holding every value is appended unless ``bounds`` already ends with one.
    ``bounds`` must be strictly increasing and free of NaN; values must not be NaN (a duration
    that is not a number is a bug upstream, not an observation).
    """
    edges = list(bounds)
    if any(math.isnan(b) for b in edges):
        raise ValueError("bucket bounds must not be NaN")
    if any(lo >= hi for lo, hi in itertools.pairwise(edges)):
        raise ValueError("bucket bounds must be strictly increasing")
    if not edges or edges[-1] != _INF:
        edges.append(_INF)
    per_bucket = [0] * len(edges)
    for value in values:
        if math.isnan(value):
            raise ValueError("cannot count a NaN value into buckets")
        per_bucket[bisect.bisect_left(edges, value)] += 1
    cumulative: list[Bucket] = []
    running = 0
    for edge, count in zip(edges, per_bucket, strict=True):
        running += count
        cumulative.append((edge, float(running)))
    return cumulative


# --- the PromQL algorithm --------------------------------------------------------------------


def _quantile(q: float, buckets: Sequence[Bucket]) -> tuple[float, tuple[float, float] | None]:
    """PromQL's bucketQuantile: the value and the bounds it was found between."""
    if math.isnan(q):
        return math.nan, None
    if q < 0:
        return -_INF, None
    if q > 1:
        return _INF, None
    normal = _normalise(buckets)
    if normal is None or len(normal) < 2:
        return math.nan, None
    observations = normal[-1][1]
    if observations == 0:
        return math.nan, None
    rank = q * observations
    last = len(normal) - 1
    b = _go_search(last, lambda i: normal[i][1] >= rank)
    if b == last:
        return normal[last - 1][0], (normal[last - 1][0], _INF)
    if b == 0 and normal[0][0] <= 0:
        return normal[0][0], (-_INF, normal[0][0])
    start, end, count = 0.0, normal[b][0], normal[b][1]
    if b > 0:
        start = normal[b - 1][0]
        count -= normal[b - 1][1]
        rank -= normal[b - 1][1]
    return start + (end - start) * _go_div(rank, count), (start, end)


def _normalise(buckets: Sequence[Bucket]) -> list[list[float]] | None:
    """Sorted, duplicate bounds merged, counts made monotonic; None without a ``+Inf`` bucket.

    NaN bounds are refused (ValueError): Go sorts them to an arbitrary place, so no result
    for them would be "the same as Prometheus".
    """
    if any(math.isnan(bound) for bound, _ in buckets):
        raise ValueError("bucket upper bounds must not be NaN")
    ordered = sorted(([float(b), float(c)] for b, c in buckets), key=lambda pair: pair[0])
    if not ordered or ordered[-1][0] != _INF:
        return None
    merged: list[list[float]] = [ordered[0]]
    for bound, count in ordered[1:]:
        if bound == merged[-1][0]:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    envelope = merged[0][1]
    for pair in merged[1:]:
        # Same comparisons as Go, so a NaN count behaves as it does there (left alone).
        if pair[1] > envelope:
            envelope = pair[1]
        elif pair[1] < envelope:
            pair[1] = envelope
    return merged


def _go_search(n: int, predicate: Callable[[int], bool]) -> int:
    """Go's ``sort.Search``: the same bisection, so even a non-monotonic predicate (NaN counts)
    lands on the same index as in Prometheus."""
    low, high = 0, n
    while low < high:
        middle = (low + high) // 2
        if not predicate(middle):
            low = middle + 1
        else:
            high = middle
    return low


def _go_div(numerator: float, denominator: float) -> float:
    """IEEE-754 division as Go does it: x/0 is ±Inf and 0/0 is NaN instead of an exception."""
    if denominator != 0:
        return numerator / denominator
    if numerator == 0 or math.isnan(numerator):
        return math.nan
    return math.copysign(_INF, numerator) * math.copysign(1.0, denominator)
