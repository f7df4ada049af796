"""The operational spec parts: serve schedules, regression policy, HA/DR PromQL."""

from __future__ import annotations

from cavra_prom.spec.loader import load_spec_text, validate_spec_text
from cavra_prom.spec.model import AvailabilitySpec, HaQueries, RegressionSpec, ServeSchedule

SUITE = """\
version: cavra/v1
suites:
  - id: a
    target: {kind: reference, operation: runtime_decision}
    slo: {p95_latency_ms_max: 20, throughput_per_second_min: 5}
"""


def errors(text: str) -> list[str]:
    return [f"{p.path}: {p.message}" for p in validate_spec_text(text, "x.yaml").errors]


def test_defaults_apply_when_the_sections_are_omitted() -> None:
    spec = load_spec_text(SUITE, "x.yaml")
    suite = spec.suite("a")
    assert suite.serve == ServeSchedule()
    assert suite.regression == RegressionSpec()
    assert spec.ha_dr.availability == AvailabilitySpec()
    assert spec.ha_dr.queries == HaQueries()


def test_sections_are_read_with_their_values() -> None:
    text = SUITE + (
        "    serve: {mode: continuous, every_seconds: 10, burst_seconds: 2}\n"
        "    regression: {baseline: pinned, pinned_packet: base.json, p95_increase_max: 0.2,\n"
        "                 offset_seconds: 604800, min_throughput_per_second: 0}\n"
        "ha_dr:\n"
        "  availability: {objective: 0.995, period_days: 7,\n"
        "                 good_query: 'sum(rate(ok_total[$window]))',\n"
        "                 total_query: 'sum(rate(all_total[$window]))'}\n"
        "  queries: {api_replicas: 'min(kube_deployment_status_replicas_available)'}\n"
    )
    spec = load_spec_text(text, "x.yaml")
    suite = spec.suite("a")
    assert suite.serve == ServeSchedule("continuous", 10.0, 2.0)
    assert suite.regression.baseline == "pinned"
    assert suite.regression.pinned_packet == "base.json"
    assert suite.regression.p95_increase_max == 0.2
    assert suite.regression.offset_seconds == 604800.0
    assert spec.ha_dr.availability.objective == 0.995
    assert spec.ha_dr.availability.good_query == "sum(rate(ok_total[$window]))"
    assert spec.ha_dr.queries.api_replicas == "min(kube_deployment_status_replicas_available)"
    assert spec.ha_dr.queries.rto_minutes == HaQueries().rto_minutes


def test_bad_values_are_reported_at_their_paths_all_at_once() -> None:
    text = SUITE + (
        "    serve: {mode: burst, every_seconds: 5, burst_seconds: 5}\n"
        "    regression: {baseline: pinned, throughput_decrease_max: 2}\n"
        "drills:\n"
        "  - id: d\n"
        "    fault: connector_timeout\n"
        "    injected_fault: x\n"
        "    expected_behavior: y\n"
        "    schedule_seconds: 0\n"
        "ha_dr:\n"
        "  availability: {objective: 1}\n"
        "  queries: {rpo_minutes: 'max(cavra_ha_rpo_seconds'}\n"
    )
    got = errors(text)
    assert "suites[0].serve.burst_seconds: must be shorter than every_seconds" in got
    assert "suites[0].regression.throughput_decrease_max: must be <= 1" in got
    assert "suites[0].regression.pinned_packet: is required when baseline is pinned" in got
    assert "drills[0].schedule_seconds: must be > 0" in got
    assert (
        "ha_dr.availability.objective: must be < 1: an objective of 100% leaves no error budget"
        in got
    )
    assert any(e.startswith("ha_dr.queries.rpo_minutes: is not valid PromQL: ") for e in got), got


def test_window_placeholder_is_accepted_in_promql() -> None:
    text = SUITE + "ha_dr:\n  availability: {good_query: 'sum(rate(x[$window]))'}\n"
    assert errors(text) == []
