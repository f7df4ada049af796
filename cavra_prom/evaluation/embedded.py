"""Embedded evaluation: SLIs from a run's own data, no Prometheus needed.

Quantiles are reported twice on purpose. ``p95_latency_ms`` is what Prometheus's
``histogram_quantile`` would return from the exported buckets, so the embedded number, the
PromQL number and the number on the board agree; ``p95_exact_latency_ms`` comes from the raw
durations and shows how close the histogram estimate is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.model import (
    EVIDENCE_SAMPLE,
    HaEvaluation,
    HistogramSnapshot,
    SuiteEvaluation,
)
from cavra_prom.histogram import (
    bucket_counts,
    fraction_at_or_below,
    histogram_quantile,
    quantile_bucket,
)
from cavra_prom.runner import SuiteRun
from cavra_prom.spec.model import SloSpec
from cavra_prom.stats import exact_quantile

METHOD_HISTOGRAM = (
    "histogram_quantile({q}) over the run's exported buckets (Prometheus interpolation)"
)
METHOD_EXACT = "exact quantile (nearest rank) over the run's raw durations"
METHOD_THROUGHPUT = "operations / active seconds of the measured phase"
METHOD_ERROR_RATIO = "error operations / all operations of the measured phase"
METHOD_WITHIN_SLO = "operations at or under the p95 threshold / all operations (exact bucket bound)"


def finite_or_none(value: float) -> float | None:
    """NaN and infinities are 'not measured' at every boundary: the gate blocks on None."""
    return value if math.isfinite(value) else None


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000.0


def evaluate_suite_run(run: SuiteRun, bounds: Sequence[float], slo: SloSpec) -> SuiteEvaluation:
    """Compute one suite's SLIs from a finished run and the buckets it was recorded with."""
    latencies = sorted(run.latencies_seconds())
    buckets = bucket_counts(latencies, bounds)
    count = len(latencies)

    def hq(q: float) -> float | None:
        return finite_or_none(histogram_quantile(q, buckets)) if count else None

    def exact(q: float) -> float | None:
        return finite_or_none(exact_quantile(latencies, q)) if count else None

    bucket = quantile_bucket(0.95, buckets) if count else None
    within = fraction_at_or_below(slo.p95_latency_seconds_max, buckets) if count else math.nan
    throughput = count / run.active_seconds if run.active_seconds > 0 else math.nan
    return SuiteEvaluation(
        suite_id=run.suite_id,
        window_seconds=run.active_seconds,
        sample_count=count,
        error_count=run.error_count,
        p50_latency_ms=_ms(hq(0.5)),
        p95_latency_ms=_ms(hq(0.95)),
        p99_latency_ms=_ms(hq(0.99)),
        p95_bucket_ms=None if bucket is None else (bucket[0] * 1000.0, bucket[1] * 1000.0),
        throughput_per_second=finite_or_none(throughput),
        error_ratio=run.error_count / count if count else None,
        within_slo_ratio=finite_or_none(within),
        histogram=HistogramSnapshot(
            bounds_seconds=tuple(b for b, _ in buckets),
            cumulative_counts=tuple(c for _, c in buckets),
        ),
        methods={
            "p50_latency_ms": METHOD_HISTOGRAM.format(q=0.5),
            "p95_latency_ms": METHOD_HISTOGRAM.format(q=0.95),
            "p99_latency_ms": METHOD_HISTOGRAM.format(q=0.99),
            "p95_exact_latency_ms": METHOD_EXACT,
            "throughput_per_second": METHOD_THROUGHPUT,
            "error_ratio": METHOD_ERROR_RATIO,
            "within_slo_ratio": METHOD_WITHIN_SLO,
        },
        p50_exact_latency_ms=_ms(exact(0.5)),
        p95_exact_latency_ms=_ms(exact(0.95)),
        p99_exact_latency_ms=_ms(exact(0.99)),
        max_latency_ms=_ms(latencies[-1]) if latencies else None,
        notes=(
            *(f"errors of class {k}: {n}" for k, n in sorted(run.error_classes.items())),
            *(f"error sample: {e}" for e in run.error_samples),
        ),
    )


def availability_from_suites(suites: Sequence[SuiteEvaluation]) -> float | None:
    """Share of ok operations across all suites: the embedded form of the spec's default
    availability SLI (ok / all ``cavra_suite_operations_total``). None when nothing ran."""
    total = sum(s.sample_count for s in suites)
    if total == 0:
        return None
    return sum(s.sample_count - s.error_count for s in suites) / total


RPO_OBSERVATION = "rpo_oldest_unreplicated_age_seconds"


def evaluate_ha_embedded(
    drills: Sequence[DrillResult],
    api_replicas: int | None,
    worker_replicas: int | None,
    event_bus: Mapping[str, bool],
) -> HaEvaluation:
    """HA/DR values the reference runtime can measure, marked as sample evidence.

    RTO: the slowest drill recovery (a drill that did not recover leaves RTO unmeasured).
    RPO: the age of the oldest event not yet replicated when the bus failed (event-bus drill).
    Replicas are the reference runtime's configuration, not a cluster's: sample evidence.
    """
    recoveries = [d.recovery_seconds for d in drills]
    rto = (
        max(r for r in recoveries if r is not None) / 60.0
        if recoveries and all(r is not None for r in recoveries)
        else None
    )
    rpo_values = [
        float(v)
        for d in drills
        if isinstance(v := d.observations.get(RPO_OBSERVATION), int | float)
        and not isinstance(v, bool)
    ]
    rpo = max(rpo_values) / 60.0 if rpo_values else None
    return HaEvaluation(
        evidence_mode=EVIDENCE_SAMPLE,
        rto_minutes=rto,
        rpo_minutes=rpo,
        api_replicas=api_replicas,
        worker_replicas=worker_replicas,
        event_bus=dict(event_bus),
        methods={
            "rto_minutes": "slowest recovery among the failure drills (reference runtime)",
            "rpo_minutes": "age of the oldest unreplicated event at bus failure (reference)",
            "api_replicas": "reference runtime configuration (sample evidence)",
            "worker_replicas": "reference runtime configuration (sample evidence)",
            "event_bus": "capabilities exercised on a scratch topic of the reference event bus",
            "availability_ratio": "ok operations / all operations across the run's suites",
        },
    )
