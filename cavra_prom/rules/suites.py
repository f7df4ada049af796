"""Suite steps: the SLI recording rules, the per-suite baselines, and the suite alerts.

The SLIs are recorded once for every suite (``sum by (suite)`` in the shared builders); the
SLO alerts compare them with the threshold gauges the runner exports, so one rule serves every
suite. Where the spec gives a per-suite value a gauge does not carry (error-ratio maximum,
regression tolerance and offset, traffic guard, stale window) the step writes one rule per
suite with the value in it.
"""

from __future__ import annotations

from typing import Final

from cavra_prom import conventions as names
from cavra_prom.promql import queries
from cavra_prom.promql.queries import format_duration, selector
from cavra_prom.rules import text as t
from cavra_prom.rules.model import AlertRule, AlertText, RecordingRule, RuleGroup
from cavra_prom.rules.plan import Plan, suite_labels, suite_matcher
from cavra_prom.spec.model import SuiteSpec

P95: Final = 0.95
"""The quantile of the latency SLO; also the within-SLO share that p95 <= threshold needs."""
STALE_RUNS: Final = 3.0
"""A suite is stale when no operation was recorded for three of its serve periods."""


def sli_recording_rules(plan: Plan) -> tuple[RuleGroup, ...]:
    """p95, throughput, within-SLO ratio, error ratio and operation rate, by suite."""
    w, n = plan.window, plan.names
    rules = (
        RecordingRule(n.p95, queries.latency_quantile(P95, w)),
        RecordingRule(n.throughput, queries.throughput(w)),
        RecordingRule(n.within_slo, queries.within_slo_ratio(w)),
        RecordingRule(n.errors, queries.error_ratio(w)),
        RecordingRule(n.operations, queries.operations_rate(w)),
    )
    return (RuleGroup(plan.group_name("suite-slis"), plan.sli_interval, rules),)


def _promql_baselined(plan: Plan) -> list[SuiteSpec]:
    """Suites compared with a PromQL baseline; pinned and rolling baselines are packets."""
    return [s for s in plan.spec.suites if s.regression.baseline == "promql"]


def baseline_recording_rules(plan: Plan) -> tuple[RuleGroup, ...]:
    """Each suite's p95 over the same window ``offset`` earlier (its offset is per suite)."""
    rules = tuple(
        RecordingRule(
            plan.names.p95_baseline,
            queries.latency_quantile_baseline(
                P95, plan.window, format_duration(plan.baseline_offset(s)), suite_matcher(s)
            ),
            suite_labels(s),
        )
        for s in _promql_baselined(plan)
    )
    return (RuleGroup(plan.group_name("suite-baselines"), plan.sli_interval, rules),)


def _threshold_text() -> str:
    return t.suite_query(queries.latency_threshold(t.SUITE_PLACEHOLDER), t.FILTER_DURATION)


def _latency_alert(plan: Plan) -> AlertRule:
    alert, threshold = names.ALERT_SUITE_LATENCY_ABOVE_SLO, _threshold_text()
    return AlertRule(
        alert,
        f"{plan.names.p95} > {queries.latency_threshold()}",
        names.SEVERITY_PAGE,
        AlertText(
            f"Suite {t.SUITE}: p95 latency {t.VALUE_DURATION} is above its SLO of {threshold}",
            f"The p95 latency of suite {t.SUITE} over the last {plan.window} is "
            f"{t.VALUE_DURATION}, above its objective of {threshold}. The readiness gate "
            "blocks this suite until its p95 is back under the objective.",
            plan.runbook(alert),
        ),
        plan.sli_pending,
    )


def _throughput_alert(plan: Plan) -> AlertRule:
    alert = names.ALERT_SUITE_THROUGHPUT_BELOW_FLOOR
    floor = t.suite_query(queries.throughput_floor(t.SUITE_PLACEHOLDER), t.FILTER_NUMBER)
    return AlertRule(
        alert,
        f"{plan.names.throughput} < {queries.throughput_floor()}",
        names.SEVERITY_PAGE,
        AlertText(
            f"Suite {t.SUITE}: throughput {t.VALUE_NUMBER}/s is below its floor of {floor}/s",
            f"Suite {t.SUITE} completed {t.VALUE_NUMBER} operations per active second over "
            f"the last {plan.window}, below its floor of {floor}/s. The readiness gate blocks "
            "this suite until throughput is back above the floor.",
            plan.runbook(alert),
        ),
        plan.sli_pending,
    )


