"""Compare every suite of an evaluation with its baseline and attach the results (pure).

The results ride on :attr:`cavra_prom.evaluation.model.Evaluation.regressions`, so the one
gate (:func:`cavra_prom.gate.evaluate_gate`) turns them into ``<suite>_regression`` checks
for every command alike, and the packet renderer writes them beside the suites.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from cavra_prom.evaluation.model import Evaluation, SuiteEvaluation
from cavra_prom.gate import fmt
from cavra_prom.regression.baseline import (
    BaselineOutcome,
    SuiteBaseline,
    Unavailable,
    within_run_to_run,
)
from cavra_prom.regression.compare import (
    Judgement,
    compare_latency,
    compare_throughput,
    judge_latency,
    judge_throughput,
)
from cavra_prom.regression.data import LatencyData, ThroughputData, common_bounds
from cavra_prom.regression.model import (
    VERDICT_BLOCKER,
    VERDICT_PASS,
    VERDICT_WARN,
    LatencyComparison,
    RegressionResult,
    worst,
)
from cavra_prom.spec.model import Spec, SuiteSpec


def current_latency(ev: SuiteEvaluation, raw: Sequence[float] | None = None) -> LatencyData | None:
    """The current side: the suite's histogram, plus its raw durations when the run kept them."""
    if ev.histogram is None or not ev.histogram.bounds_seconds:
        return None
    bounds = ev.histogram.bounds_seconds
    if raw is not None:
        return LatencyData.from_raw(raw, [b for b in bounds if b != float("inf")])
    return LatencyData(bounds, ev.histogram.cumulative_counts)


def regress_suite(
    suite: SuiteSpec,
    ev: SuiteEvaluation | None,
    baseline: BaselineOutcome,
    raw: Sequence[float] | None = None,
) -> RegressionResult:
    """One suite's :class:`RegressionResult` (see :mod:`.compare` for the verdict rule)."""
    if isinstance(baseline, Unavailable):
        return RegressionResult(
            suite.id, baseline.verdict, (f"no baseline: {baseline.reason}",), baseline.ref
        )
    latency_now = current_latency(ev, raw) if ev is not None else None
    if ev is None or latency_now is None or latency_now.count == 0:
        return RegressionResult(
            suite.id, VERDICT_WARN, ("nothing measured to compare",), baseline.ref
        )
    return _compare(suite, ev, baseline, latency_now)


def _compare(
    suite: SuiteSpec, ev: SuiteEvaluation, baseline: SuiteBaseline, latency_now: LatencyData
) -> RegressionResult:
    policy = suite.regression
    judgements: list[Judgement] = []
    latency = None
    if baseline.latency is not None:
        limit = baseline.latency_allowance * (1 + policy.p95_increase_max)
        latency = compare_latency(baseline.latency, latency_now, limit)
    if latency is None:
        judgements.append(
            Judgement(
                VERDICT_WARN,
                "no latency to compare (an empty baseline, or histograms without a common "
                "bucket bound: recorded for another spec?)",
            )
        )
    else:
        judgements.append(judge_latency(latency))
    throughput = None
    now = ThroughputData.from_rate(latency_now.cumulative[-1], ev.throughput_per_second)
    if baseline.throughput is not None and now is not None:
        floor = baseline.throughput_allowance * (1 - policy.throughput_decrease_max)
        throughput = compare_throughput(
            baseline.throughput, now, floor, policy.min_throughput_per_second
        )
        judgements.append(judge_throughput(throughput))
    if latency is not None and judgements[0].verdict == VERDICT_BLOCKER:
        judgements[0] = _noise_guard(baseline, latency, judgements[0])
    verdict = worst(*(j.verdict for j in judgements))
    reasons = tuple(j.reason for j in judgements if j.verdict != VERDICT_PASS) or tuple(
        j.reason for j in judgements
    )
    return RegressionResult(
        suite.id,
        verdict,
        reasons,
        baseline.ref,
        latency,
        throughput,
        None if latency is None else _compared_baseline(baseline.latency, latency_now),
    )


def _noise_guard(
    baseline: SuiteBaseline, latency: LatencyComparison, judgement: Judgement
) -> Judgement:
    """A blocker within the rolling baseline's run-to-run range becomes a warning."""
    if not within_run_to_run(baseline.ref, latency.current_p95_seconds):
        return judgement
    spread = baseline.ref.p95_range_seconds or (0.0, 0.0)
    return Judgement(
        VERDICT_WARN,
        f"p95 rose beyond the tolerance, but the last {baseline.ref.packets} packets already "
        f"ranged up to {fmt(spread[1] * 1000, ' ms')} (run-to-run noise?)",
    )


def _compared_baseline(baseline: LatencyData | None, current: LatencyData) -> LatencyData | None:
    """The baseline histogram on the bounds the comparison used (what the packet carries)."""
    if baseline is None:
        return None
    return baseline.at_bounds(common_bounds(baseline, current)).without_raw()


def regression_results(
    evaluation: Evaluation,
    spec: Spec,
    baselines: Mapping[str, BaselineOutcome],
    raw: Mapping[str, Sequence[float]] | None = None,
) -> tuple[RegressionResult, ...]:
    """Results for every suite of ``spec`` that has a baseline outcome, in spec order."""
    durations = raw or {}
    return tuple(
        regress_suite(
            suite, evaluation.suite(suite.id), baselines[suite.id], durations.get(suite.id)
        )
        for suite in spec.suites
        if suite.id in baselines
    )


def with_regressions(evaluation: Evaluation, results: Sequence[RegressionResult]) -> Evaluation:
    """The evaluation carrying ``results`` (what the gate and the packet read)."""
    return dataclasses.replace(evaluation, regressions=tuple(results))
