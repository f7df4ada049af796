"""Render the report, the gate and the readiness packet (v2) as plain JSON-ready dicts.

Pure functions: the same evaluation, gate, spec and provenance give the same dicts, and
:mod:`cavra_prom.packet.canonical` turns them into byte-identical files. Every v1 key keeps
its meaning; v2 keys are added beside them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.model import EVIDENCE_LIVE, Evaluation, HaEvaluation, SuiteEvaluation
from cavra_prom.gate import GateResult, suite_slo_problems
from cavra_prom.packet.canonical import canonical_bytes, seal
from cavra_prom.regression.render import regression_entry
from cavra_prom.spec.model import Spec

SAMPLE_REF_PREFIX = "sample://"
DECIMALS = 6


@dataclass(frozen=True)
class Provenance:
    """Where an evaluation came from; never carries credentials."""

    source: str
    window_seconds: float | None
    evaluated_at: float
    tool_version: str
    spec_digest: str
    git_commit: str | None = None


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds")


def num(value: float | None) -> float | None:
    """Round for stable, readable files; unmeasured and non-finite become null."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), DECIMALS)


def spec_digest(spec: Spec) -> str:
    """A digest of the validated spec model, so a packet names the exact contract it used."""
    return "sha256:" + hashlib.sha256(canonical_bytes(dataclasses.asdict(spec))).hexdigest()


def _count(value: float) -> float | None:
    """A cumulative count at full precision (whole for a run, fractional from ``increase()``)."""
    return float(value) if math.isfinite(value) else None


def _bound(value: float) -> float | str:
    return "+Inf" if math.isinf(value) else value


def suite_entry(ev: SuiteEvaluation | None, spec: Spec, suite_id: str) -> dict[str, Any]:
    suite = spec.suite(suite_id)
    slo: dict[str, Any] = {
        "p95_latency_ms_max": suite.slo.p95_latency_ms_max,
        "throughput_per_second_min": suite.slo.throughput_per_second_min,
    }
    if suite.slo.p99_latency_ms_max is not None:
        slo["p99_latency_ms_max"] = suite.slo.p99_latency_ms_max
    if suite.slo.error_ratio_max is not None:
        slo["error_ratio_max"] = suite.slo.error_ratio_max
    if ev is None:
        return {"suite_id": suite_id, "sample_count": 0, "slo": slo, "passed": False}
    entry: dict[str, Any] = {
        "suite_id": suite_id,
        "sample_count": ev.sample_count,
        "error_count": ev.error_count,
        "p50_latency_ms": num(ev.p50_latency_ms),
        "p95_latency_ms": num(ev.p95_latency_ms),
        "p99_latency_ms": num(ev.p99_latency_ms),
        "max_latency_ms": num(ev.max_latency_ms),
        "throughput_per_second": num(ev.throughput_per_second),
        "error_ratio": num(ev.error_ratio),
        "within_slo_ratio": num(ev.within_slo_ratio),
        "p95_bucket_ms": None
        if ev.p95_bucket_ms is None
        else {"lower": num(ev.p95_bucket_ms[0]), "upper": num(ev.p95_bucket_ms[1])},
        "window_seconds": num(ev.window_seconds),
        "methods": dict(sorted(ev.methods.items())),
        "slo": slo,
        "passed": not suite_slo_problems(ev, suite, spec.gate),
    }
    if ev.p95_exact_latency_ms is not None:
        entry["p50_exact_latency_ms"] = num(ev.p50_exact_latency_ms)
        entry["p95_exact_latency_ms"] = num(ev.p95_exact_latency_ms)
        entry["p99_exact_latency_ms"] = num(ev.p99_exact_latency_ms)
    if ev.histogram is not None:
        entry["histogram"] = {
            "le_seconds": [_bound(b) for b in ev.histogram.bounds_seconds],
            # Raw data stays raw: a checker recomputes quantiles from these counts.
            "cumulative_counts": [_count(c) for c in ev.histogram.cumulative_counts],
        }
    if ev.notes:
        entry["notes"] = list(ev.notes)
    return entry


def _where(source: str) -> str:
    """What ran: ``reference-runtime`` or ``local`` for an embedded run, else the source."""
    return source.split("://", 1)[-1] or "local"


def drill_entry(result: DrillResult, evidence_mode: str, source: str = "") -> dict[str, Any]:
    prefix = SAMPLE_REF_PREFIX if evidence_mode != EVIDENCE_LIVE else "drill://"
    where = _where(source) if evidence_mode != EVIDENCE_LIVE else "reference-runtime"
    if result.fault == "custom":
        where = "hooks"
    slug = result.drill_id.replace("_", "-")
    observations = {
        k: (num(v) if isinstance(v, float) else v) for k, v in sorted(result.observations.items())
    }
    return {
        "drill_id": result.drill_id,
        "fault": result.fault,
        "injected_fault": result.injected_fault,
        "expected_behavior": result.expected_behavior,
        "observed_behavior": result.observed_behavior,
        "observations": observations,
        "passed": result.passed,
        "failure_reason": result.failure_reason,
        "started_at": iso(result.started_at),
        "ended_at": iso(result.ended_at),
        "recovery_seconds": num(result.recovery_seconds),
        "evidence_ref": f"{prefix}{where}/failure-mode/{slug}",
    }


