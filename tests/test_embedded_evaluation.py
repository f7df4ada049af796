"""Embedded evaluation: SLIs from a run equal what Prometheus would compute from its buckets."""

from __future__ import annotations

import pytest

from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.embedded import evaluate_ha_embedded, evaluate_suite_run
from cavra_prom.histogram import bucket_counts, histogram_quantile
from cavra_prom.runner import SuiteRun
from cavra_prom.spec.model import SloSpec

BOUNDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
SLO = SloSpec(p95_latency_ms_max=10.0, throughput_per_second_min=1.0)


def run_of(signed: list[float], active: float = 2.0) -> SuiteRun:
    return SuiteRun(
        suite_id="s",
        mode="closed",
        concurrency=1,
        arrival_rate_per_second=None,
        signed_durations=tuple(signed),
        started_at=0.0,
        finished_at=active,
        active_seconds=active,
        warmup_operations=0,
        schedule_lag_seconds=(),
        error_samples=(),
    )


def test_values_match_histogram_quantile_and_raw_data() -> None:
    # 100 samples: 1..100 ms (every 10th an error)
    signed = [(i / 1000.0) * (-1 if i % 10 == 0 else 1) for i in range(1, 101)]
    ev = evaluate_suite_run(run_of(signed), BOUNDS, SLO)
    buckets = bucket_counts([abs(x) for x in signed], BOUNDS)
    assert ev.sample_count == 100 and ev.error_count == 10
    assert ev.error_ratio == pytest.approx(0.1)
    assert ev.throughput_per_second == pytest.approx(50.0)
    assert ev.p95_latency_ms == pytest.approx(histogram_quantile(0.95, buckets) * 1000)
    assert ev.p95_exact_latency_ms == pytest.approx(95.0)
    assert ev.max_latency_ms == pytest.approx(100.0)
    assert ev.within_slo_ratio == pytest.approx(0.10)  # 1..10 ms are <= 10 ms
    assert ev.p95_bucket_ms == pytest.approx((50.0, 100.0))
    assert ev.histogram is not None
    assert ev.histogram.cumulative_counts[-1] == 100


def test_empty_run_is_unmeasured_not_zero() -> None:
    ev = evaluate_suite_run(run_of([], active=0.0), BOUNDS, SLO)
    assert ev.sample_count == 0
    assert ev.p95_latency_ms is None and ev.p95_exact_latency_ms is None
    assert ev.throughput_per_second is None and ev.within_slo_ratio is None
    assert ev.error_ratio is None


def drill(drill_id: str, recovery: float | None, **obs: float) -> DrillResult:
    return DrillResult(
        drill_id=drill_id,
        fault=drill_id,
        injected_fault="",
        expected_behavior="",
        observed_behavior="x",
        observations=obs,
        passed=True,
        recovery_seconds=recovery,
    )


def test_ha_rto_is_the_slowest_recovery_and_rpo_the_oldest_unreplicated_event() -> None:
    ha = evaluate_ha_embedded(
        [drill("a", 3.0, rpo_oldest_unreplicated_age_seconds=120.0), drill("b", 30.0)],
        api_replicas=2,
        worker_replicas=3,
        event_bus={"replay": True},
    )
    assert ha.rto_minutes == pytest.approx(0.5)
    assert ha.rpo_minutes == pytest.approx(2.0)
    assert (ha.api_replicas, ha.worker_replicas) == (2, 3)
    assert ha.evidence_mode == "sample"


def test_ha_unrecovered_drill_or_missing_rpo_leaves_them_unmeasured() -> None:
    ha = evaluate_ha_embedded([drill("a", None), drill("b", 1.0)], 2, 2, {})
    assert ha.rto_minutes is None and ha.rpo_minutes is None


def test_own_system_runs_do_not_borrow_the_reference_runtimes_ha_values() -> None:
    from dataclasses import replace

    from cavra_prom.benchmark import (
        EMBEDDED_SOURCE,
        LOCAL_SOURCE,
        _embedded_ha,
        embedded_source,
    )
    from cavra_prom.spec.loader import default_spec
    from cavra_prom.spec.model import TargetSpec

    spec = default_spec()
    assert embedded_source(spec) == EMBEDDED_SOURCE
    mine = replace(
        spec,
        suites=(replace(spec.suites[0], target=TargetSpec(kind="python")), *spec.suites[1:]),
    )
    assert embedded_source(mine) == LOCAL_SOURCE
    ha = _embedded_ha(mine, [drill("a", 1.0)])
    assert ha.api_replicas is None and ha.worker_replicas is None and not ha.event_bus
    reference = _embedded_ha(spec, [drill("a", 1.0)])
    assert reference.api_replicas == 2 and reference.event_bus.get("replay") is True
