"""The PromQL baseline: the same window, ``regression.offset_seconds`` earlier.

Two queries per distinct offset, built by the shared builders (the regression alerts and the
board's baseline panels read the same window): the bucket increases (the histogram the tests
compare) and the throughput. Both are pinned to the evaluation's instant, so "the window a day
ago" is exactly the evaluated window shifted.

A source fault is a blocker (the gate fails closed); a suite with no series that far back is a
warning (a new suite, or retention shorter than the offset) that says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cavra_prom import conventions as names
from cavra_prom.evaluation.promql_plan import by_label, histograms
from cavra_prom.promql import queries
from cavra_prom.promql.client import PromQLClient
from cavra_prom.promql.faults import SourceFault
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.regression.baseline import BaselineOutcome, SuiteBaseline, Unavailable
from cavra_prom.regression.data import LatencyData, ThroughputData
from cavra_prom.regression.model import KIND_PROMQL, VERDICT_BLOCKER, VERDICT_WARN, BaselineRef
from cavra_prom.spec.model import SuiteSpec


def _ref(source: PrometheusSource, offset: str) -> BaselineRef:
    return BaselineRef(KIND_PROMQL, f"{source.display_url} offset {offset}")


def promql_baselines(
    source: PrometheusSource, suites: Sequence[SuiteSpec], window_seconds: float, at: float
) -> dict[str, BaselineOutcome]:
    """Each suite's baseline from Prometheus, its window ending ``offset`` before ``at``."""
    window = queries.format_duration(window_seconds)
    groups: dict[str, list[SuiteSpec]] = {}
    for suite in suites:
        offset = queries.format_duration(suite.regression.offset_seconds)
        groups.setdefault(offset, []).append(suite)
    found: dict[str, BaselineOutcome] = {}
    for offset, members in groups.items():
        found.update(_one_offset(source, members, window, offset, at))
    return found


def _one_offset(
    source: PrometheusSource, suites: Sequence[SuiteSpec], window: str, offset: str, at: float
) -> dict[str, BaselineOutcome]:
    ref = _ref(source, offset)
    try:
        with PromQLClient(source) as client:
            buckets = client.query(queries.bucket_increase_baseline(window, offset), at)
            rates = client.query(queries.throughput_baseline(window, offset), at)
    except SourceFault as fault:
        reason = f"the baseline could not be read ({fault.reason}): {fault.message}"
        return {s.id: Unavailable(s.id, ref, reason, VERDICT_BLOCKER) for s in suites}
    per_suite = histograms(buckets)
    throughput = by_label(rates, names.LABEL_SUITE)
    found: dict[str, BaselineOutcome] = {}
    for suite in suites:
        series = per_suite.get(suite.id)
        latency = _latency(series)
        if latency is None or latency.count == 0:
            found[suite.id] = Unavailable(
                suite.id,
                ref,
                f"no samples in the {window} window {offset} earlier (a new suite, or "
                "retention shorter than the offset?)",
                VERDICT_WARN,
            )
            continue
        rate = throughput.get(suite.id)
        found[suite.id] = SuiteBaseline(
            suite.id, ref, latency, ThroughputData.from_rate(latency.cumulative[-1], rate)
        )
    return found


def _latency(series: Sequence[tuple[float, float]] | None) -> LatencyData | None:
    """A histogram from ``(le, count)`` pairs; None without a ``+Inf`` bucket or with NaN."""
    if not series or not math.isinf(series[-1][0]):
        return None
    if any(math.isnan(count) for _, count in series):
        return None
    return LatencyData(tuple(b for b, _ in series), tuple(c for _, c in series))
