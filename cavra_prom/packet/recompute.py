"""Recompute a suite's histogram-derived numbers from the histogram the packet carries.

The packet reports p50/p95/p99, the p95's bucket bounds and the within-SLO ratio; it also
carries the bucket upper bounds and cumulative counts they came from. This module recomputes
every one of those numbers with the same code Prometheus's arithmetic is reproduced in
(:mod:`cavra_prom.histogram`) and lists where the report and the raw data disagree, beyond the
rounding the renderer applies (six decimals).

It also gives the gate what it needs at the *checker's* threshold: the within-SLO verdict at
the spec's p95 threshold, decided as Prometheus decides ``histogram_quantile(0.95) <= T``:
``count(le=T) >= 0.95 * count(+Inf)``. With whole counts that is the same as the ratio
``count(le=T) / count(+Inf) >= 0.95``; with fractional counts (``increase()`` over a window)
the two can differ in the last bit, so the ratio handed to the gate is moved by at most a few
ulps onto the side Prometheus's comparison is on, rather than calling a rounding difference
"edited evidence".

For an embedded run (whole counts, raw durations behind them) more holds exactly and is
checked too: the sample count equals the ``+Inf`` count, the error ratio is errors / samples,
throughput x active seconds is the sample count, and the exact p95 lies in the p95's bucket.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cavra_prom.gate import P95_QUANTILE, fmt
from cavra_prom.histogram import Bucket, histogram_quantile, quantile_bucket
from cavra_prom.packet.parse import INF_BOUND, opt_float

ROUNDING: Final = 1e-6
"""The renderer rounds to six decimals; a reported number may differ by half of this."""
REL_TOLERANCE: Final = 1e-9
QUANTILES: Final = (("p50_latency_ms", 0.5), ("p95_latency_ms", 0.95), ("p99_latency_ms", 0.99))


@dataclass
class SuiteRecompute:
    """What the histogram shows for one suite, and where the report disagrees with it."""

    suite_id: str
    problems: list[str] = field(default_factory=list)
    buckets: list[Bucket] | None = None
    quantiles_ms: dict[str, float | None] = field(default_factory=dict)
    p95_bucket_ms: tuple[float, float] | None = None
    within_at_spec: float | None = None
    spec_threshold_is_bound: bool = True


def close(reported: float | None, actual: float | None) -> bool:
    """Equal up to the renderer's rounding (None only equals None)."""
    if reported is None or actual is None:
        return reported is None and actual is None
    if math.isinf(actual) or math.isinf(reported):
        return reported == actual
    return abs(reported - actual) <= ROUNDING + REL_TOLERANCE * abs(actual)


def read_buckets(entry: Mapping[str, Any]) -> tuple[list[Bucket] | None, str | None]:
    """The histogram as ``(le, cumulative count)`` pairs, or why it cannot be used."""
    raw = entry.get("histogram")
    if not isinstance(raw, Mapping):
        return None, "no histogram, so p95 and the within-SLO ratio cannot be recomputed"
    bounds, counts = raw.get("le_seconds"), raw.get("cumulative_counts")
    if not isinstance(bounds, list) or not isinstance(counts, list) or len(bounds) != len(counts):
        return None, "histogram bounds and counts do not line up"
    if not bounds or bounds[-1] != INF_BOUND or INF_BOUND in bounds[:-1]:
        return None, "histogram must end with exactly one +Inf bucket"
    edges = [math.inf if b == INF_BOUND else float(b) for b in bounds]
    if any(lo >= hi for lo, hi in itertools.pairwise(edges)):
        return None, "histogram bounds are not strictly increasing"
    values = [float(c) for c in counts]
    if any(lo > hi for lo, hi in itertools.pairwise(values)):
        return None, "histogram counts are not cumulative (a count decreases)"
    return list(zip(edges, values, strict=True)), None


def bound_index(buckets: list[Bucket], threshold_ms: float) -> int | None:
    """Index of the bucket whose upper bound is the threshold (in seconds), if there is one."""
    target = threshold_ms / 1000.0
    for index, (bound, _) in enumerate(buckets):
        if bound == target or abs(bound - target) <= REL_TOLERANCE * abs(target):
            return index
    return None


def prometheus_within(at_bound: float, total: float) -> float:
    """``at_bound / total``, on the side of 0.95 that ``at_bound >= 0.95 * total`` is on."""
    ratio = at_bound / total
    meets = at_bound >= P95_QUANTILE * total
    if (ratio >= P95_QUANTILE) == meets:
        return ratio
    # Only reachable within a few ulps of 0.95 (fractional counts); see the module docstring.
    return P95_QUANTILE if meets else math.nextafter(P95_QUANTILE, 0.0)


