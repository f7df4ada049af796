"""One suite against its baseline: verdicts, throughput, drift guard, gate, packet, metric."""

from __future__ import annotations

import dataclasses
import math

import pytest
from prometheus_client import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.benchmark import suite_buckets
from cavra_prom.buckets import latency_buckets
from cavra_prom.gate import evaluate_gate
from cavra_prom.regression.apply import regress_suite, regression_results, with_regressions
from cavra_prom.regression.baseline import (
    SuiteBaseline,
    Unavailable,
    drift_guard,
    from_suite,
    p95_seconds,
    rolling_median,
)
from cavra_prom.regression.compare import (
    compare_latency,
    compare_throughput,
    judge_latency,
    judge_throughput,
)
from cavra_prom.regression.data import LatencyData, ThroughputData
from cavra_prom.regression.metrics import RegressionMetrics
from cavra_prom.regression.model import BaselineRef
from cavra_prom.regression.render import rederive_regressions, regression_entry
from tests.regression_support import SPEC, SUITE, evaluation_of, lognormal, packet_of

BOUNDS = suite_buckets(SPEC.suite(SUITE))
NEAR = 0.015  # median 15 ms: p95 near the 50 ms threshold, where buckets are 4.4 % wide
FAR = 0.0004  # median 0.4 ms: far below it, where buckets are 19 % wide
PINNED = BaselineRef("pinned", "base.json", digest="sha256:" + "0" * 64)


def data(seed: int, n: int, median: float, factor: float = 1.0, raw: bool = True) -> LatencyData:
    values = LatencyData.from_raw(lognormal(seed, n, median, factor), BOUNDS)
    return values if raw else values.without_raw()


@pytest.mark.parametrize("raw", [True, False])
@pytest.mark.parametrize("median", [NEAR, FAR])
def test_a_clear_slowdown_blocks_and_no_change_passes(raw: bool, median: float) -> None:
    baseline = data(1, 3000, median, raw=raw)
    slower = compare_latency(baseline, data(2, 3000, median, 1.5, raw=raw), 1.1)
    same = compare_latency(baseline, data(3, 3000, median, raw=raw), 1.1)
    assert slower is not None and same is not None
    assert judge_latency(slower).verdict == names.STATUS_BLOCKER
    assert judge_latency(same).verdict == names.STATUS_PASS
    assert slower.ratio == pytest.approx(1.5, rel=0.12)
    assert slower.p_value < 1e-6 < same.p_value
    assert slower.interval is not None and slower.interval[0] < slower.ratio < slower.interval[1]
    assert slower.method == ("raw" if raw else "buckets")


def test_bucketed_comparison_shows_the_resolution_never_a_bare_number() -> None:
    far = compare_latency(data(1, 3000, FAR, raw=False), data(2, 3000, FAR, 1.2, raw=False), 1.1)
    assert far is not None and far.resolution is not None and far.interval is not None
    low, high = far.resolution
    assert low <= far.ratio <= high  # type: ignore[operator]
    assert high / max(low, 1e-9) > 1.15  # 19 % buckets: the range is wider than a tolerance
    assert far.interval[0] <= low and far.interval[1] >= high
    raw = compare_latency(data(1, 3000, FAR), data(2, 3000, FAR, 1.2), 1.1)
    assert raw is not None and raw.resolution is None and raw.mann_whitney_p is not None


def test_too_few_samples_warn_and_say_how_many_are_needed() -> None:
    # Even 5 % faster: with 60 samples a regression of twice the tolerance could still hide.
    result = compare_latency(data(1, 60, NEAR), data(1, 60, NEAR, 0.95), 1.1)
    assert result is not None and result.min_samples is not None
    assert result.min_samples > 60
    judgement = judge_latency(result)
    assert judgement.verdict == names.STATUS_WARN
    assert f"need {result.min_samples:,} per side" in judgement.reason


