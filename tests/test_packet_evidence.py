"""Re-deriving verdicts from raw evidence: drill rules against real drills, histogram recompute.

The drill rules are checked against the drills themselves: on the real reference runtime they
must reach the drill's own verdict, pass or fail, with the same word. The recompute tests use
hand-built histograms whose answers are worked out in the comments.
"""

from __future__ import annotations

import math

import pytest

from cavra_prom import conventions as names
from cavra_prom.drills import run_drill
from cavra_prom.evaluation.promql_outcomes import drill_result
from cavra_prom.packet.drill_hook_rules import judge_hook_drill
from cavra_prom.packet.drill_rules import judge_drill
from cavra_prom.packet.recompute import (
    bound_index,
    close,
    prometheus_within,
    read_buckets,
    recompute_suite,
)
from cavra_prom.runtime import RuntimeConfig
from cavra_prom.spec.loader import default_spec, load_spec_text

SPEC = default_spec()


@pytest.mark.parametrize("drill", SPEC.drills, ids=lambda d: d.id)
@pytest.mark.parametrize("fail_closed", [True, False], ids=["safe", "unsafe"])
def test_rules_reach_the_drills_own_verdict(drill: object, fail_closed: bool) -> None:
    result = run_drill(drill, RuntimeConfig(fail_closed=fail_closed))  # type: ignore[arg-type]
    judged = judge_drill(result.fault, result.observations)
    assert judged.passed is result.passed
    if not result.passed:
        assert judged.observed_behavior == result.observed_behavior
        assert judged.reason


def test_missing_counts_fail_and_are_named() -> None:
    judged = judge_drill(names.DRILL_CONNECTOR_TIMEOUT, {"operations": 5, "attempted": 5})
    assert not judged.passed and judged.observed_behavior == "observations_missing"
    assert judged.reason is not None and "dlq_redriven" in judged.reason


def test_no_observations_and_unknown_faults_fail() -> None:
    assert judge_drill(names.DRILL_STORE_WRITE_FAILURE, {}).observed_behavior == "no_observations"
    unknown = judge_drill("disk_full", {"operations": 3})
    assert not unknown.passed and unknown.observed_behavior == "unjudgeable"


def test_a_prometheus_drill_gauge_is_judged_from_its_value() -> None:
    gauge = names.DRILL_PASSED_OBSERVATION
    assert judge_drill("disk_full", {gauge: 1}).passed
    assert judge_drill("disk_full", {gauge: 1.0}).passed
    failed = judge_drill("disk_full", {gauge: 0})
    assert not failed.passed and failed.reason == "cavra_drill_passed is 0"
    assert not judge_drill("disk_full", {gauge: "yes"}).passed


def test_counts_and_gauge_must_both_show_a_pass() -> None:
    result = run_drill(SPEC.drills[0], RuntimeConfig())
    observations = {**result.observations, names.DRILL_PASSED_OBSERVATION: 0}
    assert not judge_drill(result.fault, observations).passed


INF = math.inf


def entry(counts: list[float], bounds: list[float | str], **fields: object) -> dict[str, object]:
    return {
        "suite_id": "s",
        "histogram": {"le_seconds": bounds, "cumulative_counts": counts},
        "slo": {"p95_latency_ms_max": 100, "throughput_per_second_min": 1},
        **fields,
    }


def test_recompute_matches_hand_computed_quantiles() -> None:
    # Buckets le 0.05 / 0.1 / 0.2 / +Inf with cumulative 10 / 90 / 100 / 100.
    # p95: rank 95 lies in (0.1, 0.2]: 0.1 + 0.1 * (95 - 90) / 10 = 0.15 s = 150 ms.
    # p50: rank 50 lies in (0.05, 0.1]: 0.05 + 0.05 * 40 / 80 = 0.075 s = 75 ms.
    # p99: rank 99 in (0.1, 0.2]: 0.1 + 0.1 * 9 / 10 = 0.19 s. Within 100 ms: 90 / 100.
    good = entry(
        [10.0, 90.0, 100.0, 100.0],
        [0.05, 0.1, 0.2, "+Inf"],
        sample_count=100,
        error_count=0,
        error_ratio=0.0,
        p50_latency_ms=75.0,
        p95_latency_ms=150.0,
        p99_latency_ms=190.0,
        p95_bucket_ms={"lower": 100.0, "upper": 200.0},
        within_slo_ratio=0.9,
    )
    result = recompute_suite(good, 100.0, whole_counts=True)
    assert result.problems == []
    assert result.within_at_spec == 0.9
    edited = {**good, "p95_latency_ms": 99.0, "within_slo_ratio": 0.95, "sample_count": 99}
    problems = recompute_suite(edited, 100.0, whole_counts=True).problems
    assert any("p95_latency_ms 99 but the histogram gives 150" in p for p in problems)
    assert any(p.startswith("within_slo_ratio 0.95") for p in problems)
    assert any(p.startswith("sample_count 99") for p in problems)


