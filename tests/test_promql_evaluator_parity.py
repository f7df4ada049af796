"""Parity: one real run, scraped by a real Prometheus, evaluated through PromQL and embedded.

The run's registry is exposed with prometheus-client's own exposition on loopback; Prometheus
scrapes it every second. Evaluating at the instant of a scrape taken after the run, the PromQL
evaluator must give the embedded evaluator's histogram-based numbers (float tolerance) and the
gate the same verdicts; the live packet must pass the readiness checker with --require-live.
One Prometheus serves the whole module.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from cavra_prom import __version__
from cavra_prom import conventions as names
from cavra_prom.benchmark import suite_buckets
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.model import Evaluation
from cavra_prom.evaluation.promql import PrometheusSource, evaluate_prometheus
from cavra_prom.evaluation.promql_plan import build_plan
from cavra_prom.gate import CHECK_LIVE_EVIDENCE, GateResult, evaluate_gate
from cavra_prom.packet.checker import CheckOptions, check_packet
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.spec.model import Spec
from tests.servers import LOOPBACK, Server, http_get, prometheus, prometheus_config, wait_until
from tests.test_promql_evaluator_support import (
    EmbeddedOutcome,
    LiveRunner,
    evaluator_spec,
    wait_for_scrape_after,
)

WINDOW = 60.0
REL = 1e-9
IDLE_SUITE = "idle_suite"
SUITE_KEYS = (
    "p50_latency_ms",
    "p95_latency_ms",
    "p99_latency_ms",
    "throughput_per_second",
    "error_ratio",
    "within_slo_ratio",
)


@dataclass(frozen=True)
class Scenario:
    spec: Spec
    prom: Server
    outcome: EmbeddedOutcome
    at: float


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    spec = evaluator_spec()
    runner = LiveRunner(spec)
    idle = dataclasses.replace(spec.suites[0], id=IDLE_SUITE)
    slo = idle.slo
    runner.suites.add_suite(  # registered, exported at zero, never run
        IDLE_SUITE, suite_buckets(idle), slo.p95_latency_seconds_max, slo.throughput_per_second_min
    )
    try:
        with prometheus(prometheus_config([runner.target])) as prom:
            first = spec.suites[0].id
            wait_for_scrape_after(prom.url, first, after=0.0)  # the zeros, before the run
            outcome = runner.run()
            at = wait_for_scrape_after(prom.url, first, after=time.time())
            yield Scenario(spec, prom, outcome, at)
    finally:
        runner.close()


def verdicts(gate: GateResult) -> dict[str, str]:
    """Each check's status, but the evidence kind (sample vs live) that differs by design."""
    return {c.name: c.status for c in gate.checks if c.name != CHECK_LIVE_EVIDENCE}


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def test_promql_values_equal_the_embedded_histogram_values_and_the_verdicts_agree(
    scenario: Scenario,
) -> None:
    spec, embedded = scenario.spec, scenario.outcome.evaluation
    live = evaluate_prometheus(spec, PrometheusSource(scenario.prom.url), WINDOW, at=scenario.at)
    assert live.problems == ()
    for expected in embedded.suites:
        got = live.suite(expected.suite_id)
        assert got is not None
        assert got.sample_count == expected.sample_count > 0
        assert got.error_count == expected.error_count
        for key in SUITE_KEYS:
            assert _close(getattr(got, key), getattr(expected, key)), (key, got, expected)
        assert got.p95_bucket_ms == expected.p95_bucket_ms
        assert got.histogram is not None and expected.histogram is not None
        assert got.histogram.bounds_seconds == expected.histogram.bounds_seconds
        assert got.histogram.cumulative_counts == expected.histogram.cumulative_counts
    assert {d.drill_id: d.passed for d in live.drills} == {
        d.drill_id: d.passed for d in embedded.drills
    }
    assert _close(live.ha.rto_minutes, embedded.ha.rto_minutes)
    assert _close(live.ha.rpo_minutes, embedded.ha.rpo_minutes)
    assert _close(live.ha.availability_ratio, embedded.ha.availability_ratio)
    assert (live.ha.api_replicas, live.ha.worker_replicas, dict(live.ha.event_bus)) == (
        embedded.ha.api_replicas,
        embedded.ha.worker_replicas,
        dict(embedded.ha.event_bus),
    )
    live_gate = evaluate_gate(live, spec)
    assert verdicts(live_gate) == verdicts(scenario.outcome.gate)
    assert live_gate.passed, live_gate.blockers()


def _live_packet(live: Evaluation, spec: Spec) -> dict[str, object]:
    provenance = Provenance(
        source=live.source,
        window_seconds=live.window_seconds,
        evaluated_at=live.evaluated_at,
        tool_version=__version__,
        spec_digest=spec_digest(spec),
    )
    return render_packet(live, evaluate_gate(live, spec), spec, provenance)


def test_the_live_packet_passes_the_readiness_checker_with_require_live(
    scenario: Scenario,
) -> None:
    spec = scenario.spec
    live = evaluate_prometheus(spec, PrometheusSource(scenario.prom.url), WINDOW)  # now
    assert live.problems == ()
    packet = _live_packet(live, spec)
    assert packet["ready_for_live_benchmark_slo_gate"] is True
    result = check_packet(packet, 2, CheckOptions(spec=spec, require_live=True))
    assert result.ready_for_live, [c for c in result.checks if c.status != "pass"]


