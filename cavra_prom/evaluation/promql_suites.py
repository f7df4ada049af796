"""Suite SLIs from grouped PromQL results: pure, so every fail-closed rule is testable offline.

Each suite gets its numbers from the ``by (suite)`` results and the problems that make them
untrustworthy: no series, too few samples, NaN, a last run older than the window (or no current
last-run series at all: the target is gone), an exported threshold that is not the spec's (then
the within-SLO counter counts against another threshold), and numbers that disagree with the
histogram fetched beside them. The last one catches a scrape landing between two queries of
one evaluation; the caller re-reads once when it sees it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cavra_prom import conventions as names
from cavra_prom.evaluation import promql_plan as plan_keys
from cavra_prom.evaluation.model import EvaluationProblem, HistogramSnapshot, SuiteEvaluation
from cavra_prom.evaluation.promql_plan import QueryPlan, Results, by_label, histograms
from cavra_prom.gate import fmt
from cavra_prom.histogram import Bucket, fraction_at_or_below, histogram_quantile, quantile_bucket
from cavra_prom.spec.model import GatePolicy, Spec, SuiteSpec

REL_TOLERANCE = 1e-9
"""PromQL's ``histogram_quantile`` over rates vs ours over increases: float rounding only."""
VALUE_KEYS = (plan_keys.THROUGHPUT, plan_keys.ERROR_RATIO, plan_keys.WITHIN_SLO)
"""SLIs read from their own query; the quantiles come from the histogram query."""
QUANTILE_METHOD = (
    "histogram_quantile({q}, {histogram}): Prometheus's classic-bucket arithmetic applied to "
    "the histogram query's result (the value histogram_quantile over rate() gives)"
)


@dataclass(frozen=True)
class SuiteSeries:
    """What the grouped results hold for one suite (a key is absent when there is no series)."""

    values: Mapping[str, float]
    buckets: Sequence[Bucket]


def index_suites(plan: QueryPlan, results: Results) -> dict[str, SuiteSeries]:
    """Per suite label, its values from every suite query and its histogram."""
    per_key = {key: by_label(results.get(key), names.LABEL_SUITE) for key in plan.suite}
    buckets = histograms(results.get(plan_keys.HISTOGRAM))
    suites = set().union(*(v.keys() for v in per_key.values()), buckets.keys())
    return {
        suite: SuiteSeries(
            values={k: v[suite] for k, v in per_key.items() if suite in v},
            buckets=buckets.get(suite, []),
        )
        for suite in suites
    }


def evaluate_suites(
    spec: Spec, plan: QueryPlan, results: Results, window_seconds: float
) -> tuple[list[SuiteEvaluation], list[EvaluationProblem]]:
    """Every spec suite found in the results, and the problems found on the way."""
    index = index_suites(plan, results)
    evaluations: list[SuiteEvaluation] = []
    problems: list[EvaluationProblem] = []
    for suite in spec.suites:
        series = index.get(suite.id)
        if series is None or plan_keys.SAMPLE_COUNT not in series.values:
            problems.append(
                EvaluationProblem(
                    names.REASON_NO_DATA,
                    f"suite {suite.id}: no {names.SUITE_LATENCY_COUNT} series over the "
                    f"{plan.window} window",
                )
            )
            continue
        evaluation = suite_evaluation(suite, series, plan, window_seconds)
        evaluations.append(evaluation)
        problems += suite_problems(suite, series, plan, window_seconds, spec.gate)
    return evaluations, problems


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _ms(value: float | None) -> float | None:
    finite = _finite(value)
    return None if finite is None else finite * 1000.0


def histogram(series: SuiteSeries) -> HistogramSnapshot | None:
    """The packet's histogram: the bucket increases, made cumulative as Prometheus reads them.

    ``increase()`` extrapolates each bucket series on its own (a series whose first sample
    in the window is near zero is extrapolated less), so two neighbouring cumulative counts can
    cross by a fraction. ``histogram_quantile`` takes the running maximum before it
    interpolates; the snapshot carries that same monotonic form, so every number derived from
    it (quantiles, sample count, within-SLO ratio) is what Prometheus's arithmetic gives, and a
    checker reading the packet sees proper cumulative counts. None without a ``+Inf`` bucket.
    """
    buckets = series.buckets
    if not buckets or not math.isinf(buckets[-1][0]):
        return None
    counts, running = [], 0.0
    for _, count in buckets:
        if math.isfinite(count):
            running = max(running, count)
        counts.append(running)
    return HistogramSnapshot(tuple(b for b, _ in buckets), tuple(counts))