def _within_slo_alert(plan: Plan) -> AlertRule:
    """A ticket: the exact form of "p95 above the objective", which already pages."""
    alert, threshold = names.ALERT_SUITE_WITHIN_SLO_LOW, _threshold_text()
    return AlertRule(
        alert,
        f"{plan.names.within_slo} < {t.number(P95)}",
        names.SEVERITY_TICKET,
        AlertText(
            f"Suite {t.SUITE}: only {t.VALUE_PERCENT} of operations finished within SLO",
            f"{t.VALUE_PERCENT} of suite {t.SUITE}'s operations over the last {plan.window} "
            f"finished within its latency objective of {threshold}; at least "
            f"{t.percent(P95)} must for its p95 to meet the objective.",
            plan.runbook(alert),
        ),
        plan.sli_pending,
    )


def _error_ratio_alert(plan: Plan, suite: SuiteSpec, maximum: float) -> AlertRule:
    alert = names.ALERT_SUITE_ERROR_RATIO_HIGH
    series = selector(plan.names.errors, suite_matcher(suite))
    return AlertRule(
        alert,
        f"{series} > {t.number(maximum)}",
        names.SEVERITY_PAGE,
        AlertText(
            f"Suite {suite.id}: error ratio {t.VALUE_PERCENT} is above its maximum of "
            f"{t.percent(maximum)}",
            f"{t.VALUE_PERCENT} of suite {suite.id}'s operations over the last {plan.window} "
            f"failed; its SLO allows at most {t.percent(maximum)}.",
            plan.runbook(alert),
        ),
        plan.sli_pending,
        suite_labels(suite),
    )


def _regression_alert(plan: Plan, suite: SuiteSpec) -> AlertRule:
    alert, n, reg = names.ALERT_SUITE_LATENCY_REGRESSION, plan.names, suite.regression
    match = suite_matcher(suite)
    offset = format_duration(plan.baseline_offset(suite))
    expr = (
        f"{selector(n.p95, match)} > {t.number(1 + reg.p95_increase_max)} * "
        f"{selector(n.p95_baseline, match)}\n"
        f"and {selector(n.operations, match)} >= {t.number(reg.min_throughput_per_second)}"
    )
    baseline = t.suite_query(selector(n.p95_baseline, t.SUITE_PLACEHOLDER), t.FILTER_DURATION)
    rate = t.suite_query(selector(n.operations, t.SUITE_PLACEHOLDER), t.FILTER_NUMBER)
    return AlertRule(
        alert,
        expr,
        names.SEVERITY_PAGE,
        AlertText(
            f"Suite {suite.id}: p95 latency {t.VALUE_DURATION} regressed more than "
            f"{t.percent(reg.p95_increase_max)} against its baseline",
            f"The p95 latency of suite {suite.id} over the last {plan.window} is "
            f"{t.VALUE_DURATION}, more than {t.percent(reg.p95_increase_max)} above its "
            f"baseline of {baseline} (the same window {offset} earlier), at {rate} "
            f"operations/s (alerts only at {t.number(reg.min_throughput_per_second)}/s or more).",
            plan.runbook(alert),
        ),
        plan.sli_pending,
        suite_labels(suite),
    )


def _no_data_alert(plan: Plan, suite: SuiteSpec) -> AlertRule:
    alert, match = names.ALERT_SUITE_NO_DATA, suite_matcher(suite)
    stale = format_duration(
        max(plan.options.window_seconds, STALE_RUNS * suite.serve.every_seconds)
    )
    expr = (
        f"{queries.sample_count(stale, match)} == 0\n"
        f"or absent({selector(names.SUITE_LATENCY_COUNT, match)})"
    )
    return AlertRule(
        alert,
        expr,
        names.SEVERITY_TICKET,
        AlertText(
            f"Suite {suite.id}: no operations recorded for {stale}",
            f"No operation of suite {suite.id} was recorded in the last {stale}, or its "
            "series are absent: the runner is not driving the suite or Prometheus is not "
            "scraping it. The gate cannot judge a suite without data.",
            plan.runbook(alert),
        ),
        plan.sli_pending,
        suite_labels(suite),
    )


def suite_alerts(plan: Plan) -> tuple[RuleGroup, ...]:
    """SLO alerts for every suite, then per-suite error, regression and no-data alerts."""
    rules = [_latency_alert(plan), _throughput_alert(plan), _within_slo_alert(plan)]
    for suite in plan.spec.suites:
        if suite.slo.error_ratio_max is not None:
            rules.append(_error_ratio_alert(plan, suite, suite.slo.error_ratio_max))
    rules += [_regression_alert(plan, s) for s in _promql_baselined(plan)]
    rules += [_no_data_alert(plan, s) for s in plan.spec.suites]
    return (RuleGroup(plan.group_name("suite-alerts"), plan.sli_interval, tuple(rules)),)