def test_fractional_counts_decide_within_slo_as_prometheus_does() -> None:
    """count(le=T) >= 0.95 * count(+Inf) in floating point, even where the ratio says < 0.95.

    With 23.3 observations in total and 0.95 * 23.3 (= 22.134999999999998 in floating point)
    at the threshold, histogram_quantile(0.95) lands exactly on T, while the ratio
    22.134999999999998 / 23.3 is 0.9499999999999998: a last-bit difference, not edited evidence.
    """
    total = 23.3
    at_bound = 0.95 * total
    assert at_bound / total < 0.95 <= at_bound / total + 1e-15
    assert at_bound >= 0.95 * total
    assert prometheus_within(at_bound, total) == 0.95
    assert prometheus_within(1.0, 3.0) == 1.0 / 3.0
    e = entry([at_bound, total, total], [0.1, 0.2, "+Inf"], sample_count=23)
    result = recompute_suite(e, 100.0, whole_counts=False)
    assert result.within_at_spec is not None and result.within_at_spec >= 0.95
    assert result.quantiles_ms["p95_latency_ms"] == 100.0


def test_bad_histograms_are_refused_with_a_reason() -> None:
    assert (
        read_buckets({})[1] == "no histogram, so p95 and the within-SLO ratio cannot be recomputed"
    )
    assert "line up" in str(read_buckets(entry([1.0], [0.1, "+Inf"]))[1])
    assert "+Inf" in str(read_buckets(entry([1.0, 2.0], [0.1, 0.2]))[1])
    assert "strictly increasing" in str(read_buckets(entry([1.0, 1.0, 1.0], [0.2, 0.1, "+Inf"]))[1])
    assert "cumulative" in str(read_buckets(entry([5.0, 1.0, 5.0], [0.1, 0.2, "+Inf"]))[1])


def test_threshold_lookup_and_tolerance() -> None:
    buckets = [(0.05, 1.0), (0.1, 2.0), (INF, 2.0)]
    assert bound_index(buckets, 50.0) == 0 and bound_index(buckets, 100.0) == 1
    assert bound_index(buckets, 75.0) is None
    assert close(1.0000004, 1.0) and not close(1.00001, 1.0)
    assert close(None, None) and not close(None, 0.0)


HOOK_SPEC = """version: cavra/v1
suites:
  - id: s
    target: {kind: python, call: "json:dumps"}
    slo: {p95_latency_ms_max: 100, throughput_per_second_min: 1}
drills:
  - id: audit_outage
    fault: custom
    injected_fault: the audit store is unavailable
    expected_behavior: no decision is allowed without an audit record
    hooks:
      prometheus_url: http://127.0.0.1:9090
      inject: {command: [touch, /tmp/cavra-flag]}
      readiness: {command: ["true"]}
      assertions:
        - name: no_unaudited_allow
          promql: 'sum(demo_unaudited_allow_total)'
          expect: "== 0"
        - name: denials_recorded
          promql: 'sum(demo_denials_total) > 0'
        - {name: fault_visible, command: [test, -e, /tmp/cavra-flag]}
"""


def test_hook_drills_are_rejudged_with_the_specs_assertions() -> None:
    hooks = load_spec_text(HOOK_SPEC, "hooks.yaml").drills[0].hooks
    assert hooks is not None
    good = {
        "inject_result": "exit 0",
        "assertion_no_unaudited_allow": 0.0,
        "assertion_denials_recorded": 12.0,
        "assertion_fault_visible": "exit 0",
        "recovered": True,
    }
    assert judge_hook_drill(hooks, good).passed
    edited = judge_hook_drill(hooks, {**good, "assertion_no_unaudited_allow": 3.0})
    assert not edited.passed and "expected == 0" in str(edited.reason)
    no_data = judge_hook_drill(hooks, {**good, "assertion_denials_recorded": "no_data"})
    assert not no_data.passed and "not a sample value" in str(no_data.reason)
    assert not judge_hook_drill(hooks, {**good, "failures": 1}).passed
    assert not judge_hook_drill(hooks, {**good, "recovered": False}).passed
    missing = {k: v for k, v in good.items() if k != "assertion_fault_visible"}
    assert "was not observed" in str(judge_hook_drill(hooks, missing).reason)


@pytest.mark.parametrize(
    ("passed", "age_schedules", "expected"),
    [(1.0, 0.1, True), (0.0, 0.1, False), (1.0, 3.0, False), (math.nan, 0.1, False)],
)
def test_drills_read_from_prometheus_are_judged_as_the_evaluator_judges_them(
    passed: float, age_schedules: float, expected: bool
) -> None:
    """The PromQL evaluator's own drill results (gauge value, run age) get the same verdict."""
    drill_spec = SPEC.drills[0]
    at = 1_800_000_000.0
    last_run = at - age_schedules * drill_spec.schedule_seconds
    result, _ = drill_result(drill_spec, passed, last_run, 0.2, at)
    assert result.passed is expected
    observations = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)  # NaN renders as null
        for k, v in result.observations.items()
    }
    judged = judge_drill(result.fault, observations, 2.0 * drill_spec.schedule_seconds)
    assert judged.passed is expected
