"""The HTTP target against a real HTTP server on loopback (examples/demo_service.py).

The server's delay and failure rate are real (an asyncio sleep, a seeded 500), and its own
Prometheus counters are read back, so every count the runner reports is checked against what
the server saw, not against a number written in the test.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cavra_prom.benchmark import run_suites, suite_buckets
from cavra_prom.evaluation.model import SuiteEvaluation
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import SuiteRun, run_suite
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model import Spec
from cavra_prom.target_errors import ERROR_CONNECTION, ERROR_STATUS, ERROR_TIMEOUT
from cavra_prom.targets import build_target
from tests.servers import Server, demo_service, http_get

TOKEN = "s3cret-token-for-tests"


def http_spec(url: str, workload: str, target_extra: str = "", p95_ms: float = 100) -> str:
    return f"""
version: cavra/v1
suites:
  - id: http_suite
    target:
      kind: http
      method: POST
      url: {url}/decide
      timeout_seconds: 2
{target_extra}
    workload: {workload}
    slo: {{p95_latency_ms_max: {p95_ms}, throughput_per_second_min: 1}}
"""


def load(text: str, tmp_path: Path) -> Spec:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return load_spec_text(text, str(path))


def run(spec: Spec) -> tuple[SuiteRun, SuiteEvaluation]:
    runs, evaluations = run_suites(spec, SuiteMetrics(None))
    return runs[0], evaluations[0]


def server_counts(server: Server, family: str) -> dict[str, float]:
    """One counter family of the demo's own /metrics, keyed by its label values."""
    _, body = http_get(server.url + "/metrics")
    counts: dict[str, float] = {}
    for metric in text_string_to_metric_families(body.decode()):
        if metric.name == family:
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    counts[",".join(sample.labels.values())] = sample.value
    return counts


DELAY_MS = 50.0
TOLERANCE_MS = 40.0
"""Loopback, the event loop and a busy 2-core machine add milliseconds, never remove them."""


@pytest.fixture(scope="module")
def slow_server() -> Iterator[Server]:
    with demo_service("--delay-ms", str(DELAY_MS)) as server:
        yield server


def test_p95_matches_the_injected_delay(slow_server: Server, tmp_path: Path) -> None:
    spec = load(
        http_spec(slow_server.url, "{concurrency: 8, iterations: 160, warmup_iterations: 8}"),
        tmp_path,
    )
    suite_run, evaluation = run(spec)
    assert suite_run.sample_count == 160 and suite_run.error_count == 0
    # The server sleeps DELAY_MS per request; the client adds loopback and event-loop time only.
    assert evaluation.p95_exact_latency_ms is not None
    assert DELAY_MS <= evaluation.p95_exact_latency_ms <= DELAY_MS + TOLERANCE_MS
    assert evaluation.p95_latency_ms is not None
    assert DELAY_MS <= evaluation.p95_latency_ms <= DELAY_MS + TOLERANCE_MS
    assert min(suite_run.latencies_seconds()) >= DELAY_MS / 1000


def test_status_errors_are_counted_by_class_and_match_the_server(tmp_path: Path) -> None:
    with demo_service("--delay-ms", "0", "--failure-rate", "0.3") as server:
        spec = load(
            http_spec(server.url, "{concurrency: 4, iterations: 300, warmup_seconds: 0}"), tmp_path
        )
        suite_run, evaluation = run(spec)
        served = server_counts(server, "demo_requests")
    assert suite_run.sample_count == 300
    assert 0 < suite_run.error_count < 300
    assert dict(suite_run.error_classes) == {ERROR_STATUS: suite_run.error_count}
    assert served["500"] == suite_run.error_count
    assert served["200"] == suite_run.ok_count
    assert evaluation.error_count == suite_run.error_count
    assert any("HTTP 500" in sample for sample in suite_run.error_samples)
    assert f"errors of class status: {suite_run.error_count}" in evaluation.notes


def test_accepted_statuses_come_from_the_spec(tmp_path: Path) -> None:
    with demo_service("--delay-ms", "0", "--failure-rate", "0.3") as server:
        extra = "      expect_status: [200, 500]"
        spec = load(http_spec(server.url, "{concurrency: 2, iterations: 100}", extra), tmp_path)
        suite_run, _ = run(spec)
    assert suite_run.error_count == 0


def test_timeouts_are_counted_as_timeouts(tmp_path: Path) -> None:
    with demo_service("--delay-ms", "400") as server:
        text = http_spec(server.url, "{concurrency: 2, iterations: 6}").replace(
            "timeout_seconds: 2", "timeout_seconds: 0.05"
        )
        suite_run, _ = run(load(text, tmp_path))
    assert dict(suite_run.error_classes) == {ERROR_TIMEOUT: 6}
    assert all("within 0.05s" in sample for sample in suite_run.error_samples)
    # a timed-out request is recorded at the time it was given up, not the server's delay
    assert max(suite_run.latencies_seconds()) < 0.4