def sample_count(series: SuiteSeries) -> int:
    """Observations in the window: the histogram's ``+Inf`` count, else the count query's."""
    snapshot = histogram(series)
    count = (
        snapshot.cumulative_counts[-1]
        if snapshot is not None
        else _finite(series.values.get(plan_keys.SAMPLE_COUNT))
    )
    return max(0, round(count)) if count is not None else 0


def suite_evaluation(
    suite: SuiteSpec, series: SuiteSeries, plan: QueryPlan, window_seconds: float
) -> SuiteEvaluation:
    values = series.values
    count = sample_count(series)
    error_ratio = _finite(values.get(plan_keys.ERROR_RATIO))
    snapshot = histogram(series)
    quantiles = _quantiles(snapshot)
    histogram_query = plan.suite[plan_keys.HISTOGRAM]
    bucket = (
        quantile_bucket(0.95, snapshot.as_buckets())
        if snapshot is not None and quantiles[plan_keys.P95] is not None
        else None
    )
    return SuiteEvaluation(
        suite_id=suite.id,
        window_seconds=window_seconds,
        sample_count=count,
        error_count=round(error_ratio * count) if error_ratio is not None else 0,
        p50_latency_ms=_ms(quantiles[plan_keys.P50]),
        p95_latency_ms=_ms(quantiles[plan_keys.P95]),
        p99_latency_ms=_ms(quantiles[plan_keys.P99]),
        p95_bucket_ms=None if bucket is None else (bucket[0] * 1000.0, bucket[1] * 1000.0),
        throughput_per_second=_finite(values.get(plan_keys.THROUGHPUT)),
        error_ratio=error_ratio,
        within_slo_ratio=_within(snapshot, suite, values),
        histogram=snapshot,
        methods={
            **{key: plan.suite[key] for key in VALUE_KEYS},
            **{
                key: QUANTILE_METHOD.format(q=q, histogram=histogram_query)
                for key, q in plan_keys.QUANTILES
            },
            plan_keys.SAMPLE_COUNT: f"the +Inf count of {histogram_query}",
            plan_keys.HISTOGRAM: histogram_query,
            "error_count": f"round(error_ratio * sample_count) over the {plan.window} window",
        },
        notes=_notes(series),
    )


def _within(
    snapshot: HistogramSnapshot | None, suite: SuiteSpec, values: Mapping[str, float]
) -> float | None:
    """Share at or under the spec's p95 threshold, from the histogram (a bucket bound), so it
    agrees with the quantiles; the within-SLO counter's query cross-checks it."""
    threshold = suite.slo.p95_latency_seconds_max
    if snapshot is not None and snapshot.cumulative_counts[-1] > 0:
        for bound in snapshot.bounds_seconds:
            if math.isclose(bound, threshold, rel_tol=REL_TOLERANCE):
                return _finite(fraction_at_or_below(bound, snapshot.as_buckets()))
    return _finite(values.get(plan_keys.WITHIN_SLO))


def _quantiles(snapshot: HistogramSnapshot | None) -> dict[str, float | None]:
    """p50/p95/p99 in seconds as Prometheus computes them; None where it gives NaN."""
    if snapshot is None or snapshot.cumulative_counts[-1] <= 0:
        return {key: None for key, _ in plan_keys.QUANTILES}
    buckets = snapshot.as_buckets()
    return {key: _finite(histogram_quantile(q, buckets)) for key, q in plan_keys.QUANTILES}


def _notes(series: SuiteSeries) -> tuple[str, ...]:
    age = _finite(series.values.get(plan_keys.LAST_RUN_AGE))
    return () if age is None else (f"last run {fmt(max(age, 0.0), ' s')} before evaluation",)