def test_beyond_the_tolerance_but_not_significant_warns() -> None:
    result = compare_latency(data(1, 40, NEAR), data(2, 40, NEAR, 1.25), 1.1)
    assert result is not None
    assert result.ratio is not None and result.ratio > 1.1
    assert result.p_value >= 0.01
    assert judge_latency(result).verdict == names.STATUS_WARN
    assert "not significant" in judge_latency(result).reason


def test_a_significant_rise_within_the_tolerance_passes() -> None:
    result = compare_latency(data(1, 40000, NEAR), data(2, 40000, NEAR, 1.05), 1.1)
    assert result is not None and result.p_value < 0.01
    assert judge_latency(result).verdict == names.STATUS_PASS


def test_throughput_fall_blocks_when_significant_and_idle_suites_are_not_compared() -> None:
    before = ThroughputData(10_000, 10.0)
    fell = compare_throughput(before, ThroughputData(8_000, 10.0), 0.9, 1.0)
    assert fell.ratio == pytest.approx(0.8)
    assert judge_throughput(fell).verdict == names.STATUS_BLOCKER
    small = compare_throughput(ThroughputData(10, 1.0), ThroughputData(8, 1.0), 0.9, 1.0)
    assert judge_throughput(small).verdict == names.STATUS_WARN
    idle = compare_throughput(ThroughputData(5, 10.0), ThroughputData(1, 10.0), 0.9, 1.0)
    assert not idle.compared
    assert judge_throughput(idle).verdict == names.STATUS_PASS


def _baseline(seed: int, factor: float, rate: float) -> SuiteBaseline:
    latency = data(seed, 2000, NEAR, factor, raw=False)
    return SuiteBaseline(SUITE, PINNED, latency, ThroughputData(rate * 10, 10.0))


def test_rolling_median_takes_the_median_packet_whole() -> None:
    candidates = [_baseline(s, f, r) for s, f, r in [(1, 1.0, 90), (2, 1.4, 100), (3, 1.1, 80)]]
    median = rolling_median(candidates, BaselineRef("rolling", "store", packets=3))
    assert median is not None
    assert median.latency is candidates[2].latency  # p95 order: 1.0, 1.1, 1.4
    assert median.throughput is candidates[0].throughput  # rate order: 80, 90, 100
    assert median.ref.packets == 3


def test_drift_guard_keeps_a_rolling_baseline_within_pinned_plus_tolerance() -> None:
    pinned = _baseline(1, 1.0, 100)
    drifted = dataclasses.replace(_baseline(2, 1.3, 70), ref=BaselineRef("rolling", "store"))
    guarded = drift_guard(drifted, pinned, 0.1, 0.1)
    assert guarded.latency is pinned.latency and guarded.latency_allowance == pytest.approx(1.1)
    assert guarded.throughput is pinned.throughput
    assert guarded.throughput_allowance == pytest.approx(0.9)
    assert guarded.ref.guard is not None and "drift guard" in guarded.ref.guard
    assert guarded.ref.latency_guarded and guarded.ref.throughput_guarded
    close = dataclasses.replace(_baseline(3, 1.05, 98), ref=BaselineRef("rolling", "store"))
    assert drift_guard(close, pinned, 0.1, 0.1) is close
    # Guarded, a current run at the drifted level is held to pinned x 1.1 x 1.1 = +21 %.
    now = evaluation_of({SUITE: lognormal(9, 2000, NEAR, 1.3)}).suite(SUITE)
    result = regress_suite(SPEC.suite(SUITE), now, guarded)
    assert result.latency is not None and result.latency.limit == pytest.approx(1.21)
    assert result.verdict == names.STATUS_BLOCKER


