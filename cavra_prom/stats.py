"""Exact latency statistics from raw durations, for embedded runs that keep every sample.

Why nearest rank. The gate's question is "is p95 <= T?", and the within-SLO counter answers
"what share of operations took <= T?". Those must be one statement, or the exact p95 in a packet
could contradict its own within-SLO ratio. Interpolating methods (numpy's default, PromQL's
``quantile()`` over samples) can report a p95 below ``T`` while fewer than 95% of values are at or
below ``T``. The lower nearest-rank quantile cannot: it is the smallest *observed* value ``v``
with at least ``q`` of the values ``<= v``:

    rank = ceil(q * n)   (at least 1),   p_q = sorted_values[rank - 1]

so ``p_q <= T`` exactly when ``count(values <= T) >= q * n``. The product ``q * n`` is the same
floating-point product PromQL uses for its bucket rank, so the exact p95 and the histogram
p95 (with ``T`` as a bucket bound) give the same verdict bit for bit, and for SLO quantiles
written as short decimals (0.95, 0.99) the same as ``count / n >= q`` (tests/test_stats.py
checks both with property tests).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LatencySummary:
    """Exact statistics of one suite's durations, in seconds. NaN fields when ``count`` is 0."""

    count: int
    min: float
    p50: float
    p95: float
    p99: float
    max: float
    mean: float


def exact_quantile(sorted_values: Sequence[float], q: float) -> float:
    """Lower nearest-rank q-quantile of ascending ``sorted_values``; NaN when there are none.

    ``q`` must be within ``[0, 1]`` and the values sorted and free of NaN (ValueError): unlike
    PromQL we are not evaluating a user's expression, so a bad argument is a bug to surface.
    """
    if math.isnan(q) or not 0 <= q <= 1:
        raise ValueError(f"quantile must be within [0, 1], got {q!r}")
    _check_sorted(sorted_values)
    n = len(sorted_values)
    if n == 0:
        return math.nan
    rank = max(math.ceil(q * n), 1)
    return float(sorted_values[rank - 1])


def summarize(values: Sequence[float]) -> LatencySummary:
    """Count, min, p50, p95, p99, max and mean of ``values`` (sum by ``math.fsum``: no drift).

    Values need not be sorted. An empty sequence gives ``count=0`` and NaN elsewhere: "not
    measured" must stay distinguishable from any measured number.
    """
    ordered = sorted(float(v) for v in values)
    if any(math.isnan(v) for v in ordered):
        raise ValueError("durations must not be NaN")
    if not ordered:
        nan = math.nan
        return LatencySummary(count=0, min=nan, p50=nan, p95=nan, p99=nan, max=nan, mean=nan)
    return LatencySummary(
        count=len(ordered),
        min=ordered[0],
        p50=exact_quantile(ordered, 0.5),
        p95=exact_quantile(ordered, 0.95),
        p99=exact_quantile(ordered, 0.99),
        max=ordered[-1],
        mean=math.fsum(ordered) / len(ordered),
    )


def _check_sorted(values: Sequence[float]) -> None:
    """Refuse NaN and unsorted input: a rank into unsorted data is a silently wrong answer."""
    previous = -math.inf
    for value in values:
        if not value >= previous:  # also catches NaN
            raise ValueError("values must be sorted ascending and free of NaN")
        previous = value
