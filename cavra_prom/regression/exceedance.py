"""The tail test: did more of the current run land beyond the tail than chance allows?

Pool both samples and cut at a pooled quantile (on histograms: the bucket bound nearest to
it). If nothing changed, the two samples are exchangeable: every way of splitting the pooled
observations into groups of the two sizes is equally likely, and the number of current
observations above the cut follows the hypergeometric distribution, whatever the latency
distribution is. That *is* the permutation (resampling) test on the bucket counts, with the
resampling distribution written down exactly instead of approximated by random shuffles: no
Monte Carlo error, no seed, one sum. Choosing the cut from the pooled data keeps it exact,
because pooling does not depend on which observation came from which side. The same test runs
on raw durations (cut at an exact pooled quantile: Mood's quantile test) and on buckets, so an
embedded run and the same data read back from Prometheus are judged the same way.

Two cuts, the pooled p95 and the pooled p90. The p95 cut sees a slow tail that grows; the p90
cut has twice the counts, so it sees a slowdown of the whole upper tail with more power
(``benchmarks/regression_quality.py``: 97 % against 93 % at +20 % with 1,000 samples). The
smaller one-sided p-value, doubled (Bonferroni), is the test's p-value, so the false-alarm
rate stays at most the level whichever cut speaks.

:func:`samples_needed` turns a tolerance into a sample size: how many observations per side the
test needs to catch a uniform slowdown of that size 95 % of the time, using the baseline's own
shape (how many of its observations a slowdown would push past its tail).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cavra_prom.histogram import histogram_quantile
from cavra_prom.regression.data import LatencyData, share_above
from cavra_prom.regression.distributions import hypergeom_sf, normal_isf
from cavra_prom.stats import exact_quantile

Q95: Final = 0.95
CUTS: Final = (0.95, 0.90)
"""Pooled quantiles the test cuts at (see the module docstring)."""
POWER: Final = 0.95


@dataclass(frozen=True)
class Exceedance:
    """Counts above ``cut_seconds`` on each side and the one-sided p-value for "slower"."""

    cut_seconds: float
    baseline_above: int
    baseline_total: int
    current_above: int
    current_total: int
    p_value: float


@dataclass(frozen=True)
class TailTest:
    """The test at every cut, and the combined p-value (Bonferroni over distinct cuts)."""

    cuts: tuple[Exceedance, ...]

    @property
    def p_value(self) -> float:
        if not self.cuts:
            return 1.0
        return min(1.0, len(self.cuts) * min(c.p_value for c in self.cuts))

    @property
    def deciding(self) -> Exceedance | None:
        """The cut with the smallest p-value (the one a message reports)."""
        return min(self.cuts, key=lambda c: c.p_value, default=None)


def _p_value(
    baseline_above: int, baseline_total: int, current_above: int, current_total: int
) -> float:
    total = baseline_total + current_total
    above = baseline_above + current_above
    if total == 0 or above == 0 or current_total == 0:
        return 1.0
    return hypergeom_sf(current_above, total, above, current_total)


def exceedance_raw(
    baseline: Sequence[float], current: Sequence[float], quantiles: Sequence[float] = CUTS
) -> TailTest:
    """The test on sorted raw durations, cut at exact pooled quantiles (nearest rank)."""
    pooled = sorted([*baseline, *current])
    if not pooled:
        return TailTest(())
    cuts: dict[float, Exceedance] = {}
    for q in quantiles:
        cut = pooled[max(math.ceil(q * len(pooled)), 1) - 1]
        b_above = len(baseline) - bisect.bisect_right(baseline, cut)
        c_above = len(current) - bisect.bisect_right(current, cut)
        p = _p_value(b_above, len(baseline), c_above, len(current))
        cuts.setdefault(cut, Exceedance(cut, b_above, len(baseline), c_above, len(current), p))
    return TailTest(tuple(cuts.values()))


def exceedance_buckets(
    baseline: LatencyData, current: LatencyData, quantiles: Sequence[float] = CUTS
) -> TailTest:
    """The test on two histograms with the same bounds, each cut at the finite bound whose
    pooled cumulative share is nearest to the quantile (the counts there are exact)."""
    base, cur = baseline.int_cumulative(), current.int_cumulative()
    n_b, n_c = base[-1], cur[-1]
    total = n_b + n_c
    finite = [i for i, b in enumerate(baseline.bounds) if math.isfinite(b)]
    if total == 0 or not finite:
        return TailTest(())
    cuts: dict[int, Exceedance] = {}
    for q in quantiles:
        index = min(finite, key=lambda i: (abs((base[i] + cur[i]) - q * total), -i))
        b_above, c_above = n_b - base[index], n_c - cur[index]
        p = _p_value(b_above, n_b, c_above, n_c)
        cuts.setdefault(index, Exceedance(baseline.bounds[index], b_above, n_b, c_above, n_c, p))
    return TailTest(tuple(cuts.values()))


def samples_needed(
    baseline: LatencyData,
    baseline_p95: float,
    slowdown: float,
    alpha: float,
    power: float = POWER,
) -> int | None:
    """Observations per side for the test to catch a uniform slowdown by the factor
    ``slowdown`` (1.1 = 10 % slower) with probability ``power`` at level ``alpha``.

    At the cut at the baseline's q-quantile ``x``, a slowdown by ``s`` puts above it exactly
    the share of the baseline now above ``x / s``; the two-proportion sample-size formula
    (one-sided, equal sizes, level ``alpha`` split over the cuts) gives the size for that cut,
    and the test needs the smallest over its cuts. None when the baseline's shape makes the
    slowdown undetectable (nothing moves past a cut) or its p95 is not a positive number.
    """
    if not (math.isfinite(baseline_p95) and baseline_p95 > 0 and slowdown > 1):
        return None
    sizes = [
        n
        for q in CUTS
        if (n := _size_at(baseline, q, slowdown, alpha / len(CUTS), power)) is not None
    ]
    return min(sizes, default=None)


def _size_at(
    baseline: LatencyData, q: float, slowdown: float, alpha: float, power: float
) -> int | None:
    cut = _quantile_of(baseline, q)
    if cut is None:
        return None
    p0 = 1.0 - q
    p1 = share_above(baseline, cut / slowdown)
    if not math.isfinite(p1) or p1 - p0 <= 1e-6:
        return None
    z_alpha, z_power = normal_isf(alpha), normal_isf(1.0 - power)
    mean = (p0 + p1) / 2.0
    spread = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p0 * (1 - p0) + p1 * (1 - p1)
    )
    return math.ceil((spread / (p1 - p0)) ** 2)


def _quantile_of(data: LatencyData, q: float) -> float | None:
    """Exact nearest-rank quantile from raw durations, else Prometheus's estimate."""
    if data.raw is not None:
        value = exact_quantile(data.raw, q) if data.raw else math.nan
    else:
        value = histogram_quantile(q, data.buckets())
    return value if math.isfinite(value) and value > 0 else None


def effective_size(a: int, b: int) -> float:
    """The equal-size equivalent of samples of sizes ``a`` and ``b`` (harmonic mean)."""
    return 0.0 if a <= 0 or b <= 0 else 2.0 * a * b / (a + b)