def test_the_gate_gets_one_regression_check_per_suite_with_the_numbers() -> None:
    base = from_suite(evaluation_of({SUITE: lognormal(1, 4000, FAR)}).suites[0], PINNED)
    now = evaluation_of({SUITE: lognormal(2, 4000, FAR, 2.0)})
    results = regression_results(now, SPEC, {SUITE: base})
    gate = evaluate_gate(with_regressions(now, results), SPEC)
    (check,) = [c for c in gate.checks if c.name == names.suite_regression_check_name(SUITE)]
    assert check.status == names.STATUS_BLOCKER
    for text in (
        "pinned baseline base.json",
        "p95 ~",
        "tolerance +10.0%",
        "95% interval",
        "the buckets alone allow",
        "tail test p<",
        "throughput",
    ):
        assert text in check.message
    assert gate.blocker_count == sum(c.status == names.STATUS_BLOCKER for c in gate.checks)
    assert not [c for c in evaluate_gate(now, SPEC).checks if c.name.endswith("_regression")]


def test_an_unavailable_baseline_keeps_its_verdict_and_reason() -> None:
    missing = Unavailable(SUITE, PINNED, "no earlier packet yet", names.STATUS_WARN)
    result = regress_suite(SPEC.suite(SUITE), None, missing)
    assert result.verdict == names.STATUS_WARN
    assert result.reasons == ("no baseline: no earlier packet yet",)
    assert result.ratio is None


def test_the_packet_carries_the_details_and_a_checker_rederives_the_verdict() -> None:
    base = from_suite(evaluation_of({SUITE: lognormal(1, 3000, NEAR)}).suites[0], PINNED)
    now = evaluation_of({SUITE: lognormal(2, 3000, NEAR, 1.4)})
    results = regression_results(now, SPEC, {SUITE: base})
    packet = packet_of(with_regressions(now, results))
    (entry,) = packet["benchmark_report"]["regressions"]
    assert entry["verdict"] == names.STATUS_BLOCKER
    assert entry["baseline"]["digest"] == PINNED.digest
    latency = entry["latency"]
    assert latency["delta_percent"] == pytest.approx((results[0].ratio - 1) * 100, abs=1e-3)
    assert latency["interval_percent"]["lower"] < latency["delta_percent"]
    assert latency["baseline_histogram"]["le_seconds"][-1] == "+Inf"
    assert entry == regression_entry(results[0])
    # Re-derived from the packet alone: same verdict, same numbers.
    (again,) = rederive_regressions(packet["benchmark_report"], now, SPEC)
    assert again.verdict == results[0].verdict
    assert again.latency is not None and results[0].latency is not None
    assert again.latency.p_value == pytest.approx(results[0].latency.p_value)
    # A packet that claims a looser limit or a pass is judged with the spec's tolerance.
    entry["verdict"] = names.STATUS_PASS
    entry["latency"]["limit_percent"] = 90.0
    (tampered,) = rederive_regressions(packet["benchmark_report"], now, SPEC)
    assert tampered.verdict == names.STATUS_BLOCKER


def test_packets_without_a_baseline_have_no_regressions_key() -> None:
    packet = packet_of(evaluation_of({SUITE: lognormal(1, 100, NEAR)}))
    assert "regressions" not in packet["benchmark_report"]


def test_regression_ratio_gauge_follows_the_latest_result() -> None:
    registry = CollectorRegistry()
    metrics = RegressionMetrics(registry)
    base = from_suite(evaluation_of({SUITE: lognormal(1, 2000, NEAR)}).suites[0], PINNED)
    now = evaluation_of({SUITE: lognormal(2, 2000, NEAR, 1.3)})
    (result,) = regression_results(now, SPEC, {SUITE: base})
    metrics.update([result])
    value = registry.get_sample_value(names.SUITE_REGRESSION_RATIO, {names.LABEL_SUITE: SUITE})
    assert value == pytest.approx(result.ratio)
    assert value == pytest.approx(1.3, rel=0.1)
    gone = Unavailable(SUITE, PINNED, "gone", names.STATUS_WARN)
    metrics.update([regress_suite(SPEC.suite(SUITE), None, gone)])
    assert (
        registry.get_sample_value(names.SUITE_REGRESSION_RATIO, {names.LABEL_SUITE: SUITE}) is None
    )


