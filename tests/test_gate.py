"""The pure gate: every blocker path, thresholds from the spec, fail closed on missing data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.model import (
    EVIDENCE_LIVE,
    EVIDENCE_SAMPLE,
    Evaluation,
    HaEvaluation,
    SuiteEvaluation,
)
from cavra_prom.gate import (
    CHECK_LIVE_EVIDENCE,
    STATUS_BLOCKED,
    STATUS_READY,
    STATUS_READY_WITH_WARNINGS,
    GateResult,
    evaluate_gate,
)
from cavra_prom.spec.loader import default_spec
from cavra_prom.spec.model import Spec

SPEC = default_spec()


def good_suite(suite_id: str, spec: Spec = SPEC) -> SuiteEvaluation:
    slo = spec.suite(suite_id).slo
    return SuiteEvaluation(
        suite_id=suite_id,
        window_seconds=3.0,
        sample_count=1000,
        error_count=0,
        p50_latency_ms=slo.p95_latency_ms_max / 10,
        p95_latency_ms=slo.p95_latency_ms_max / 5,
        p99_latency_ms=slo.p95_latency_ms_max / 4,
        p95_bucket_ms=(slo.p95_latency_ms_max / 6, slo.p95_latency_ms_max / 4),
        throughput_per_second=slo.throughput_per_second_min * 10,
        error_ratio=0.0,
        within_slo_ratio=1.0,
        histogram=None,
        methods={},
        p95_exact_latency_ms=slo.p95_latency_ms_max / 5,
    )


def good_drill(drill_id: str) -> DrillResult:
    return DrillResult(
        drill_id=drill_id,
        fault=drill_id,
        injected_fault="x",
        expected_behavior="y",
        observed_behavior="safe",
        observations={"operations": 50},
        passed=True,
        started_at=1.0,
        ended_at=2.0,
        recovery_seconds=0.01,
    )


def good_ha() -> HaEvaluation:
    return HaEvaluation(
        evidence_mode=EVIDENCE_LIVE,
        rto_minutes=1.0,
        rpo_minutes=0.5,
        api_replicas=2,
        worker_replicas=3,
        event_bus={
            "durable_delivery": True,
            "dead_letter_queue": True,
            "replay": True,
            "consumer_lag_metrics": True,
        },
        availability_ratio=0.9995,
    )


def evaluation(**changes: object) -> Evaluation:
    base = Evaluation(
        source="http://prometheus:9090",
        evidence_mode=EVIDENCE_LIVE,
        evaluated_at=1.0,
        suites=tuple(good_suite(s.id) for s in SPEC.suites),
        drills=tuple(good_drill(d.id) for d in SPEC.drills),
        ha=good_ha(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def check(result: GateResult, name: str) -> tuple[str, str]:
    found = next(c for c in result.checks if c.name == name)
    return found.status, found.message


def with_suite(suite_id: str, **changes: object) -> Evaluation:
    suites = tuple(
        replace(s, **changes) if s.suite_id == suite_id else s  # type: ignore[arg-type]
        for s in evaluation().suites
    )
    return evaluation(suites=suites)


def test_all_good_live_evaluation_is_ready_with_r61_check_names() -> None:
    result = evaluate_gate(evaluation(), SPEC)
    assert result.status == STATUS_READY and result.passed
    assert [c.name for c in result.checks] == [
        names.CHECK_BENCHMARK_SUITES,
        "continuous_monitoring_replay_slo",
        "policy_lifecycle_dry_run_slo",
        "runtime_decision_latency_slo",
        names.CHECK_FAILURE_MODE_DRILLS,
        names.CHECK_HA_SLO_TARGETS,
        CHECK_LIVE_EVIDENCE,
    ]


def test_sample_evidence_is_a_warning_or_a_blocker_by_policy() -> None:
    sample = evaluation(evidence_mode=EVIDENCE_SAMPLE)
    assert evaluate_gate(sample, SPEC).status == STATUS_READY_WITH_WARNINGS
    strict = replace(SPEC, gate=replace(SPEC.gate, allow_sample_evidence=False))
    assert check(evaluate_gate(sample, strict), CHECK_LIVE_EVIDENCE)[0] == names.STATUS_BLOCKER


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"p95_latency_ms": 51.0, "within_slo_ratio": 0.9, "p95_exact_latency_ms": 52.0},
            "p95 51 ms > max 50 ms",
        ),
        ({"throughput_per_second": 99.5}, "throughput 99.5/s < min 100/s"),
        ({"throughput_per_second": None}, "throughput unmeasured"),
        ({"p95_latency_ms": None}, "p95 latency unmeasured"),
        ({"within_slo_ratio": None}, "within-SLO ratio unmeasured"),
        ({"sample_count": 99}, "99 samples < minimum 100"),
        ({"within_slo_ratio": 0.94}, "inconsistent latency evidence"),
        ({"p95_exact_latency_ms": 60.0}, "inconsistent latency evidence"),
    ],
)
def test_suite_slo_blockers_name_value_and_threshold(
    changes: dict[str, object], expected: str
) -> None:
    result = evaluate_gate(with_suite("runtime_decision_latency", **changes), SPEC)
    status, message = check(result, "runtime_decision_latency_slo")
    assert status == names.STATUS_BLOCKER
    assert expected in message
    assert result.status == STATUS_BLOCKED


def test_optional_p99_and_error_ratio_objectives_apply_when_set() -> None:
    suite = SPEC.suite("runtime_decision_latency")
    strict_slo = replace(suite.slo, p99_latency_ms_max=10.0, error_ratio_max=0.01)
    spec = replace(
        SPEC,
        suites=tuple(replace(s, slo=strict_slo) if s.id == suite.id else s for s in SPEC.suites),
    )
    result = evaluate_gate(with_suite(suite.id, error_ratio=0.02), spec)
    _, message = check(result, "runtime_decision_latency_slo")
    assert "p99 12.5 ms > max 10 ms" in message
    assert "error ratio 0.02 > max 0.01" in message


def test_thresholds_come_from_the_spec_not_the_data() -> None:
    # the same measurements pass the default spec and block a stricter one
    strict = replace(
        SPEC,
        suites=tuple(replace(s, slo=replace(s.slo, p95_latency_ms_max=0.001)) for s in SPEC.suites),
    )
    result = evaluate_gate(evaluation(), strict)
    blocked = {c.name for c in result.blockers()}
    assert {f"{s.id}_slo" for s in SPEC.suites} <= blocked


def test_missing_suite_blocks_both_presence_and_its_slo() -> None:
    suites = tuple(s for s in evaluation().suites if s.suite_id != "policy_lifecycle_dry_run")
    result = evaluate_gate(evaluation(suites=suites), SPEC)
    assert check(result, names.CHECK_BENCHMARK_SUITES)[0] == names.STATUS_BLOCKER
    assert "policy_lifecycle_dry_run" in check(result, names.CHECK_BENCHMARK_SUITES)[1]
    assert check(result, "policy_lifecycle_dry_run_slo")[0] == names.STATUS_BLOCKER


def test_failed_or_missing_drill_blocks_with_its_reason() -> None:
    drills = list(evaluation().drills)
    drills[0] = replace(
        drills[0],
        passed=False,
        observed_behavior="unsafe_approval",
        failure_reason="3 allow decisions without audit record",
    )
    del drills[1]
    result = evaluate_gate(evaluation(drills=tuple(drills)), SPEC)
    status, message = check(result, names.CHECK_FAILURE_MODE_DRILLS)
    assert status == names.STATUS_BLOCKER
    assert "event_bus_unavailable failed (unsafe_approval): 3 allow decisions" in message
    assert "store_write_failure did not run" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"rto_minutes": 61.0}, "RTO 61 min > 60 min"),
        ({"rpo_minutes": None}, "RPO unmeasured > 15 min"),
        ({"api_replicas": 1}, "API replicas 1 < 2"),
        ({"worker_replicas": None}, "worker replicas unmeasured < 2"),
        ({"event_bus": {"durable_delivery": True}}, "event bus replay not shown"),
        ({"availability_ratio": 0.998}, "availability 99.8000% < objective 99.9000%"),
        ({"availability_ratio": None}, "availability unmeasured < objective 99.9000%"),
    ],
)
def test_ha_targets_block_on_miss_or_unmeasured(changes: dict[str, object], expected: str) -> None:
    ha = replace(good_ha(), **changes)  # type: ignore[arg-type]
    status, message = check(evaluate_gate(evaluation(ha=ha), SPEC), names.CHECK_HA_SLO_TARGETS)
    assert status == names.STATUS_BLOCKER
    assert expected in message


def test_evaluation_problems_are_one_blocker_naming_each_reason() -> None:
    from cavra_prom.evaluation.model import EvaluationProblem
    from cavra_prom.gate import CHECK_EVALUATION

    problems = (
        EvaluationProblem("unreachable", "connection refused", fatal=True),
        EvaluationProblem("stale", "runtime_decision_latency last scraped 900 s ago"),
    )
    ev = evaluation(problems=problems)
    assert ev.could_not_evaluate
    status, message = check(evaluate_gate(ev, SPEC), CHECK_EVALUATION)
    assert status == names.STATUS_BLOCKER
    assert "unreachable: connection refused" in message and "stale: runtime" in message
    assert CHECK_EVALUATION not in {c.name for c in evaluate_gate(evaluation(), SPEC).checks}
