"""Regression results in the packet (``benchmark_report.regressions``) and back again.

Each entry carries the verdict and everything it rests on: the baseline reference (path or
URL, digest, packet count, drift guard), both p95s, the change, the interval, the bucket
resolution, the p-value, the counts at the cut, the sample sizes, and the baseline histogram on
the bounds compared. With the current histogram already in the suite's entry, a checker can
redo the comparison from the packet alone (:func:`rederive_regressions`) and judge it with the
spec's tolerances, never the packet's. Unmeasurable numbers are null, p-values kept at full
precision (a p of 1e-40 is not 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cavra_prom.evaluation.model import Evaluation
from cavra_prom.regression.apply import regress_suite
from cavra_prom.regression.baseline import SuiteBaseline, Unavailable, guard_allowances
from cavra_prom.regression.data import LatencyData, ThroughputData
from cavra_prom.regression.model import (
    VERDICT_BLOCKER,
    VERDICT_WARN,
    BaselineRef,
    LatencyComparison,
    RegressionResult,
    ThroughputComparison,
)
from cavra_prom.spec.model import Spec, SuiteSpec

DECIMALS = 6
INF_BOUND = "+Inf"


def _num(value: float | None, decimals: int = DECIMALS) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), decimals)


def _change(ratio: float | None) -> float | None:
    """A ratio as a percent change (1.107 -> 10.7); null when unbounded or unmeasured."""
    return None if ratio is None else _num((ratio - 1.0) * 100.0, 4)


def _range(pair: tuple[float, float] | None) -> dict[str, float | None] | None:
    if pair is None:
        return None
    return {"lower": _change(pair[0]), "upper": _change(pair[1])}


def _p(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def histogram_entry(data: LatencyData) -> dict[str, list[Any]]:
    return {
        "le_seconds": [INF_BOUND if math.isinf(b) else b for b in data.bounds],
        "cumulative_counts": [float(c) for c in data.cumulative],
    }


def latency_entry(c: LatencyComparison, baseline: LatencyData | None) -> dict[str, Any]:
    return {
        "method": c.method,
        "baseline_p95_ms": _num(c.baseline_p95_seconds * 1000.0),
        "current_p95_ms": _num(c.current_p95_seconds * 1000.0),
        "delta_percent": _change(c.ratio),
        "limit_percent": _change(c.limit),
        "interval_percent": _range(c.interval),
        "resolution_percent": _range(c.resolution),
        "limit_within_resolution": c.limit_within_resolution,
        "p_value": _p(c.p_value),
        "cut_ms": _num(c.cut_seconds * 1000.0),
        "baseline_count": c.baseline_count,
        "current_count": c.current_count,
        "baseline_above": c.baseline_above,
        "current_above": c.current_above,
        "min_samples": c.min_samples,
        "samples_needed": c.samples_needed,
        "mann_whitney_p": None if c.mann_whitney_p is None else _p(c.mann_whitney_p),
        "baseline_histogram": None if baseline is None else histogram_entry(baseline),
    }


def throughput_entry(c: ThroughputComparison) -> dict[str, Any]:
    return {
        "baseline_per_second": _num(c.baseline.per_second),
        "current_per_second": _num(c.current.per_second),
        "delta_percent": _change(c.ratio),
        "limit_percent": _change(c.floor),
        "p_value": _p(c.p_value),
        "compared": c.compared,
        "baseline_operations": float(c.baseline.operations),
        "baseline_active_seconds": float(c.baseline.active_seconds),
    }


def regression_entry(result: RegressionResult) -> dict[str, Any]:
    """One result as JSON-ready data (strict: no NaN or Infinity)."""
    ref = result.baseline
    latency, throughput = result.latency, result.throughput
    return {
        "suite_id": result.suite_id,
        "verdict": result.verdict,
        "reasons": list(result.reasons),
        "baseline": {
            "kind": ref.kind,
            "ref": ref.ref,
            "digest": ref.digest,
            "packets": ref.packets,
            "guard": ref.guard,
            "latency_guarded": ref.latency_guarded,
            "throughput_guarded": ref.throughput_guarded,
            "p95_range_ms": None
            if ref.p95_range_seconds is None
            else [_num(v * 1000.0) for v in ref.p95_range_seconds],
        },
        "latency": None if latency is None else latency_entry(latency, result.baseline_latency),
        "throughput": None if throughput is None else throughput_entry(throughput),
    }


# --- back again: re-deriving the verdicts from a packet --------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _histogram(raw: Any) -> LatencyData | None:
    entry = _mapping(raw)
    bounds, counts = entry.get("le_seconds"), entry.get("cumulative_counts")
    if not isinstance(bounds, list) or not isinstance(counts, list) or len(bounds) != len(counts):
        return None
    try:
        return LatencyData(
            tuple(math.inf if b == INF_BOUND else float(b) for b in bounds),
            tuple(float(c) for c in counts),
        )
    except (TypeError, ValueError):
        return None


def _ref_of(raw: Mapping[str, Any]) -> BaselineRef:
    digest, guard, packets = raw.get("digest"), raw.get("guard"), raw.get("packets")
    return BaselineRef(
        kind=str(raw.get("kind", "")),
        ref=str(raw.get("ref", "")),
        digest=digest if isinstance(digest, str) else None,
        packets=packets if isinstance(packets, int) and not isinstance(packets, bool) else 1,
        guard=guard if isinstance(guard, str) else None,
        latency_guarded=raw.get("latency_guarded") is True,
        throughput_guarded=raw.get("throughput_guarded") is True,
        p95_range_seconds=_range_of(raw.get("p95_range_ms")),
    )


def _range_of(raw: Any) -> tuple[float, float] | None:
    if not isinstance(raw, list) or len(raw) != 2:
        return None
    low, high = raw
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        return None
    return float(low) / 1000.0, float(high) / 1000.0


def _baseline_of(entry: Mapping[str, Any], suite: SuiteSpec) -> SuiteBaseline | Unavailable:
    """The baseline an entry recorded, with the allowances the spec's tolerances give."""
    ref = _ref_of(_mapping(entry.get("baseline")))
    latency = _histogram(_mapping(entry.get("latency")).get("baseline_histogram"))
    if latency is None:
        reasons = entry.get("reasons")
        reason = "; ".join(map(str, reasons)) if isinstance(reasons, list) else "no baseline"
        verdict = VERDICT_BLOCKER if entry.get("verdict") == VERDICT_BLOCKER else VERDICT_WARN
        return Unavailable(suite.id, ref, reason.removeprefix("no baseline: "), verdict)
    tp = _mapping(entry.get("throughput"))
    operations, active = tp.get("baseline_operations"), tp.get("baseline_active_seconds")
    throughput = None
    if isinstance(operations, int | float) and isinstance(active, int | float):
        throughput = ThroughputData(float(operations), float(active))
    policy = suite.regression
    latency_allowance, throughput_allowance = guard_allowances(
        ref, policy.p95_increase_max, policy.throughput_decrease_max
    )
    return SuiteBaseline(
        suite.id, ref, latency, throughput, latency_allowance, throughput_allowance
    )


def rederive_regressions(
    report: Mapping[str, Any], current: Evaluation, spec: Spec
) -> tuple[RegressionResult, ...]:
    """Re-judge a packet's regression entries from its histograms and the spec's tolerances.

    ``current`` is the evaluation the checker derived from the packet (its suites'
    histograms and throughputs). Entries for suites the spec does not have are ignored; an
    entry whose baseline data is missing keeps its warn or blocker (never a pass).
    """
    entries = report.get("regressions")
    if not isinstance(entries, list):
        return ()
    known = {s.id: s for s in spec.suites}
    results = []
    for raw in entries:
        entry = _mapping(raw)
        suite = known.get(str(entry.get("suite_id")))
        if suite is not None:
            baseline = _baseline_of(entry, suite)
            results.append(regress_suite(suite, current.suite(suite.id), baseline))
    return tuple(results)
