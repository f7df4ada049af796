"""The readiness checker on real packets: verdicts re-derived, never read from the packet.

The packets here come from one real embedded run of the fast spec (the reference runtime, real
suites and drills), rendered as the sample packet it is and, for live cases, re-rendered as a
Prometheus evaluation would label it (evidence_mode live, a Prometheus URL and window as
provenance): the checker is what is under test, and it only sees the JSON. Other packet tests
import the helpers below.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from pathlib import Path
from typing import Any

from cavra_prom.benchmark import BenchmarkOutcome, run_benchmark
from cavra_prom.evaluation.model import EVIDENCE_LIVE, Evaluation
from cavra_prom.gate import evaluate_gate
from cavra_prom.packet.canonical import seal
from cavra_prom.packet.checker import CheckOptions, ReadinessResult, check_packet
from cavra_prom.packet.parse import evaluation_from_packet, parse_timestamp
from cavra_prom.packet.reader import PACKET_SCHEMAS
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.packet.schemas import packet_problems, result_problems
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model import Spec
from tests.conftest import fast_spec_text

# The fast spec with thresholds no loaded CI machine can miss: these tests are about the
# checker, so the run they check must not be blocked by a busy neighbour.
LENIENT = {
    "p95_latency_ms_max: 50": "p95_latency_ms_max: 2000",
    "p95_latency_ms_max: 100": "p95_latency_ms_max: 2000",
    "p95_latency_ms_max: 250": "p95_latency_ms_max: 2000",
    "throughput_per_second_min: 100": "throughput_per_second_min: 1",
    "throughput_per_second_min: 50": "throughput_per_second_min: 1",
    "throughput_per_second_min: 10": "throughput_per_second_min: 1",
}


def checker_spec_text(**replacements: str) -> str:
    """The lenient fast spec as YAML, with further replacements."""
    return fast_spec_text(**{**LENIENT, **replacements})


def write_test_spec(directory: Path) -> Path:
    path = directory / "checker-spec.yaml"
    path.write_text(checker_spec_text())
    return path


FAST_SPEC: Spec = load_spec_text(checker_spec_text(), "checker-spec.yaml")
PROMETHEUS_URL = "http://127.0.0.1:9090"
LIVE_WINDOW_SECONDS = 300.0


@functools.cache
def embedded_outcome() -> BenchmarkOutcome:
    """One real embedded run per test process (about 2 s), shared by every packet test."""
    return run_benchmark(FAST_SPEC, None)


def provenance(evaluation: Evaluation, source: str, window: float | None) -> Provenance:
    return Provenance(
        source=source,
        window_seconds=window,
        evaluated_at=evaluation.evaluated_at,
        tool_version="0.1.0",
        spec_digest=spec_digest(FAST_SPEC),
        git_commit="0" * 40,
    )


def render(evaluation: Evaluation, source: str, window: float | None) -> dict[str, Any]:
    gate = evaluate_gate(evaluation, FAST_SPEC)
    return render_packet(evaluation, gate, FAST_SPEC, provenance(evaluation, source, window))


def sample_packet() -> dict[str, Any]:
    """The embedded run's packet, as `cavra benchmark run` renders it."""
    evaluation = embedded_outcome().evaluation
    return render(evaluation, evaluation.source, 3.0)


def live_evaluation() -> Evaluation:
    evaluation = embedded_outcome().evaluation
    return dataclasses.replace(
        evaluation,
        source=PROMETHEUS_URL,
        evidence_mode=EVIDENCE_LIVE,
        ha=dataclasses.replace(evaluation.ha, evidence_mode=EVIDENCE_LIVE),
    )


def live_packet() -> dict[str, Any]:
    """The same measurements labelled as a Prometheus evaluation would label them."""
    return render(live_evaluation(), PROMETHEUS_URL, LIVE_WINDOW_SECONDS)


def evaluated_at(packet: dict[str, Any]) -> float:
    stamp = parse_timestamp(packet["provenance"]["evaluated_at"])
    assert stamp is not None
    return stamp


def check(packet: dict[str, Any], **options: Any) -> ReadinessResult:
    """Check with the fast spec, one minute after the packet was evaluated (unless told)."""
    options.setdefault("spec", FAST_SPEC)
    options.setdefault("now", evaluated_at(packet) + 60.0)
    version = PACKET_SCHEMAS[packet["schema_version"]]
    return check_packet(packet, version, CheckOptions(**options))


def blockers(result: ReadinessResult) -> set[str]:
    return {c.name for c in result.checks if c.status == "blocker"}


def statuses(result: ReadinessResult) -> dict[str, str]:
    return {c.name: c.status for c in result.checks}


def resealed(packet: dict[str, Any]) -> dict[str, Any]:
    """After an edit: a new, matching digest (anyone can compute one)."""
    return seal(copy.deepcopy(packet))


def test_rendered_packets_match_the_shipped_schema() -> None:
    assert packet_problems(sample_packet()) == []
    assert packet_problems(live_packet()) == []


def test_sample_packet_is_ready_with_one_warning_and_not_live() -> None:
    result = check(sample_packet())
    assert result.status == "ready_with_warnings", result.checks
    assert result.ready_for_contract and not result.ready_for_live
    assert [c.name for c in result.checks if c.status == "warn"] == ["live_evidence"]
    assert result_problems(result.as_dict()) == []


def test_sample_packet_is_blocked_under_require_live_naming_each_missing_proof() -> None:
    result = check(sample_packet(), require_live=True)
    assert result.status == "blocked"
    assert {"live_evidence", "live_provenance", "sample_refs"} <= blockers(result)
    assert statuses(result)["freshness"] == "pass"
    assert not result.ready_for_contract and not result.ready_for_live