def recompute_suite(
    entry: Mapping[str, Any], spec_threshold_ms: float | None, whole_counts: bool
) -> SuiteRecompute:
    """Recompute one suite; ``whole_counts`` enables the embedded-run identities."""
    result = SuiteRecompute(suite_id=str(entry.get("suite_id")))
    buckets, why = read_buckets(entry)
    if buckets is None:
        result.problems.append(str(why))
        return result
    result.buckets = buckets
    total = buckets[-1][1]
    _check_count(entry, total, whole_counts, result)
    _check_quantiles(entry, buckets, total, result)
    _check_packet_within(entry, buckets, total, result)
    if spec_threshold_ms is not None:
        index = bound_index(buckets, spec_threshold_ms)
        result.spec_threshold_is_bound = index is not None
        if index is not None and total > 0:
            result.within_at_spec = prometheus_within(buckets[index][1], total)
    if whole_counts:
        _check_embedded_identities(entry, result)
    return result


def _check_count(
    entry: Mapping[str, Any], total: float, whole_counts: bool, result: SuiteRecompute
) -> None:
    samples = opt_float(entry, "sample_count") or 0.0
    agree = samples == total if whole_counts else abs(samples - total) < 1.0
    if not agree:
        result.problems.append(f"sample_count {fmt(samples)} but the histogram holds {fmt(total)}")


def _check_quantiles(
    entry: Mapping[str, Any], buckets: list[Bucket], total: float, result: SuiteRecompute
) -> None:
    for key, q in QUANTILES:
        value = histogram_quantile(q, buckets) * 1000.0 if total > 0 else math.nan
        actual = value if math.isfinite(value) else None
        result.quantiles_ms[key] = actual
        reported = opt_float(entry, key)
        if not close(reported, actual):
            result.problems.append(f"{key} {fmt(reported)} but the histogram gives {fmt(actual)}")
    bucket = quantile_bucket(P95_QUANTILE, buckets) if total > 0 else None
    if bucket is not None:
        result.p95_bucket_ms = (bucket[0] * 1000.0, bucket[1] * 1000.0)
    raw = entry.get("p95_bucket_ms")
    reported_bucket = (
        (opt_float(raw, "lower"), opt_float(raw, "upper")) if isinstance(raw, Mapping) else None
    )
    actual_bucket = None
    if result.p95_bucket_ms is not None:
        lo, hi = result.p95_bucket_ms
        actual_bucket = (lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)
    if reported_bucket is None or actual_bucket is None:
        agree = reported_bucket == actual_bucket
    else:
        agree = all(close(r, a) for r, a in zip(reported_bucket, actual_bucket, strict=True))
    if not agree:
        result.problems.append(
            f"p95_bucket_ms {reported_bucket} but the histogram gives {actual_bucket}"
        )


def _check_packet_within(
    entry: Mapping[str, Any], buckets: list[Bucket], total: float, result: SuiteRecompute
) -> None:
    """The reported within-SLO ratio, at the threshold the packet says it used."""
    slo = entry.get("slo")
    threshold = opt_float(slo, "p95_latency_ms_max") if isinstance(slo, Mapping) else None
    if threshold is None:
        return
    index = bound_index(buckets, threshold)
    if index is None:
        result.problems.append(
            f"the packet's p95 threshold {fmt(threshold, ' ms')} is not a bucket bound, so its "
            "within-SLO ratio cannot be exact"
        )
        return
    actual = buckets[index][1] / total if total > 0 else None
    reported = opt_float(entry, "within_slo_ratio")
    if not close(reported, actual):
        result.problems.append(
            f"within_slo_ratio {fmt(reported)} but the histogram gives {fmt(actual)}"
        )


def _check_embedded_identities(entry: Mapping[str, Any], result: SuiteRecompute) -> None:
    samples = opt_float(entry, "sample_count") or 0.0
    errors = opt_float(entry, "error_count") or 0.0
    ratio = opt_float(entry, "error_ratio")
    if samples > 0 and not close(ratio, errors / samples):
        result.problems.append(
            f"error_ratio {fmt(ratio)} but error_count / sample_count is {fmt(errors / samples)}"
        )
    throughput, window = (
        opt_float(entry, "throughput_per_second"),
        opt_float(entry, "window_seconds"),
    )
    if throughput is not None and window is not None and samples > 0:
        implied = throughput * window
        if abs(implied - samples) > 1e-5 * samples + 1e-3:
            result.problems.append(
                f"throughput {fmt(throughput, '/s')} over {fmt(window, ' s')} implies "
                f"{fmt(implied)} samples, not {fmt(samples)}"
            )
    exact = opt_float(entry, "p95_exact_latency_ms")
    if exact is not None and result.p95_bucket_ms is not None:
        lower, upper = result.p95_bucket_ms
        if not lower - ROUNDING <= exact <= upper + ROUNDING:
            result.problems.append(
                f"exact p95 {fmt(exact, ' ms')} lies outside its histogram bucket "
                f"({fmt(lower, ' ms')}, {fmt(upper, ' ms')}]"
            )
