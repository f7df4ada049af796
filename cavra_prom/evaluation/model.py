"""The evaluated values the gate judges, whatever their source (embedded run or PromQL).

A value that could not be measured is ``None`` (never NaN): the gate turns it into a blocker
that names it, and the packet serialises it as ``null``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cavra_prom.drills import DrillResult
from cavra_prom.regression.model import RegressionResult

EVIDENCE_SAMPLE = "sample"
EVIDENCE_LIVE = "live"


@dataclass(frozen=True)
class HistogramSnapshot:
    """Bucket upper bounds (seconds, last is +Inf) and cumulative counts over the window."""

    bounds_seconds: tuple[float, ...]
    cumulative_counts: tuple[float, ...]

    def as_buckets(self) -> list[tuple[float, float]]:
        return list(zip(self.bounds_seconds, self.cumulative_counts, strict=True))


@dataclass(frozen=True)
class SuiteEvaluation:
    """One suite's SLIs. Histogram-derived quantiles are what Prometheus would report."""

    suite_id: str
    window_seconds: float | None
    sample_count: int
    error_count: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None
    p95_bucket_ms: tuple[float, float] | None
    throughput_per_second: float | None
    error_ratio: float | None
    within_slo_ratio: float | None
    histogram: HistogramSnapshot | None
    methods: Mapping[str, str]
    p50_exact_latency_ms: float | None = None
    p95_exact_latency_ms: float | None = None
    p99_exact_latency_ms: float | None = None
    max_latency_ms: float | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HaEvaluation:
    """HA/DR values measured beside the spec's targets, and where each came from."""

    evidence_mode: str
    rto_minutes: float | None
    rpo_minutes: float | None
    api_replicas: int | None
    worker_replicas: int | None
    event_bus: Mapping[str, bool | None]
    methods: Mapping[str, str] = field(default_factory=dict)
    availability_ratio: float | None = None


@dataclass(frozen=True)
class EvaluationProblem:
    """Why (part of) an evaluation could not be made: each one is a blocker in the gate.

    ``reason`` is a short machine word (``unreachable``, ``timeout``, ``bad_response``,
    ``no_data``, ``nan``, ``stale``, ``partial_response`` ...), also the label of
    ``cavra_evaluation_errors_total``; ``fatal`` marks a source that could not be evaluated
    at all (``cavra benchmark evaluate`` exits 3).
    """

    reason: str
    message: str
    fatal: bool = False


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation measured: the gate's only input besides the spec."""

    source: str
    evidence_mode: str
    evaluated_at: float
    suites: tuple[SuiteEvaluation, ...]
    drills: tuple[DrillResult, ...]
    ha: HaEvaluation
    window_seconds: float | None = None
    problems: tuple[EvaluationProblem, ...] = ()
    regressions: tuple[RegressionResult, ...] = ()
    """Each suite against its baseline (:mod:`cavra_prom.regression`); empty without one."""

    @property
    def could_not_evaluate(self) -> bool:
        return any(p.fatal for p in self.problems)

    def suite(self, suite_id: str) -> SuiteEvaluation | None:
        return next((s for s in self.suites if s.suite_id == suite_id), None)

    def drill(self, drill_id: str) -> DrillResult | None:
        return next((d for d in self.drills if d.drill_id == drill_id), None)