def ha_entry(ha: HaEvaluation, spec: Spec) -> dict[str, Any]:
    targets = spec.ha_dr
    return {
        "schema_version": names.HA_TARGETS_SCHEMA_V1,
        "rto_minutes": targets.rto_minutes,
        "rpo_minutes": targets.rpo_minutes,
        "min_api_replicas": targets.min_api_replicas,
        "min_worker_replicas": targets.min_worker_replicas,
        "event_bus_required": dataclasses.asdict(targets.event_bus),
        "health_endpoints": list(targets.health_endpoints),
        "availability_objective": targets.availability.objective,
        "availability_period_days": targets.availability.period_days,
        "measured": {
            "evidence_mode": ha.evidence_mode,
            "availability_ratio": num(ha.availability_ratio),
            "rto_minutes": num(ha.rto_minutes),
            "rpo_minutes": num(ha.rpo_minutes),
            "api_replicas": ha.api_replicas,
            "worker_replicas": ha.worker_replicas,
            "event_bus": dict(sorted(ha.event_bus.items())),
            "methods": dict(sorted(ha.methods.items())),
        },
    }


def gate_entry(gate: GateResult) -> dict[str, Any]:
    return {
        "schema_version": names.GATE_SCHEMA_V2,
        "passed": gate.passed,
        "status": gate.status,
        "blocker_count": gate.blocker_count,
        "warning_count": gate.warning_count,
        "checks": [{"name": c.name, "status": c.status, "message": c.message} for c in gate.checks],
    }


def render_report(evaluation: Evaluation, gate: GateResult, spec: Spec) -> dict[str, Any]:
    """The benchmark report (v1 keys plus the v2 per-suite, drill and HA additions)."""
    report = _report_body(evaluation, gate, spec)
    if evaluation.regressions:  # only with a baseline, so other packets keep their bytes
        report["regressions"] = [regression_entry(r) for r in evaluation.regressions]
    return report


def _report_body(evaluation: Evaluation, gate: GateResult, spec: Spec) -> dict[str, Any]:
    return {
        "schema_version": names.REPORT_SCHEMA_V2,
        "product": names.PRODUCT,
        "generated_at": iso(evaluation.evaluated_at),
        "mode": "live" if evaluation.evidence_mode == EVIDENCE_LIVE else "reference",
        "benchmark_suites": [suite_entry(evaluation.suite(s.id), spec, s.id) for s in spec.suites],
        "ha_slo_targets": ha_entry(evaluation.ha, spec),
        "failure_mode_drills": [
            drill_entry(d, evaluation.evidence_mode, evaluation.source) for d in evaluation.drills
        ],
        "regression_gate": gate_entry(gate),
    }


def _operating_evidence(evaluation: Evaluation, provenance: Provenance) -> dict[str, str]:
    live = evaluation.evidence_mode == EVIDENCE_LIVE
    base = provenance.source if live else f"{SAMPLE_REF_PREFIX}{_where(provenance.source)}"
    return {
        "ci_run_ref": f"git://{provenance.git_commit}"
        if provenance.git_commit
        else f"{base}/ci-run",
        "benchmark_report_ref": "artifact://benchmark-slo/benchmark-slo-report.json",
        "ha_evidence_ref": f"{base}/ha",
        "failure_drill_ref": f"{base}/failure-modes",
    }


def render_packet(
    evaluation: Evaluation, gate: GateResult, spec: Spec, provenance: Provenance
) -> dict[str, Any]:
    """The sealed readiness packet v2 (``integrity.digest`` set)."""
    live_ready = gate.passed and evaluation.evidence_mode == EVIDENCE_LIVE
    packet = {
        "schema_version": names.PACKET_SCHEMA_V2,
        "product": names.PRODUCT,
        "evidence_mode": evaluation.evidence_mode,
        "benchmark_report": render_report(evaluation, gate, spec),
        "slo_regression_gate": gate_entry(gate),
        "operating_evidence": _operating_evidence(evaluation, provenance),
        "provenance": provenance_entry(provenance),
        "ready_for_benchmark_slo_contract": gate.passed,
        "ready_for_live_benchmark_slo_gate": live_ready,
        "status": gate.status,
        "blocker_count": gate.blocker_count,
        "warning_count": gate.warning_count,
    }
    return seal(packet)


def provenance_entry(provenance: Provenance) -> dict[str, Any]:
    return {
        "source": provenance.source,
        "window_seconds": num(provenance.window_seconds),
        "evaluated_at": iso(provenance.evaluated_at),
        "tool": "cavra-prom",
        "tool_version": provenance.tool_version,
        "spec_digest": provenance.spec_digest,
        "git_commit": provenance.git_commit,
    }