def test_live_packet_is_live_ready_and_every_check_passes() -> None:
    result = check(live_packet(), require_live=True)
    assert result.status == "ready", [c for c in result.checks if c.status != "pass"]
    assert result.ready_for_live and result.blocker_count == 0
    names = [c.name for c in result.checks]
    for expected in (
        "schema_version",
        "packet_schema",
        "integrity_digest",
        "evidence_mode",
        "spec_thresholds",
        "suite_evidence",
        "drill_evidence",
        "benchmark_suites",
        "runtime_decision_latency_slo",
        "failure_mode_drills",
        "ha_slo_targets",
        "live_evidence",
        "embedded_verdicts",
        "live_provenance",
        "sample_refs",
        "freshness",
    ):
        assert expected in names
    assert result_problems(result.as_dict()) == []


def test_embedded_passed_flags_and_gate_are_never_used_to_reach_a_verdict() -> None:
    """Flip every embedded verdict to 'blocked' consistently; the evidence still says ready."""
    packet = copy.deepcopy(sample_packet())
    for suite in packet["benchmark_report"]["benchmark_suites"]:
        suite["passed"] = False
    for gate in (packet["slo_regression_gate"], packet["benchmark_report"]["regression_gate"]):
        for item in gate["checks"]:
            item["status"] = "blocker"
        gate.update(passed=False, status="blocked", blocker_count=len(gate["checks"]))
        gate["warning_count"] = 0
    packet.update(
        status="blocked",
        blocker_count=len(packet["slo_regression_gate"]["checks"]),
        warning_count=0,
        ready_for_benchmark_slo_contract=False,
    )
    result = check(resealed(packet))
    assert result.status == "ready_with_warnings", [c for c in result.checks if c.status != "pass"]


def test_a_stricter_spec_blocks_the_same_packet_with_its_own_thresholds() -> None:
    """Thresholds come from the spec the checker is given, not from the packet."""
    strict = load_spec_text(
        checker_spec_text(
            **{"throughput_per_second_min: 100": "throughput_per_second_min: 99999999"}
        ),
        "strict.yaml",
    )
    result = check(sample_packet(), spec=strict)
    assert "runtime_decision_latency_slo" in blockers(result)
    assert "99,999,999/s" in statuses_messages(result)["runtime_decision_latency_slo"]


def statuses_messages(result: ReadinessResult) -> dict[str, str]:
    return {c.name: c.message for c in result.checks}


def test_a_spec_threshold_that_is_not_a_bucket_bound_is_named() -> None:
    other = load_spec_text(
        checker_spec_text(**{"p95_latency_ms_max: 50": "p95_latency_ms_max: 41"}), "o"
    )
    result = check(sample_packet(), spec=other)
    assert "spec_thresholds" in blockers(result)
    assert "41 ms is not a bucket bound" in statuses_messages(result)["spec_thresholds"]


def test_parse_reads_back_what_render_wrote() -> None:
    evaluation = embedded_outcome().evaluation
    parsed = evaluation_from_packet(sample_packet())
    assert [s.suite_id for s in parsed.suites] == [s.suite_id for s in evaluation.suites]
    for got, want in zip(parsed.suites, evaluation.suites, strict=True):
        assert got.sample_count == want.sample_count
        assert got.histogram == want.histogram
        assert abs((got.p95_latency_ms or 0) - (want.p95_latency_ms or 0)) < 1e-6
    for got_drill, want_drill in zip(parsed.drills, evaluation.drills, strict=True):
        assert got_drill.observations == dict(want_drill.observations) or all(
            abs(float(got_drill.observations[k]) - float(v)) < 1e-6
            for k, v in want_drill.observations.items()
        )
        assert got_drill.passed == want_drill.passed
    assert parsed.ha.api_replicas == evaluation.ha.api_replicas
    assert abs(parsed.evaluated_at - evaluation.evaluated_at) < 0.001


def with_extra_gate_check(packet: dict[str, Any], status: str) -> dict[str, Any]:
    """The packet as if its evaluator had added a check this checker cannot re-derive."""
    edited = copy.deepcopy(packet)
    extra = {"name": "runtime_decision_latency_regression", "status": status, "message": "p95 +40%"}
    for gate in (edited["slo_regression_gate"], edited["benchmark_report"]["regression_gate"]):
        gate["checks"].append(extra)
        blockers_now = sum(c["status"] == "blocker" for c in gate["checks"])
        warnings_now = sum(c["status"] == "warn" for c in gate["checks"])
        gate.update(passed=blockers_now == 0, blocker_count=blockers_now)
        gate["warning_count"] = warnings_now
    edited.update(
        blocker_count=edited["slo_regression_gate"]["blocker_count"],
        warning_count=edited["slo_regression_gate"]["warning_count"],
        ready_for_benchmark_slo_contract=edited["slo_regression_gate"]["blocker_count"] == 0,
    )
    if edited["blocker_count"]:
        edited.update(status="blocked", ready_for_live_benchmark_slo_gate=False)
    return resealed(edited)


def test_a_blocker_the_checker_cannot_rederive_stands() -> None:
    """Fail closed: e.g. a baseline regression, whose baseline is not in the packet."""
    result = check(with_extra_gate_check(live_packet(), "blocker"), require_live=True)
    assert blockers(result) == {"runtime_decision_latency_regression"}
    message = statuses_messages(result)["runtime_decision_latency_regression"]
    assert message.startswith("From the packet (not re-derived here): p95 +40%")


def test_a_pass_the_checker_cannot_rederive_is_a_warning() -> None:
    result = check(with_extra_gate_check(live_packet(), "pass"), require_live=True)
    assert result.blocker_count == 0 and statuses(result)["not_rederived"] == "warn"
    assert "runtime_decision_latency_regression" in statuses_messages(result)["not_rederived"]
