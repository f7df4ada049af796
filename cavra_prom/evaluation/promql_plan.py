"""The fixed set of PromQL queries one evaluation sends, and the results indexed for reading.

Every suite SLI is one query grouped ``by (suite)``, every drill gauge one query grouped
``by (drill)``, each HA/DR value one query from the spec: the count is the same for 3 suites or
3,000 (``benchmarks/evaluator_scale.py`` measures it). Expressions come from
:mod:`cavra_prom.promql.queries`, the builders the rules and dashboards use too, so the packet,
the alerts and the board show one number.

p50/p95/p99 are not queried: they are ``histogram_quantile`` applied to the bucket-increase
query's result with Prometheus's own classic-bucket arithmetic (:mod:`cavra_prom.histogram`,
checked bit for bit against Prometheus 2.42). ``histogram_quantile`` is scale-free, so over
``increase()`` it gives what it gives over ``rate()`` (the rules' and the board's form). Every
query that touches the bucket series is the costly part of an evaluation (at 1,000 suites,
90,000 series: one to several seconds each on the shared benchmark machine), so one such query
instead of four roughly halves the time at that size, and the quantiles agree with the
histogram the packet carries by construction instead of by a second read racing a scrape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cavra_prom import conventions as names
from cavra_prom.histogram import Bucket
from cavra_prom.promql import queries
from cavra_prom.promql.client import QueryResult
from cavra_prom.spec.model import Spec

# Suite SLIs (keys double as the packet's ``methods`` keys).
SAMPLE_COUNT: Final = "sample_count"
HISTOGRAM: Final = "histogram"
P50: Final = "p50_latency_ms"
P95: Final = "p95_latency_ms"
P99: Final = "p99_latency_ms"
THROUGHPUT: Final = "throughput_per_second"
ERROR_RATIO: Final = "error_ratio"
WITHIN_SLO: Final = "within_slo_ratio"
LAST_RUN_AGE: Final = "last_run_age_seconds"
THRESHOLD: Final = "latency_threshold_seconds"
QUANTILES: Final = ((P50, 0.5), (P95, 0.95), (P99, 0.99))

# Drill gauges.
DRILL_PASSED: Final = "drill_passed"
DRILL_LAST_RUN: Final = "drill_last_run"
DRILL_RECOVERY: Final = "drill_recovery_seconds"

# HA/DR values (keys of HaEvaluation.methods).
RTO: Final = "rto_minutes"
RPO: Final = "rpo_minutes"
API_REPLICAS: Final = "api_replicas"
WORKER_REPLICAS: Final = "worker_replicas"
EVENT_BUS: Final = "event_bus"
AVAILABILITY: Final = "availability_ratio"


@dataclass(frozen=True)
class QueryPlan:
    """Every expression of one evaluation, by key, for a window written as PromQL (``5m``)."""

    window: str
    suite: Mapping[str, str]
    drill: Mapping[str, str]
    ha: Mapping[str, str]

    def all(self) -> dict[str, str]:
        return {**self.suite, **self.drill, **self.ha}


def build_plan(spec: Spec, window_seconds: float) -> QueryPlan:
    """The queries for ``spec`` over a window of ``window_seconds``."""
    window = queries.format_duration(window_seconds)
    suite = {
        SAMPLE_COUNT: queries.sample_count(window),
        HISTOGRAM: queries.bucket_increase(window),
        THROUGHPUT: queries.throughput(window),
        ERROR_RATIO: queries.error_ratio(window),
        WITHIN_SLO: queries.within_slo_ratio(window),
        LAST_RUN_AGE: queries.suite_last_run_age(),
        THRESHOLD: queries.latency_threshold(),
    }
    drill = {
        DRILL_PASSED: queries.drill_passed(),
        DRILL_LAST_RUN: queries.drill_last_run(),
        DRILL_RECOVERY: queries.drill_recovery_seconds(),
    }
    ha_queries, availability = spec.ha_dr.queries, spec.ha_dr.availability
    ha = {
        RTO: queries.with_window(ha_queries.rto_minutes, window),
        RPO: queries.with_window(ha_queries.rpo_minutes, window),
        API_REPLICAS: queries.with_window(ha_queries.api_replicas, window),
        WORKER_REPLICAS: queries.with_window(ha_queries.worker_replicas, window),
        EVENT_BUS: queries.with_window(ha_queries.event_bus_capability, window),
        AVAILABILITY: queries.availability_ratio(
            availability.good_query, availability.total_query, window
        ),
    }
    return QueryPlan(window, suite, drill, ha)


Results = Mapping[str, QueryResult | None]
"""Query key -> result; None when that query failed on its own (a problem names why)."""


def by_label(result: QueryResult | None, label: str) -> dict[str, float]:
    """``{label value: sample value}`` of a grouped result (series without the label dropped)."""
    if result is None:
        return {}
    return {s.labels[label]: s.value for s in result.samples if label in s.labels}


def histograms(result: QueryResult | None) -> dict[str, list[Bucket]]:
    """Per suite, ``(le, cumulative count)`` sorted by bound, from the bucket-increase query.

    Bounds spelled differently by two exporters (``0.05``, ``5e-02``) are one bound: their
    counts are added, as ``histogram_quantile`` does.
    """
    per_suite: dict[str, dict[float, float]] = {}
    if result is None:
        return {}
    for sample in result.samples:
        suite, le = sample.labels.get(names.LABEL_SUITE), sample.labels.get(names.LABEL_LE)
        if suite is None or le is None:
            continue
        try:
            bound = float(le)
        except ValueError:
            continue
        if not math.isnan(bound):
            counts = per_suite.setdefault(suite, {})
            counts[bound] = counts.get(bound, 0.0) + sample.value
    return {suite: sorted(counts.items()) for suite, counts in per_suite.items()}
