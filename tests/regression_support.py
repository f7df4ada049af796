"""Helpers for the regression tests: seeded runs, evaluations and sealed packets built by the
real evaluation, gate and renderer (no hand-written packet JSON)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from cavra_prom.benchmark import EMBEDDED_SOURCE, suite_buckets
from cavra_prom.evaluation.embedded import evaluate_suite_run
from cavra_prom.evaluation.model import EVIDENCE_SAMPLE, Evaluation, HaEvaluation
from cavra_prom.gate import evaluate_gate
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.runner import SuiteRun
from cavra_prom.spec.loader import default_spec
from cavra_prom.spec.model import Spec

SPEC = default_spec()
SUITE = "runtime_decision_latency"


def lognormal(seed: int, n: int, median_seconds: float, factor: float = 1.0) -> list[float]:
    """Seeded lognormal durations (sigma 0.5, p95 about 2.3x the median), times ``factor``."""
    rng = random.Random(seed)
    return [factor * rng.lognormvariate(0.0, 0.5) * median_seconds for _ in range(n)]


def suite_run(suite_id: str, durations: Sequence[float], active_seconds: float) -> SuiteRun:
    return SuiteRun(
        suite_id=suite_id,
        mode="closed",
        concurrency=1,
        arrival_rate_per_second=None,
        signed_durations=tuple(durations),
        started_at=1_700_000_000.0,
        finished_at=1_700_000_000.0 + active_seconds,
        active_seconds=active_seconds,
        warmup_operations=0,
        schedule_lag_seconds=(),
        error_samples=(),
    )


def evaluation_of(
    durations: Mapping[str, Sequence[float]],
    active_seconds: float = 10.0,
    spec: Spec = SPEC,
    evaluated_at: float = 1_700_000_100.0,
) -> Evaluation:
    """An embedded evaluation of the given durations, by the real embedded evaluator."""
    suites = tuple(
        evaluate_suite_run(
            suite_run(s.id, durations[s.id], active_seconds), suite_buckets(s), s.slo
        )
        for s in spec.suites
        if s.id in durations
    )
    ha = HaEvaluation(EVIDENCE_SAMPLE, 0.1, 0.1, 2, 2, {})
    return Evaluation(EMBEDDED_SOURCE, EVIDENCE_SAMPLE, evaluated_at, suites, (), ha)


def packet_of(evaluation: Evaluation, spec: Spec = SPEC) -> dict[str, Any]:
    """A sealed v2 packet for the evaluation, as ``cavra benchmark run`` renders one."""
    provenance = Provenance(
        source=evaluation.source,
        window_seconds=10.0,
        evaluated_at=evaluation.evaluated_at,
        tool_version="test",
        spec_digest=spec_digest(spec),
    )
    return render_packet(evaluation, evaluate_gate(evaluation, spec), spec, provenance)