def test_a_server_that_goes_away_gives_connection_errors(tmp_path: Path) -> None:
    with demo_service("--delay-ms", "0") as server:
        spec = load(http_spec(server.url, "{concurrency: 2, iterations: 10}"), tmp_path)
    # the spec was valid (reachable) at load time; the server is stopped now
    suite_run, _ = run(spec)
    assert dict(suite_run.error_classes) == {ERROR_CONNECTION: 10}


def test_open_loop_issues_exactly_rate_times_duration(tmp_path: Path) -> None:
    with demo_service("--delay-ms", "2") as server:
        workload = (
            "{mode: open, arrival_rate_per_second: 200, duration_seconds: 1.5, warmup_seconds: 0}"
        )
        suite_run, evaluation = run(load(http_spec(server.url, workload), tmp_path))
        served = server_counts(server, "demo_requests")
    # operation i is due at i/200 s: 300 due times fall inside 1.5 s, whatever the clock did
    assert suite_run.sample_count == 300
    assert served["200"] == 300
    assert len(suite_run.schedule_lag_seconds) == 300
    assert min(suite_run.schedule_lag_seconds) >= 0.0
    assert evaluation.sample_count == 300


def test_open_loop_counts_queueing_from_the_due_time(tmp_path: Path) -> None:
    """One connection, 20 ms per request, 100 requests/s offered: the backlog is latency."""
    with demo_service("--delay-ms", "20") as server:
        workload = (
            "{mode: open, arrival_rate_per_second: 100, duration_seconds: 0.5, warmup_seconds: 0}"
        )
        text = http_spec(server.url, workload, "      pool_size: 1")
        suite_run, evaluation = run(load(text, tmp_path))
    assert suite_run.sample_count == 50  # the rate was held: nothing was skipped
    latencies = sorted(suite_run.latencies_seconds())
    # request k waits for the k before it: about 20k ms from its due time, not 20 ms
    assert latencies[-1] > 0.5
    assert evaluation.p95_exact_latency_ms is not None
    assert evaluation.p95_exact_latency_ms > 10 * 20.0


def test_body_template_is_filled_from_each_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    actions = ["read", "write", "delete", "approve", "other"]
    cases.write_text("".join(json.dumps({"action": a}) + "\n" for a in actions))
    extra = """      body: '{"action": "${action}"}'
      cases_file: cases.jsonl"""
    with demo_service("--delay-ms", "0") as server:
        spec = load(
            http_spec(server.url, "{concurrency: 1, iterations: 50, warmup_seconds: 0}", extra),
            tmp_path,
        )
        run(spec)
        served = server_counts(server, "demo_actions")
    # one worker walks the five cases in order: each one was sent ten times
    assert {served[a] for a in actions} == {10.0}


def test_credentials_come_from_env_and_files_and_never_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    monkeypatch.setenv("CAVRA_TEST_TOKEN", TOKEN)
    with demo_service("--delay-ms", "0", env={"DEMO_API_TOKEN": TOKEN}) as server:
        outcomes = {}
        for name, auth in {
            "env": "{type: bearer, token_env: CAVRA_TEST_TOKEN}",
            "file": "{type: bearer, token_file: token}",
            "none": None,
        }.items():
            extra = f"      auth: {auth}" if auth else ""
            spec = load(http_spec(server.url, "{concurrency: 1, iterations: 5}", extra), tmp_path)
            suite_run, _ = run(spec)
            outcomes[name] = (suite_run.error_count, dict(suite_run.error_classes))
            assert TOKEN not in repr(spec)
            assert all(TOKEN not in sample for sample in suite_run.error_samples)
    assert outcomes["env"] == (0, {})
    assert outcomes["file"] == (0, {})
    assert outcomes["none"] == (5, {ERROR_STATUS: 5})  # the server answered 401


def test_threads_can_drive_the_http_target_too(slow_server: Server, tmp_path: Path) -> None:
    """The blocking operation_for_worker path (for callers that use worker threads)."""
    spec = load(http_spec(slow_server.url, "{concurrency: 2, iterations: 10}"), tmp_path)
    target = build_target(spec.suites[0].target, 1)
    try:
        op = target.operation_for_worker(0, 1)
        assert op() is True
    finally:
        target.close()


def test_phases_record_into_the_suite_series(slow_server: Server, tmp_path: Path) -> None:
    spec = load(
        http_spec(slow_server.url, "{concurrency: 2, iterations: 20, warmup_iterations: 4}"),
        tmp_path,
    )
    suite = spec.suites[0]
    metrics = SuiteMetrics(None)
    series = metrics.add_suite(suite.id, suite_buckets(suite), 0.1, 1.0)
    target = build_target(suite.target, 1)
    try:
        suite_run = run_suite(suite, target, series)
    finally:
        target.close()
    totals = series.snapshot()
    assert suite_run.warmup_operations == 4
    assert totals.ok == 20 and totals.error == 0  # warm-up is recorded nowhere that counts
    assert totals.active_seconds == pytest.approx(suite_run.active_seconds)


def test_demo_service_fault_endpoint_is_real(slow_server: Server) -> None:
    """The knob the drill tests use: a bad body is refused with 400, not applied."""
    request = urllib.request.Request(
        slow_server.url + "/admin/fault", data=b'{"fault": "nope"}', method="POST"
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 400
