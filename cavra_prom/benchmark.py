"""One embedded benchmark: run the suites and drills, evaluate, gate.

This is the orchestration behind ``cavra benchmark run``: I/O-free apart from driving the
targets, with every metric recorded into the registry the caller passes in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client.registry import CollectorRegistry

from cavra_prom.buckets import latency_buckets
from cavra_prom.drills import DrillResult, run_drill
from cavra_prom.errors import TargetError
from cavra_prom.evaluation.embedded import (
    availability_from_suites,
    evaluate_ha_embedded,
    evaluate_suite_run,
)
from cavra_prom.evaluation.model import EVIDENCE_SAMPLE, Evaluation, HaEvaluation, SuiteEvaluation
from cavra_prom.gate import GateResult, evaluate_gate
from cavra_prom.instruments import SuiteMetrics, now
from cavra_prom.outcome_metrics import DrillMetrics, GateMetrics, HaMetrics
from cavra_prom.runner import ProgressCallback, SuiteRun, run_suite
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.spec.model import DrillSpec, Spec, SuiteSpec
from cavra_prom.targets import ReferenceTarget, Target, build_target

EMBEDDED_SOURCE = "embedded://reference-runtime"
LOCAL_SOURCE = "embedded://local"


def measures_reference_runtime(spec: Spec) -> bool:
    """True when every suite and drill drives the built-in reference runtime.

    Only then may the run report the reference runtime's HA/DR values: for your own system
    (python, http or command targets, hook drills) they are unmeasured here and must come from
    Prometheus (``ha_dr.queries``), so the gate names them instead of borrowing ours.
    """
    return all(s.target.kind == "reference" for s in spec.suites) and all(
        d.hooks is None for d in spec.drills
    )


def embedded_source(spec: Spec) -> str:
    """The provenance source of an embedded run of ``spec``."""
    return EMBEDDED_SOURCE if measures_reference_runtime(spec) else LOCAL_SOURCE


DrillCallback = Callable[[DrillSpec, DrillResult | None], None]
"""Called before a drill starts (result None) and after it ends."""


@dataclass(frozen=True)
class BenchmarkOutcome:
    spec: Spec
    runs: tuple[SuiteRun, ...]
    evaluation: Evaluation
    gate: GateResult


def suite_buckets(suite: SuiteSpec) -> tuple[float, ...]:
    """The bucket layout a suite records with: its p95 (and p99) thresholds are exact bounds."""
    extra = () if suite.slo.p99_latency_ms_max is None else (suite.slo.p99_latency_ms_max / 1000.0,)
    return latency_buckets(suite.slo.p95_latency_seconds_max, extra)


def run_suites(
    spec: Spec,
    metrics: SuiteMetrics,
    progress: ProgressCallback | None = None,
    latency_faults: Mapping[str, float] | None = None,
) -> tuple[list[SuiteRun], list[SuiteEvaluation]]:
    runs, evaluations = [], []
    for suite in spec.suites:
        bounds = suite_buckets(suite)
        series = metrics.add_suite(
            suite.id, bounds, suite.slo.p95_latency_seconds_max, suite.slo.throughput_per_second_min
        )
        target = build_target(suite.target, suite.workload.seed)
        try:
            inject_latency(suite, target, (latency_faults or {}).get(suite.id))
            run = run_suite(suite, target, series, progress)
        finally:
            target.close()
        runs.append(run)
        evaluations.append(evaluate_suite_run(run, bounds, suite.slo))
    return runs, evaluations


def inject_latency(suite: SuiteSpec, target: Target, seconds: float | None) -> None:
    """Slow every operation of a reference suite by ``seconds`` (the runtime's latency fault,
    as ``cavra serve`` injects it): a real slowdown for showing the regression gate block."""
    if seconds is None:
        return
    if not isinstance(target, ReferenceTarget):
        raise TargetError(f"suite {suite.id}: latency can only be injected into a reference target")
    target.runtime.faults.set_latency(seconds)


def run_drills(spec: Spec, on_drill: DrillCallback | None = None) -> list[DrillResult]:
    results = []
    for drill in spec.drills:
        if on_drill:
            on_drill(drill, None)
        result = run_drill(drill, runtime_config=RuntimeConfig(seed=drill.seed))
        if on_drill:
            on_drill(drill, result)
        results.append(result)
    return results


Regress = Callable[[Evaluation, Sequence[SuiteRun]], Evaluation]
"""Compares an evaluation with a baseline (given the runs' raw durations) before the gate."""


def _embedded_ha(spec: Spec, drills: Sequence[DrillResult]) -> HaEvaluation:
    if not measures_reference_runtime(spec):
        return evaluate_ha_embedded(drills, api_replicas=None, worker_replicas=None, event_bus={})
    config = RuntimeConfig()
    return evaluate_ha_embedded(
        drills,
        api_replicas=config.api_replicas,
        worker_replicas=config.worker_replicas,
        event_bus=ReferenceRuntime(config).event_bus_capabilities(),
    )


def run_benchmark(
    spec: Spec,
    registry: CollectorRegistry | None,
    progress: ProgressCallback | None = None,
    on_drill: DrillCallback | None = None,
    *,
    latency_faults: Mapping[str, float] | None = None,
    regress: Regress | None = None,
) -> BenchmarkOutcome:
    """Run every suite and drill of ``spec`` against the reference runtime and gate the result.

    ``latency_faults`` (suite id -> seconds) slows reference suites; ``regress`` attaches
    baseline comparisons (:mod:`cavra_prom.regression`) so the gate judges them too.
    """
    suite_metrics = SuiteMetrics(registry)
    drill_metrics = DrillMetrics(registry)
    gate_metrics = GateMetrics(registry)
    ha_metrics = HaMetrics(registry)

    runs, suite_evaluations = run_suites(spec, suite_metrics, progress, latency_faults)
    drills = run_drills(spec, on_drill)
    drill_metrics.update(drills)

    ha = dataclasses.replace(
        _embedded_ha(spec, drills), availability_ratio=availability_from_suites(suite_evaluations)
    )
    ha_metrics.update(ha)
    evaluation = Evaluation(
        source=embedded_source(spec),
        evidence_mode=EVIDENCE_SAMPLE,
        evaluated_at=now(),
        suites=tuple(suite_evaluations),
        drills=tuple(drills),
        ha=ha,
    )
    if regress is not None:
        evaluation = regress(evaluation, runs)
    gate = evaluate_gate(evaluation, spec)
    gate_metrics.update(gate)
    return BenchmarkOutcome(spec, tuple(runs), evaluation, gate)
