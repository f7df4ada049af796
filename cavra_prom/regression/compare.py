"""One suite against its baseline: compare p95 and throughput, then decide.

The verdict rule (``docs/regression.md`` has the reasoning and the measured error rates):

* **blocker**: the p95 rose beyond the tolerance *and* the exceedance test says the rise is
  real (one-sided p < :data:`ALPHA`). The test is exact under "nothing changed", so a run that
  did not change blocks at most 1 % of the time, however few samples it has.
* **warn**: the p95 rose beyond the tolerance but the test cannot tell it from noise; or the
  samples are too few to rule out a regression of twice the tolerance (``min_samples``).
* **pass**: otherwise. A significant rise *within* the tolerance passes: the spec allows it.

Throughput is judged the same way: a fall beyond ``throughput_decrease_max`` that a rate test
(counts as Poisson, conditional on their sum: conservative for closed-loop load, whose counts
vary less) finds significant blocks; one it cannot tell from noise warns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from cavra_prom.histogram import histogram_quantile, quantile_bucket
from cavra_prom.regression.data import LatencyData, ThroughputData, aligned
from cavra_prom.regression.distributions import binom_cdf
from cavra_prom.regression.exceedance import (
    Q95,
    Exceedance,
    effective_size,
    exceedance_buckets,
    exceedance_raw,
    samples_needed,
)
from cavra_prom.regression.model import (
    METHOD_BUCKETS,
    METHOD_RAW,
    VERDICT_BLOCKER,
    VERDICT_PASS,
    VERDICT_WARN,
    LatencyComparison,
    ThroughputComparison,
)
from cavra_prom.regression.quantiles import p95_atoms_buckets, p95_atoms_raw, ratio_interval
from cavra_prom.regression.ranktests import mann_whitney
from cavra_prom.stats import exact_quantile

ALPHA: Final = 0.01
"""One-sided significance level of every regression test: the false-block rate it allows."""
_NO_CUT: Final = Exceedance(math.nan, 0, 0, 0, 0, 1.0)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str


def compare_latency(
    baseline: LatencyData, current: LatencyData, limit: float, *, details: bool = True
) -> LatencyComparison | None:
    """Compare p95s (raw when both sides have raw durations, else on shared buckets).

    None when either side has no observations, or two histograms share no bucket bound.
    ``details=False`` skips the numbers the
    verdict does not use (the interval, Mann-Whitney): the quality benchmark runs thousands.
    """
    if baseline.count == 0 or current.count == 0:
        return None
    if baseline.raw is not None and current.raw is not None:
        return _compare_raw(baseline, current, limit, details)
    base, cur = aligned(baseline, current)
    if not any(math.isfinite(b) for b in base.bounds):
        return None  # two histograms with no bound in common: nothing exact to compare
    return _compare_buckets(base, cur, limit, details)


def _sizes(baseline: LatencyData, p95: float, limit: float) -> tuple[int | None, int | None]:
    """(min_samples, samples_needed): for a slowdown of ``limit**2`` and of ``limit``."""
    return (
        samples_needed(baseline, p95, limit * limit, ALPHA),
        samples_needed(baseline, p95, limit, ALPHA),
    )


def _compare_raw(
    baseline: LatencyData, current: LatencyData, limit: float, details: bool
) -> LatencyComparison:
    base, cur = baseline.raw or (), current.raw or ()
    p95_b, p95_c = exact_quantile(base, Q95), exact_quantile(cur, Q95)
    test = exceedance_raw(base, cur)
    cut = test.deciding or _NO_CUT
    minimum, needed = _sizes(baseline, p95_b, limit)
    return LatencyComparison(
        method=METHOD_RAW,
        baseline_p95_seconds=p95_b,
        current_p95_seconds=p95_c,
        limit=limit,
        p_value=test.p_value,
        cut_seconds=cut.cut_seconds,
        baseline_count=len(base),
        current_count=len(cur),
        baseline_above=cut.baseline_above,
        current_above=cut.current_above,
        interval=ratio_interval(p95_atoms_raw(cur), p95_atoms_raw(base)) if details else None,
        resolution=None,
        min_samples=minimum,
        samples_needed=needed,
        mann_whitney_p=mann_whitney(base, cur).p_greater if details else None,
    )


def _compare_buckets(
    baseline: LatencyData, current: LatencyData, limit: float, details: bool
) -> LatencyComparison:
    p95_b = histogram_quantile(Q95, baseline.buckets())
    p95_c = histogram_quantile(Q95, current.buckets())
    test = exceedance_buckets(baseline, current)
    cut = test.deciding or _NO_CUT
    minimum, needed = _sizes(baseline, p95_b, limit)
    return LatencyComparison(
        method=METHOD_BUCKETS,
        baseline_p95_seconds=p95_b,
        current_p95_seconds=p95_c,
        limit=limit,
        p_value=test.p_value,
        cut_seconds=cut.cut_seconds,
        baseline_count=baseline.count,
        current_count=current.count,
        baseline_above=cut.baseline_above,
        current_above=cut.current_above,
        interval=(
            ratio_interval(p95_atoms_buckets(current), p95_atoms_buckets(baseline))
            if details
            else None
        ),
        resolution=_resolution(baseline, current),
        min_samples=minimum,
        samples_needed=needed,
    )


def _resolution(baseline: LatencyData, current: LatencyData) -> tuple[float, float] | None:
    """The ratio range the two p95 buckets allow, before any sampling noise."""
    b = quantile_bucket(Q95, baseline.buckets())
    c = quantile_bucket(Q95, current.buckets())
    if b is None or c is None:
        return None
    low = 0.0 if math.isinf(b[1]) else c[0] / b[1]
    high = math.inf if b[0] <= 0 or math.isinf(c[1]) else c[1] / b[0]
    return max(low, 0.0), high


def judge_latency(comparison: LatencyComparison) -> Judgement:
    """The p95 verdict (see the module docstring)."""
    ratio = comparison.ratio
    beyond = ratio is not None and ratio > comparison.limit
    significant = comparison.p_value < ALPHA
    if beyond and significant:
        return Judgement(
            VERDICT_BLOCKER, "p95 rose beyond the tolerance and the rise is significant"
        )
    if beyond:
        return Judgement(
            VERDICT_WARN, "p95 rose beyond the tolerance but the rise is not significant"
        )
    size = effective_size(comparison.baseline_count, comparison.current_count)
    if comparison.min_samples is None:
        return Judgement(
            VERDICT_WARN,
            "the baseline's shape leaves a regression of twice the tolerance undetectable",
        )
    if size < comparison.min_samples:
        return Judgement(
            VERDICT_WARN,
            f"too few samples to rule out a regression of twice the tolerance "
            f"(need {comparison.min_samples:,} per side)",
        )
    return Judgement(VERDICT_PASS, "p95 within the tolerance")


def compare_throughput(
    baseline: ThroughputData, current: ThroughputData, floor: float, min_per_second: float
) -> ThroughputComparison:
    """Throughput ratio and the one-sided p-value for "lower" (Poisson rates, conditional)."""
    before, now = baseline.per_second, current.per_second
    compared = (
        before is not None
        and now is not None
        and before >= min_per_second
        and now >= min_per_second
    )
    k_b, k_c = round(baseline.operations), round(current.operations)
    total_time = baseline.active_seconds + current.active_seconds
    if not compared or total_time <= 0 or k_b + k_c == 0:
        return ThroughputComparison(baseline, current, floor, 1.0, compared)
    share = current.active_seconds / total_time
    return ThroughputComparison(
        baseline, current, floor, binom_cdf(k_c, k_b + k_c, share), compared
    )


def judge_throughput(comparison: ThroughputComparison) -> Judgement:
    ratio = comparison.ratio
    if not comparison.compared or ratio is None:
        return Judgement(VERDICT_PASS, "throughput not compared (idle suite)")
    if ratio >= comparison.floor:
        return Judgement(VERDICT_PASS, "throughput within the tolerance")
    if comparison.p_value < ALPHA:
        return Judgement(
            VERDICT_BLOCKER, "throughput fell beyond the tolerance and the fall is significant"
        )
    return Judgement(
        VERDICT_WARN, "throughput fell beyond the tolerance but the fall is not significant"
    )