def _query_requests(prom_url: str) -> float:
    """Prometheus's own count of /api/v1/query requests (read from its /metrics, not a query)."""
    _, body = http_get(prom_url + "/metrics")
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "prometheus_http_requests_total"
        and sample.labels.get("handler") == "/api/v1/query"
    )


def test_the_query_count_is_the_same_for_one_suite_and_for_all(scenario: Scenario) -> None:
    spec, source = scenario.spec, PrometheusSource(scenario.prom.url)
    counts = []
    for suites in (spec.suites[:1], spec.suites):
        one = dataclasses.replace(spec, suites=suites)
        before = _query_requests(scenario.prom.url)
        evaluate_prometheus(one, source, WINDOW, at=scenario.at)
        counts.append(_query_requests(scenario.prom.url) - before)
    assert counts[0] == counts[1] == len(build_plan(spec, WINDOW).all())


def test_too_few_samples_for_the_policy_block_every_suite(scenario: Scenario) -> None:
    spec = scenario.spec
    strict = dataclasses.replace(
        spec, gate=dataclasses.replace(spec.gate, min_samples_per_suite=10**9)
    )
    registry = CollectorRegistry()
    live = evaluate_prometheus(
        strict,
        PrometheusSource(scenario.prom.url),
        WINDOW,
        at=scenario.at,
        metrics=EvaluationMetrics(registry),
    )
    assert [p.reason for p in live.problems] == ["insufficient_samples"] * len(spec.suites)
    assert not live.could_not_evaluate
    assert all(s.p95_latency_ms is not None for s in live.suites)  # still reported
    assert registry.get_sample_value(
        names.EVALUATION_ERRORS_TOTAL, {"reason": "insufficient_samples"}
    ) == len(spec.suites)
    assert not evaluate_gate(live, strict).passed


def test_a_suite_that_never_ran_is_blocked_as_stale_and_without_samples(
    scenario: Scenario,
) -> None:
    spec = scenario.spec
    idle = dataclasses.replace(spec.suites[0], id=IDLE_SUITE)
    with_idle = dataclasses.replace(spec, suites=(*spec.suites, idle))
    live = evaluate_prometheus(
        with_idle, PrometheusSource(scenario.prom.url), WINDOW, at=scenario.at
    )
    problems = {(p.reason, p.message.split(":")[0]) for p in live.problems}
    assert problems == {
        ("insufficient_samples", f"suite {IDLE_SUITE}"),
        ("stale", f"suite {IDLE_SUITE}"),
    }
    suite = live.suite(IDLE_SUITE)
    assert suite is not None and suite.sample_count == 0 and suite.p95_latency_ms is None


def test_a_window_shorter_than_the_time_since_the_last_run_is_stale(scenario: Scenario) -> None:
    spec, window = scenario.spec, 2.0
    later = scenario.at + 4.0
    wait_until(lambda: time.time() > later + 1.0, 10.0, "time to pass the short window")
    live = evaluate_prometheus(spec, PrometheusSource(scenario.prom.url), window, at=later)
    stale = [p for p in live.problems if p.reason == "stale"]
    assert len(stale) == len(spec.suites)
    assert all("older than the 2s window" in p.message for p in stale)
    assert all(s.sample_count == 0 for s in live.suites)
    assert not evaluate_gate(live, spec).passed


class _WarningProxy(BaseHTTPRequestHandler):
    """A FAKE Thanos-like proxy in front of the real Prometheus: it adds partial-response
    warnings (a real Prometheus never sends them)."""

    upstream = ""

    def do_GET(self) -> None:
        with urllib.request.urlopen(self.upstream + self.path, timeout=5) as response:
            payload = json.loads(response.read())
        payload["warnings"] = ["partial response: 1 of 3 store gateways unavailable"]
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_partial_response_warnings_from_a_fake_proxy_block_but_keep_the_numbers(
    scenario: Scenario,
) -> None:
    handler = type("Proxy", (_WarningProxy,), {"upstream": scenario.prom.url})
    proxy = ThreadingHTTPServer((LOOPBACK, 0), handler)
    threading.Thread(target=proxy.serve_forever, args=(0.05,), daemon=True).start()
    try:
        source = PrometheusSource(f"http://{LOOPBACK}:{proxy.server_port}")
        live = evaluate_prometheus(scenario.spec, source, WINDOW, at=scenario.at)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert [p.reason for p in live.problems] == ["partial_response"]
    assert "store gateways unavailable" in live.problems[0].message
    assert not live.could_not_evaluate
    direct = evaluate_prometheus(
        scenario.spec, PrometheusSource(scenario.prom.url), WINDOW, at=scenario.at
    )
    assert [s.p95_latency_ms for s in live.suites] == [s.p95_latency_ms for s in direct.suites]
    gate = evaluate_gate(live, scenario.spec)
    assert [c.name for c in gate.blockers()] == ["evaluation_source"]
