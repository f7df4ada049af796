"""Read a packet (v1 or v2) back into the evaluation model, exactly as it reports its values.

The checker never judges these reported values directly: it recomputes what it can from the
raw data (:mod:`cavra_prom.packet.recompute`, :mod:`cavra_prom.packet.drill_rules`) and runs
the gate on that. Reading is a separate, dumb step so that "what the packet says" and "what
the evidence shows" stay two things that can be compared.

Input must already conform to the packet schema (:mod:`cavra_prom.packet.schemas`); the
readers below rely on its types and never guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cavra_prom.drills import DrillResult
from cavra_prom.drills.model import Observation
from cavra_prom.evaluation.model import (
    EVIDENCE_LIVE,
    EVIDENCE_SAMPLE,
    Evaluation,
    HaEvaluation,
    HistogramSnapshot,
    SuiteEvaluation,
)

INF_BOUND = "+Inf"


def parse_timestamp(value: Any) -> float | None:
    """Unix seconds from an ISO 8601 timestamp with a UTC offset; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def opt_float(entry: Mapping[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def opt_int(entry: Mapping[str, Any], key: str) -> int | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def histogram_of(entry: Mapping[str, Any]) -> HistogramSnapshot | None:
    """The suite's histogram when its two lists line up; None otherwise (the checker says why)."""
    raw = entry.get("histogram")
    if not isinstance(raw, Mapping):
        return None
    bounds, counts = raw.get("le_seconds"), raw.get("cumulative_counts")
    if not isinstance(bounds, list) or not isinstance(counts, list) or len(bounds) != len(counts):
        return None
    return HistogramSnapshot(
        bounds_seconds=tuple(math.inf if b == INF_BOUND else float(b) for b in bounds),
        cumulative_counts=tuple(float(c) for c in counts),
    )


def _bucket(entry: Mapping[str, Any]) -> tuple[float, float] | None:
    raw = entry.get("p95_bucket_ms")
    if not isinstance(raw, Mapping):
        return None
    lower, upper = opt_float(raw, "lower"), opt_float(raw, "upper")
    return (
        -math.inf if lower is None else lower,
        math.inf if upper is None else upper,
    )


def suite_from_entry(entry: Mapping[str, Any]) -> SuiteEvaluation:
    """One suite as reported (v1 entries simply lack the v2 fields)."""
    methods = entry.get("methods")
    notes = entry.get("notes")
    return SuiteEvaluation(
        suite_id=str(entry["suite_id"]),
        window_seconds=opt_float(entry, "window_seconds"),
        sample_count=opt_int(entry, "sample_count") or 0,
        error_count=opt_int(entry, "error_count") or 0,
        p50_latency_ms=opt_float(entry, "p50_latency_ms"),
        p95_latency_ms=opt_float(entry, "p95_latency_ms"),
        p99_latency_ms=opt_float(entry, "p99_latency_ms"),
        p95_bucket_ms=_bucket(entry),
        throughput_per_second=opt_float(entry, "throughput_per_second"),
        error_ratio=opt_float(entry, "error_ratio"),
        within_slo_ratio=opt_float(entry, "within_slo_ratio"),
        histogram=histogram_of(entry),
        methods=dict(methods) if isinstance(methods, Mapping) else {},
        p50_exact_latency_ms=opt_float(entry, "p50_exact_latency_ms"),
        p95_exact_latency_ms=opt_float(entry, "p95_exact_latency_ms"),
        p99_exact_latency_ms=opt_float(entry, "p99_exact_latency_ms"),
        max_latency_ms=opt_float(entry, "max_latency_ms"),
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (),
    )


def drill_from_entry(entry: Mapping[str, Any]) -> DrillResult:
    """One drill as reported, ``passed`` included (the checker replaces it by its own verdict)."""
    raw = entry.get("observations")
    observations: dict[str, Observation] = dict(raw) if isinstance(raw, Mapping) else {}
    reason = entry.get("failure_reason")
    return DrillResult(
        drill_id=str(entry["drill_id"]),
        fault=str(entry.get("fault", entry["drill_id"])),
        injected_fault=str(entry.get("injected_fault", "")),
        expected_behavior=str(entry.get("expected_behavior", "")),
        observed_behavior=str(entry.get("observed_behavior", "")),
        observations=observations,
        passed=entry.get("passed") is True,
        failure_reason=reason if isinstance(reason, str) else None,
        started_at=parse_timestamp(entry.get("started_at")) or 0.0,
        ended_at=parse_timestamp(entry.get("ended_at")) or 0.0,
        recovery_seconds=opt_float(entry, "recovery_seconds"),
    )


def ha_from_targets(targets: Mapping[str, Any], evidence_mode: str) -> HaEvaluation:
    """The measured HA/DR values of a v2 report (all unmeasured when there are none)."""
    measured = targets.get("measured")
    if not isinstance(measured, Mapping):
        return HaEvaluation(evidence_mode, None, None, None, None, {})
    bus = measured.get("event_bus")
    methods = measured.get("methods")
    return HaEvaluation(
        evidence_mode=str(measured.get("evidence_mode", evidence_mode)),
        rto_minutes=opt_float(measured, "rto_minutes"),
        rpo_minutes=opt_float(measured, "rpo_minutes"),
        api_replicas=opt_int(measured, "api_replicas"),
        worker_replicas=opt_int(measured, "worker_replicas"),
        event_bus=dict(bus) if isinstance(bus, Mapping) else {},
        methods=dict(methods) if isinstance(methods, Mapping) else {},
        availability_ratio=opt_float(measured, "availability_ratio"),
    )


def evaluation_from_report(
    report: Mapping[str, Any], source: str, evidence_mode: str, evaluated_at: float
) -> Evaluation:
    """The evaluation a report (v1 or v2) describes, values as reported."""
    suites = [e for e in report.get("benchmark_suites", []) if isinstance(e, Mapping)]
    drills = [e for e in report.get("failure_mode_drills", []) if isinstance(e, Mapping)]
    targets = report.get("ha_slo_targets")
    return Evaluation(
        source=source,
        evidence_mode=evidence_mode,
        evaluated_at=evaluated_at,
        suites=tuple(suite_from_entry(e) for e in suites),
        drills=tuple(drill_from_entry(e) for e in drills),
        ha=ha_from_targets(targets if isinstance(targets, Mapping) else {}, evidence_mode),
    )


def report_evidence_mode(report: Mapping[str, Any]) -> str:
    """A bare report's evidence mode, from its v1 ``mode`` key."""
    return EVIDENCE_LIVE if report.get("mode") == EVIDENCE_LIVE else EVIDENCE_SAMPLE


def evaluation_from_packet(packet: Mapping[str, Any]) -> Evaluation:
    """The evaluation a packet (v1 or v2) describes, values as reported."""
    provenance = packet.get("provenance")
    prov: Mapping[str, Any] = provenance if isinstance(provenance, Mapping) else {}
    mode = EVIDENCE_LIVE if packet.get("evidence_mode") == EVIDENCE_LIVE else EVIDENCE_SAMPLE
    report = packet.get("benchmark_report")
    return evaluation_from_report(
        report if isinstance(report, Mapping) else {},
        source=str(prov.get("source", "unknown")),
        evidence_mode=mode,
        evaluated_at=parse_timestamp(prov.get("evaluated_at")) or 0.0,
    )
