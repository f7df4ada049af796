"""The PromQL evaluator's pure parts: source settings, credentials, and every fail-closed rule.

Results are built as Prometheus would return them (grouped by suite, quantiles computed from
the same buckets with Prometheus's arithmetic), then one thing is broken per test. The real
server tests are in the other ``test_promql_evaluator_*`` modules.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.benchmark import suite_buckets
from cavra_prom.evaluation import promql_plan as keys
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.model import Evaluation, EvaluationProblem
from cavra_prom.evaluation.promql import Fetched, assemble
from cavra_prom.evaluation.promql_plan import QueryPlan, build_plan
from cavra_prom.gate import evaluate_gate
from cavra_prom.histogram import Bucket, bucket_counts, histogram_quantile
from cavra_prom.promql.client import QueryResult, Sample
from cavra_prom.promql.source import (
    REDACTED,
    CredentialsError,
    PrometheusSource,
    load_credentials,
    redact,
    source_problems,
)
from cavra_prom.spec.loader import default_spec
from cavra_prom.spec.model import Spec, SuiteSpec

AT = 1_800_000_000.0
WINDOW = 300.0
SOURCE = PrometheusSource("http://127.0.0.1:9090")


def _buckets(suite: SuiteSpec, scale: float) -> list[Bucket]:
    """A plausible histogram: 400 observations from 10% to 90% of the threshold."""
    t = suite.slo.p95_latency_seconds_max
    values = [t * (0.1 + 0.8 * i / 399) for i in range(400)]
    return [(b, c * scale) for b, c in bucket_counts(values, suite_buckets(suite))]


def _suite_values(suite: SuiteSpec, buckets: list[Bucket]) -> dict[str, float]:
    total = buckets[-1][1]
    threshold = suite.slo.p95_latency_seconds_max
    within = next(c for b, c in buckets if b == threshold)
    return {
        keys.SAMPLE_COUNT: total,
        keys.P50: histogram_quantile(0.5, buckets),
        keys.P95: histogram_quantile(0.95, buckets),
        keys.P99: histogram_quantile(0.99, buckets),
        keys.THROUGHPUT: 250.0,
        keys.ERROR_RATIO: 0.01,
        keys.WITHIN_SLO: within / total,
        keys.LAST_RUN_AGE: 30.0,
        keys.THRESHOLD: threshold,
    }


def _vector(per_suite: dict[str, float], label: str = names.LABEL_SUITE) -> QueryResult:
    return QueryResult(tuple(Sample({label: k}, v) for k, v in per_suite.items()))


def healthy_results(spec: Spec, plan: QueryPlan, scale: float = 1.0) -> dict[str, QueryResult]:
    """What a Prometheus scraping a healthy, fresh run of ``spec`` returns for ``plan``."""
    buckets = {s.id: _buckets(s, scale) for s in spec.suites}
    values = {s.id: _suite_values(s, buckets[s.id]) for s in spec.suites}
    results: dict[str, QueryResult] = {
        key: _vector({sid: v[key] for sid, v in values.items()})
        for key in plan.suite
        if key != keys.HISTOGRAM
    }
    results[keys.HISTOGRAM] = QueryResult(
        tuple(
            Sample(
                {names.LABEL_SUITE: sid, names.LABEL_LE: "+Inf" if math.isinf(b) else repr(b)}, c
            )
            for sid, bs in buckets.items()
            for b, c in bs
        )
    )
    drills = {d.id: 1.0 for d in spec.drills}
    results[keys.DRILL_PASSED] = _vector(drills, names.LABEL_DRILL)
    results[keys.DRILL_LAST_RUN] = _vector(dict.fromkeys(drills, AT - 60.0), names.LABEL_DRILL)
    results[keys.DRILL_RECOVERY] = _vector(dict.fromkeys(drills, 0.5), names.LABEL_DRILL)
    for key, value in ((keys.RTO, 0.01), (keys.RPO, 0.001), (keys.AVAILABILITY, 0.9995)):
        results[key] = QueryResult((Sample({}, value),))
    results[keys.API_REPLICAS] = QueryResult((Sample({}, 3.0), Sample({}, 2.0)))
    results[keys.WORKER_REPLICAS] = QueryResult((Sample({}, 2.0),))
    results[keys.EVENT_BUS] = _vector(
        dict.fromkeys(
            ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics"), 1.0
        ),
        names.LABEL_CAPABILITY,
    )
    return results


def evaluate(
    spec: Spec,
    results: Mapping[str, QueryResult | None],
    problems: Sequence[EvaluationProblem] = (),
) -> Evaluation:
    plan = build_plan(spec, WINDOW)
    fetched = Fetched(results=dict(results), problems=list(problems))
    return assemble(spec, plan, fetched, SOURCE, window_seconds=WINDOW, at=AT)


@pytest.fixture
def spec() -> Spec:
    return default_spec()


@pytest.fixture
def plan(spec: Spec) -> QueryPlan:
    return build_plan(spec, WINDOW)


def reasons(evaluation: Evaluation) -> list[str]:
    return [p.reason for p in evaluation.problems]


# --- a healthy evaluation ------------------------------------------------------------------


def test_a_healthy_result_is_live_and_ready_with_every_number_traced_to_its_promql(
    spec: Spec, plan: QueryPlan
) -> None:
    evaluation = evaluate(spec, healthy_results(spec, plan, scale=1.5))
    assert evaluation.problems == ()
    assert evaluation.evidence_mode == "live" and evaluation.window_seconds == WINDOW
    assert evaluation.source == "http://127.0.0.1:9090"
    gate = evaluate_gate(evaluation, spec)
    assert gate.passed, gate.blockers()
    suite = evaluation.suite(spec.suites[0].id)
    assert suite is not None and suite.histogram is not None
    assert suite.sample_count == 600  # 400 * 1.5, as increase() extrapolates
    assert suite.error_count == 6
    assert suite.methods["throughput_per_second"] == plan.suite[keys.THROUGHPUT]
    assert suite.methods["p95_latency_ms"].startswith(
        f"histogram_quantile(0.95, {plan.suite[keys.HISTOGRAM]})"
    )
    assert suite.p95_latency_ms == pytest.approx(
        histogram_quantile(0.95, suite.histogram.as_buckets()) * 1000.0
    )
    assert suite.methods["histogram"].startswith("sum by (le, suite) (increase(")
    lower, upper = suite.p95_bucket_ms or (0.0, 0.0)
    assert lower < (suite.p95_latency_ms or -1) <= upper
    assert evaluation.ha.api_replicas == 2  # the worst of two series
    assert "= 0.9995" in evaluation.ha.methods[keys.AVAILABILITY]


def test_the_query_count_does_not_grow_with_the_number_of_suites(spec: Spec) -> None:
    many = dataclasses.replace(
        spec,
        suites=tuple(dataclasses.replace(spec.suites[0], id=f"suite_{i}") for i in range(1000)),
    )
    assert len(build_plan(many, WINDOW).all()) == len(build_plan(spec, WINDOW).all())
    for expression in build_plan(many, WINDOW).suite.values():
        assert "suite_0" not in expression


# --- fail closed: each rule ----------------------------------------------------------------


def test_no_suite_of_the_spec_in_prometheus_means_could_not_evaluate(
    spec: Spec, plan: QueryPlan
) -> None:
    results = healthy_results(spec, plan)
    results[keys.SAMPLE_COUNT] = _vector({"someone_elses_suite": 500.0})
    evaluation = evaluate(spec, results)
    assert evaluation.could_not_evaluate
    assert reasons(evaluation) == [names.REASON_NO_DATA]
    assert "tenant" in evaluation.problems[0].message


def test_one_missing_suite_blocks_without_hiding_the_others(spec: Spec, plan: QueryPlan) -> None:
    missing = spec.suites[1].id
    results = healthy_results(spec, plan)
    for key in plan.suite:
        results[key] = QueryResult(
            tuple(s for s in results[key].samples if s.labels.get("suite") != missing)
        )
    evaluation = evaluate(spec, results)
    assert not evaluation.could_not_evaluate
    assert reasons(evaluation) == [names.REASON_NO_DATA]
    assert missing in evaluation.problems[0].message
    assert evaluation.suite(missing) is None and evaluation.suite(spec.suites[0].id) is not None
    assert not evaluate_gate(evaluation, spec).passed


def _set(results: dict[str, QueryResult], key: str, suite_id: str, value: float) -> None:
    results[key] = QueryResult(
        tuple(
            Sample(s.labels, value) if s.labels.get("suite") == suite_id else s
            for s in results[key].samples
        )
    )


@pytest.mark.parametrize(
    "case",
    [
        (keys.ERROR_RATIO, math.nan, names.REASON_NAN, "error_ratio is NaN"),
        (keys.THROUGHPUT, math.nan, names.REASON_NAN, "throughput_per_second is NaN"),
        (keys.LAST_RUN_AGE, 301.0, names.REASON_STALE, "older than the 5m window"),
        (keys.THRESHOLD, 0.025, names.REASON_THRESHOLD_MISMATCH, "25 ms"),
        (keys.SAMPLE_COUNT, 450.0, names.REASON_INCONSISTENT, "sample count 450 vs 400"),
        (keys.WITHIN_SLO, 0.5, names.REASON_INCONSISTENT, "within-SLO ratio 0.5"),
    ],
)
def test_each_untrustworthy_number_is_a_named_problem(
    spec: Spec, plan: QueryPlan, case: tuple[str, float, str, str]
) -> None:
    key, value, reason, words = case
    suite_id = spec.suites[0].id
    results = healthy_results(spec, plan)
    _set(results, key, suite_id, value)
    evaluation = evaluate(spec, results)
    assert reason in reasons(evaluation), evaluation.problems
    problem = next(p for p in evaluation.problems if p.reason == reason)
    assert suite_id in problem.message and words in problem.message
    assert not problem.fatal
    gate = evaluate_gate(evaluation, spec)
    assert not gate.passed
    assert any(c.name == "evaluation_source" and reason in c.message for c in gate.blockers())


def test_too_few_samples_in_the_window_is_a_named_problem_per_suite(
    spec: Spec, plan: QueryPlan
) -> None:
    evaluation = evaluate(spec, healthy_results(spec, plan, scale=0.2))  # 80 observations
    assert reasons(evaluation) == [names.REASON_INSUFFICIENT_SAMPLES] * len(spec.suites)
    assert "80 samples over the 5m window < minimum 100" in evaluation.problems[0].message


def test_extrapolated_bucket_counts_that_cross_are_made_cumulative_as_prometheus_reads_them(
    spec: Spec, plan: QueryPlan
) -> None:
    """increase() extrapolates each bucket series on its own: neighbours can cross slightly."""
    suite = spec.suites[0]
    results = healthy_results(spec, plan)
    samples = list(results[keys.HISTOGRAM].samples)
    mine = [i for i, s in enumerate(samples) if s.labels["suite"] == suite.id]
    raw = [(float(samples[i].labels["le"]), samples[i].value) for i in mine]
    crossing = mine[len(mine) // 2]  # one bucket a little above its upper neighbour
    bumped = samples[crossing].value + 0.4
    samples[crossing] = Sample(samples[crossing].labels, bumped)
    samples[crossing + 1] = Sample(samples[crossing + 1].labels, bumped - 0.3)
    results[keys.HISTOGRAM] = QueryResult(tuple(samples))
    evaluation = evaluate(spec, results)
    got = evaluation.suite(suite.id)
    assert got is not None and got.histogram is not None
    counts = got.histogram.cumulative_counts
    assert all(a <= b for a, b in itertools.pairwise(counts))
    assert counts[crossing - mine[0] + 1] == bumped  # the running maximum
    crossed = [(float(s.labels["le"]), s.value) for s in samples if s.labels["suite"] == suite.id]
    assert got.p95_latency_ms == pytest.approx(histogram_quantile(0.95, crossed) * 1000.0)
    assert len(raw) == len(counts)


def test_a_suite_without_a_current_last_run_series_is_stale(spec: Spec, plan: QueryPlan) -> None:
    suite_id = spec.suites[2].id
    results = healthy_results(spec, plan)
    results[keys.LAST_RUN_AGE] = QueryResult(
        tuple(s for s in results[keys.LAST_RUN_AGE].samples if s.labels["suite"] != suite_id)
    )
    evaluation = evaluate(spec, results)
    assert reasons(evaluation) == [names.REASON_STALE]
    assert "target is down or gone" in evaluation.problems[0].message


def test_a_failed_query_is_blocked_on_and_its_number_reported_missing(
    spec: Spec, plan: QueryPlan
) -> None:
    results: dict[str, QueryResult | None] = dict(healthy_results(spec, plan))
    results[keys.THROUGHPUT] = None
    rejected = EvaluationProblem(names.REASON_BAD_QUERY, "throughput_per_second: rejected")
    evaluation = evaluate(spec, results, [rejected])
    assert reasons(evaluation)[0] == names.REASON_BAD_QUERY
    assert all(s.throughput_per_second is None for s in evaluation.suites)
    assert reasons(evaluation).count(names.REASON_NO_DATA) == len(spec.suites)


# --- drills and HA/DR ------------------------------------------------------------------------


def test_drills_are_judged_from_their_gauges_and_go_stale_after_two_schedules(
    spec: Spec, plan: QueryPlan
) -> None:
    bus, store, connector, policy = (d.id for d in spec.drills)
    results = healthy_results(spec, plan)
    results[keys.DRILL_PASSED] = _vector({bus: 1.0, store: 0.0, connector: 1.0}, "drill")
    limit = 2 * spec.drills[2].schedule_seconds
    results[keys.DRILL_LAST_RUN] = _vector(
        {bus: AT - 10.0, store: AT - 10.0, connector: AT - limit - 1.0}, "drill"
    )
    evaluation = evaluate(spec, results)
    by_id = {d.drill_id: d for d in evaluation.drills}
    assert by_id[bus].passed and by_id[bus].observed_behavior == "passed"
    assert by_id[bus].observations[names.DRILL_PASSED_OBSERVATION] == 1.0
    assert by_id[bus].observations["last_run_age_seconds"] == 10.0
    assert not by_id[store].passed and "last run failed" in (by_id[store].failure_reason or "")
    assert not by_id[connector].passed and by_id[connector].observed_behavior == "stale"
    assert policy not in by_id
    assert sorted(reasons(evaluation)) == [names.REASON_NO_DATA, names.REASON_STALE]
    assert not evaluate_gate(evaluation, spec).passed


def test_missing_ha_values_are_named_and_leave_the_target_unmet(
    spec: Spec, plan: QueryPlan
) -> None:
    results = healthy_results(spec, plan)
    results[keys.RPO] = QueryResult(())
    results[keys.RTO] = QueryResult((Sample({}, math.nan),))
    results[keys.EVENT_BUS] = QueryResult(())
    evaluation = evaluate(spec, results)
    assert sorted(reasons(evaluation)) == ["nan", "no_data", "no_data"]
    assert evaluation.ha.rpo_minutes is None and evaluation.ha.rto_minutes is None
    assert evaluation.ha.event_bus == {}
    blockers = {c.name for c in evaluate_gate(evaluation, spec).blockers()}
    assert {"ha_slo_targets", "evaluation_source"} <= blockers


# --- the error counter -----------------------------------------------------------------------


def test_every_problem_is_counted_by_reason_and_known_reasons_start_at_zero() -> None:
    registry = CollectorRegistry()
    metrics = EvaluationMetrics(registry)
    for reason in names.EVALUATION_REASONS:
        assert registry.get_sample_value(names.EVALUATION_ERRORS_TOTAL, {"reason": reason}) == 0
    metrics.record(
        [
            EvaluationProblem(names.REASON_STALE, "a"),
            EvaluationProblem(names.REASON_STALE, "b"),
            EvaluationProblem(names.REASON_UNREACHABLE, "c", fatal=True),
        ]
    )
    assert registry.get_sample_value(names.EVALUATION_ERRORS_TOTAL, {"reason": "stale"}) == 2
    assert registry.get_sample_value(names.EVALUATION_ERRORS_TOTAL, {"reason": "unreachable"}) == 1
    EvaluationMetrics(None).record([EvaluationProblem("stale", "unregistered is fine")])


# --- the source: URLs, settings, credentials ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:s3cret@prom.example:9090/", "http://prom.example:9090"),
        ("https://mimir.example/prometheus/", "https://mimir.example/prometheus"),
        ("http://[::1]:9090/thanos", "http://[::1]:9090/thanos"),
        ("http://127.0.0.1:9090", "http://127.0.0.1:9090"),
    ],
)
def test_display_url_keeps_host_and_prefix_and_drops_credentials(url: str, shown: str) -> None:
    source = PrometheusSource(url, headers={"X-Api-Key": "k3y-value"})
    assert source.display_url == shown
    assert "s3cret" not in repr(source) and "k3y-value" not in repr(source)


def test_source_problems_name_the_setting_and_never_the_secret(tmp_path: Path) -> None:
    bad = PrometheusSource(
        "ftp://admin:hunter22@host",
        timeout_seconds=0,
        retries=-1,
        headers={"Bad Header": "x", "X-Ok": "a\nb"},
        bearer_token_file=str(tmp_path / "absent"),
        bearer_token_env="CAVRA_TEST_UNSET_VARIABLE",
        basic_auth_user="me",
    )
    problems = source_problems(bad)
    fields = {field for field, _ in problems}
    assert fields == {
        "url",
        "timeout_seconds",
        "retries",
        "headers",
        "bearer_token_file",
        "bearer_token_env",
        "basic_auth_user",
    }
    assert all("hunter22" not in text for _, text in problems)
    assert source_problems(PrometheusSource("http://h:9090?tenant=a"))[0][0] == "url"
    assert source_problems(PrometheusSource("http://127.0.0.1:9090/prefix")) == []


def test_credentials_are_read_from_files_and_variables_and_listed_as_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-from-file\n")
    creds = load_credentials(PrometheusSource("http://h", bearer_token_file=str(token_file)))
    assert creds.headers["Authorization"] == "Bearer tok-from-file"
    assert "tok-from-file" in creds.secrets
    monkeypatch.setenv("CAVRA_TEST_TOKEN", "tok-from-env")
    creds = load_credentials(PrometheusSource("http://h", bearer_token_env="CAVRA_TEST_TOKEN"))
    assert creds.headers["Authorization"] == "Bearer tok-from-env"
    password = tmp_path / "password"
    password.write_text("pw-from-file")
    creds = load_credentials(
        PrometheusSource("http://h", basic_auth_user="u", basic_auth_password_file=str(password))
    )
    assert creds.auth == ("u", "pw-from-file") and "pw-from-file" in creds.secrets
    creds = load_credentials(PrometheusSource("http://alice:in-url-pw@h"))
    assert creds.auth == ("alice", "in-url-pw") and "in-url-pw" in creds.secrets
    token_file.write_text("")
    with pytest.raises(CredentialsError, match="is empty"):
        load_credentials(PrometheusSource("http://h", bearer_token_file=str(token_file)))


def test_redact_replaces_every_secret_longest_first() -> None:
    text = "Authorization: Bearer abc123 and abc123456 again"
    assert redact(text, ("abc123", "abc123456")) == (
        f"Authorization: Bearer {REDACTED} and {REDACTED} again"
    )