def test_p95_of_a_baseline_is_prometheus_estimate() -> None:
    baseline = _baseline(1, 1.0, 100)
    estimate = p95_seconds(baseline.latency)
    assert estimate is not None and math.isfinite(estimate)
    assert p95_seconds(None) is None


def test_histograms_from_another_layout_compare_on_the_bounds_they_share() -> None:
    other = latency_buckets(0.1)  # a baseline recorded for a 100 ms objective
    base = LatencyData.from_raw(lognormal(1, 3000, NEAR), other).without_raw()
    now = data(2, 3000, NEAR, 1.5, raw=False)
    result = compare_latency(base, now, 1.1)
    same_layout = compare_latency(data(1, 3000, NEAR, raw=False), now, 1.1)
    assert result is not None and same_layout is not None
    assert result.resolution is not None and same_layout.resolution is not None
    assert judge_latency(result).verdict == names.STATUS_BLOCKER
    width = result.resolution[1] / result.resolution[0]
    assert width >= same_layout.resolution[1] / same_layout.resolution[0]
    disjoint = LatencyData((1.0, 2.0, math.inf), (0.0, 10.0, 10.0))
    assert compare_latency(disjoint, now, 1.1) is None
    current = evaluation_of({SUITE: lognormal(2, 500, NEAR)}).suite(SUITE)
    result_none = regress_suite(
        SPEC.suite(SUITE), current, SuiteBaseline(SUITE, PINNED, disjoint, None)
    )
    assert result_none.verdict == names.STATUS_WARN
    assert "without a common bucket bound" in result_none.reasons[0]


def test_a_rise_within_the_rolling_baselines_own_spread_only_warns() -> None:
    ref = BaselineRef("rolling", "store", packets=3)
    candidates = [_baseline(s, f, 100) for s, f in [(1, 1.0), (2, 1.6), (3, 1.1)]]
    median = rolling_median(candidates, ref)
    assert median is not None and median.ref.p95_range_seconds is not None
    low, high = median.ref.p95_range_seconds
    assert high / low == pytest.approx(1.6, rel=0.1)
    suite = SPEC.suite(SUITE)
    noisy = evaluation_of({SUITE: lognormal(7, 4000, NEAR, 1.45)}).suite(SUITE)
    result = regress_suite(suite, noisy, median)
    assert result.verdict == names.STATUS_WARN
    assert "run-to-run" in result.reasons[0]
    slower = evaluation_of({SUITE: lognormal(8, 4000, NEAR, 2.2)}).suite(SUITE)
    assert regress_suite(suite, slower, median).verdict == names.STATUS_BLOCKER
    entry = regression_entry(result)
    assert entry["baseline"]["p95_range_ms"] == pytest.approx([low * 1000, high * 1000], rel=1e-6)


def test_when_the_tolerance_falls_inside_the_buckets_the_packet_says_so() -> None:
    far = compare_latency(data(1, 3000, FAR, raw=False), data(2, 3000, FAR, 1.2, raw=False), 1.1)
    raw = compare_latency(data(1, 3000, FAR), data(2, 3000, FAR, 1.2), 1.1)
    assert far is not None and raw is not None
    assert far.limit_within_resolution  # 19 % buckets cannot place a 10 % tolerance
    assert not raw.limit_within_resolution  # exact p95s: no bucket resolution at all
    base = from_suite(evaluation_of({SUITE: lognormal(1, 3000, FAR)}).suites[0], PINNED)
    (result,) = regression_results(
        evaluation_of({SUITE: lognormal(2, 3000, FAR, 1.2)}), SPEC, {SUITE: base}
    )
    assert regression_entry(result)["latency"]["limit_within_resolution"] is True
    gate = evaluate_gate(
        with_regressions(evaluation_of({SUITE: lognormal(2, 3000, FAR, 1.2)}), [result]), SPEC
    )
    (check,) = [c for c in gate.checks if c.name == names.suite_regression_check_name(SUITE)]
    assert "decided on the bucket counts" in check.message