def suite_problems(
    suite: SuiteSpec,
    series: SuiteSeries,
    plan: QueryPlan,
    window_seconds: float,
    gate: GatePolicy,
) -> list[EvaluationProblem]:
    """Every reason this suite's numbers cannot be trusted (empty when they can)."""
    min_samples = gate.min_samples_per_suite
    values, count, name = series.values, sample_count(series), f"suite {suite.id}"
    problems: list[EvaluationProblem] = []
    if count < min_samples:
        problems.append(
            EvaluationProblem(
                names.REASON_INSUFFICIENT_SAMPLES,
                f"{name}: {count} samples over the {plan.window} window < minimum {min_samples}",
            )
        )
    if count > 0:
        problems += _value_problems(name, values, series.buckets)
    problems += _freshness_problems(name, values, plan.window, window_seconds)
    problems += _threshold_problems(suite, name, values)
    if count > 0 and not problems:
        problems += _consistency_problems(name, values, series.buckets)
    return problems


def _value_problems(
    name: str, values: Mapping[str, float], buckets: Sequence[Bucket]
) -> list[EvaluationProblem]:
    missing = [k for k in VALUE_KEYS if k not in values]
    if not buckets or not math.isinf(buckets[-1][0]):
        missing.append(plan_keys.HISTOGRAM)
    nan = [k for k in VALUE_KEYS if k in values and math.isnan(values[k])]
    if any(math.isnan(c) for _, c in buckets):
        nan.append(plan_keys.HISTOGRAM)
    problems = []
    if missing:
        problems.append(
            EvaluationProblem(names.REASON_NO_DATA, f"{name}: no series for {', '.join(missing)}")
        )
    if nan:
        problems.append(EvaluationProblem(names.REASON_NAN, f"{name}: {', '.join(nan)} is NaN"))
    return problems


def _freshness_problems(
    name: str, values: Mapping[str, float], window: str, window_seconds: float
) -> list[EvaluationProblem]:
    age = values.get(plan_keys.LAST_RUN_AGE)
    if age is None or math.isnan(age):
        return [
            EvaluationProblem(
                names.REASON_STALE,
                f"{name}: no current {names.SUITE_LAST_RUN_TIMESTAMP_SECONDS} series "
                "(its target is down or gone)",
            )
        ]
    if age > window_seconds:
        return [
            EvaluationProblem(
                names.REASON_STALE,
                f"{name}: last run {fmt(age, ' s')} ago, older than the {window} window",
            )
        ]
    return []


def _threshold_problems(
    suite: SuiteSpec, name: str, values: Mapping[str, float]
) -> list[EvaluationProblem]:
    exported = values.get(plan_keys.THRESHOLD)
    expected = suite.slo.p95_latency_seconds_max
    if exported is None or math.isnan(exported):
        return [
            EvaluationProblem(
                names.REASON_NO_DATA,
                f"{name}: no {names.SLO_LATENCY_THRESHOLD_SECONDS} series, so the within-SLO "
                "counter's threshold is unknown",
            )
        ]
    if not math.isclose(exported, expected, rel_tol=REL_TOLERANCE):
        return [
            EvaluationProblem(
                names.REASON_THRESHOLD_MISMATCH,
                f"{name}: the runner counts within-SLO operations against "
                f"{fmt(exported * 1000.0, ' ms')}, the spec's p95 maximum is "
                f"{fmt(expected * 1000.0, ' ms')}",
            )
        ]
    return []


def _consistency_problems(
    name: str, values: Mapping[str, float], buckets: Sequence[Bucket]
) -> list[EvaluationProblem]:
    """The count and within-SLO queries must agree with the histogram query (a checker
    recomputes both from the histogram the packet carries); a scrape landing between two
    queries of one evaluation is the usual cause."""
    disagree = []
    total = buckets[-1][1]
    if abs(values[plan_keys.SAMPLE_COUNT] - total) > max(1e-6, REL_TOLERANCE * total):
        disagree.append(f"sample count {fmt(values[plan_keys.SAMPLE_COUNT])} vs {fmt(total)}")
    threshold = values[plan_keys.THRESHOLD]
    at_threshold = [c for b, c in buckets if math.isclose(b, threshold, rel_tol=REL_TOLERANCE)]
    within = values[plan_keys.WITHIN_SLO]
    if at_threshold and total > 0 and not _same(within, at_threshold[0] / total):
        disagree.append(f"within-SLO ratio {fmt(within)} vs {fmt(at_threshold[0] / total)}")
    if not disagree:
        return []
    return [
        EvaluationProblem(
            names.REASON_INCONSISTENT,
            f"{name}: the SLI queries disagree with the histogram query ({'; '.join(disagree)})",
        )
    ]


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12)
