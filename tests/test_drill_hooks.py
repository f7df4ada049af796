"""Drill hooks against a real service (examples/demo_service.py) and a real Prometheus.

Two demo services run side by side: one fails closed under the injected audit-store outage,
the other (``--unsafe``) allows unaudited decisions. One Prometheus scrapes both every second,
so the PromQL assertions are checked against the services' own counters, as a user's would be.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cavra_prom.benchmark import run_benchmark
from cavra_prom.drills import run_drill
from cavra_prom.drills.hooks import PROMETHEUS_URL_ENV
from cavra_prom.drills.model import DrillResult
from cavra_prom.packet.render import drill_entry
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model import DrillSpec, Spec
from tests.servers import (
    LOOPBACK,
    Server,
    demo_service,
    free_port,
    http_get,
    prometheus,
    prometheus_config,
    wait_for_series,
)

RECOVERY_MS = 300


@dataclass
class Stack:
    safe: Server
    unsafe: Server
    prometheus: Server


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    flags = ("--delay-ms", "0", "--recovery-ms", str(RECOVERY_MS))
    with demo_service(*flags) as safe, demo_service(*flags, "--unsafe") as unsafe:
        jobs = [
            {"job_name": job, "static_configs": [{"targets": [server.url.split("//")[1]]}]}
            for job, server in (("demo_safe", safe), ("demo_unsafe", unsafe))
        ]
        with prometheus(prometheus_config(extra_scrape_configs=jobs)) as prom:
            for job in ("demo_safe", "demo_unsafe"):
                wait_for_series(prom.url, f'up{{job="{job}"}} == 1')
            yield Stack(safe, unsafe, prom)


def drill_yaml(hooks: str, *, timeout: float = 5.0, operations: int = 30) -> str:
    return f"""version: cavra/v1
suites:
  - id: s
    target: {{kind: python, call: "json:dumps"}}
    workload: {{iterations: 10, warmup_seconds: 0}}
    slo: {{p95_latency_ms_max: 100, throughput_per_second_min: 1}}
drills:
  - id: audit_outage
    fault: custom
    injected_fault: the audit store is unavailable
    expected_behavior: no decision is allowed without an audit record
    operations: {operations}
    recovery_timeout_seconds: {timeout}
    hooks:
{textwrap.indent(textwrap.dedent(hooks).strip(), "      ")}
"""


def load(text: str, tmp_path: Path) -> Spec:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return load_spec_text(text, str(path))


def drill(text: str, tmp_path: Path) -> DrillSpec:
    return load(text, tmp_path).drills[0]


def outage_hooks(service: Server, prom: Server, job: str) -> str:
    url = service.url
    allowed = f'demo_decisions_total{{job="{job}",decision="allow",audited="false"}}'
    unaudited = f'demo_decisions_total{{job="{job}",audited="false"}}'
    return f"""
        prometheus_url: {prom.url}
        inject:
          http: {{method: POST, url: "{url}/admin/fault", body: '{{"fault": "audit_store_down"}}'}}
        load:
          http: {{method: POST, url: "{url}/decide", expect_status: [200, 503]}}
        duration_seconds: 1.5
        settle_seconds: 2
        assertions:
          - name: no_unaudited_allow
            promql: 'sum(increase({allowed}[1m])) == 0'
          - name: denials_recorded
            promql: 'sum(increase({unaudited}[1m]))'
            expect: "> 0"
          - name: healthy_again
            when: recovered
            http: {{url: "{url}/healthz", expect_status: 200}}
        recover:
          http: {{method: POST, url: "{url}/admin/fault", body: '{{"fault": "none"}}'}}
        readiness:
          http: {{url: "{url}/healthz"}}
        probe_interval_seconds: 0.05
    """


def ready_now(service: Server) -> bool:
    return bool(json.loads(http_get(service.url + "/healthz")[1])["ready"])


def test_a_fail_closed_service_passes_and_recovery_is_measured(
    stack: Stack, tmp_path: Path
) -> None:
    spec = drill(drill_yaml(outage_hooks(stack.safe, stack.prometheus, "demo_safe")), tmp_path)
    result = run_drill(spec)
    assert result.passed, result.failure_reason
    assert result.observed_behavior == "assertions_held"
    assert result.fault == "custom"
    # readiness is held back RECOVERY_MS after the fault is cleared: recovery cannot be less
    assert result.recovery_seconds is not None
    assert result.recovery_seconds >= RECOVERY_MS / 1000
    obs = result.observations
    assert obs["inject_result"] == "HTTP 200" and obs["recover_result"] == "HTTP 200"
    assert isinstance(obs["load_ok"], int) and 0 < obs["load_ok"] <= 30
    assert obs["assertion_no_unaudited_allow"] == 0
    assert isinstance(obs["assertion_denials_recorded"], float)
    assert obs["assertion_denials_recorded"] > 0
    assert obs["assertion_healthy_again"] == "HTTP 200"
    assert obs["recovered"] is True


def test_an_unsafe_service_fails_on_its_own_metrics_and_is_still_recovered(
    stack: Stack, tmp_path: Path
) -> None:
    spec = drill(drill_yaml(outage_hooks(stack.unsafe, stack.prometheus, "demo_unsafe")), tmp_path)
    result = run_drill(spec)
    assert not result.passed
    assert result.observed_behavior == "assertion_no_data"
    assert result.failure_reason is not None
    assert result.failure_reason.startswith("assertion no_unaudited_allow: ")
    assert "returned no data" in result.failure_reason
    assert result.observations["assertion_no_unaudited_allow"] == "no_data"
    # the fault was cleared and the service came back even though the drill failed
    assert result.recovery_seconds is not None
    assert ready_now(stack.unsafe)


def quick_hooks(service: Server, assertion: str, prometheus_line: str = "") -> str:
    url = service.url
    return f"""
        {prometheus_line}
        inject: {{http: {{method: POST, url: "{url}/admin/fault", body: '{{"delay_ms": 0}}'}}}}
        duration_seconds: 0
        assertions:
          - {assertion}
        readiness: {{http: {{url: "{url}/healthz"}}}}
    """


@pytest.mark.parametrize(
    ("assertion", "word", "reason"),
    [
        (
            "{name: up_is_zero, promql: 'up{job=\"demo_safe\"}', expect: '== 0'}",
            "assertion_failed",
            'assertion up_is_zero: up{job="demo_safe"} is 1, expected == 0',
        ),
        (
            "{name: missing, promql: 'cavra_test_no_such_metric == 0'}",
            "assertion_no_data",
            "assertion missing: cavra_test_no_such_metric == 0 returned no data",
        ),
        (
            "{name: check, http: {url: 'http://127.0.0.1:1/x', timeout_seconds: 1}}",
            "assertion_failed",
            "assertion check: check GET http://127.0.0.1:1/x failed: ",
        ),
    ],
)
def test_assertion_failures_name_their_reason(
    stack: Stack, tmp_path: Path, assertion: str, word: str, reason: str
) -> None:
    hooks = quick_hooks(stack.safe, assertion, f"prometheus_url: {stack.prometheus.url}")
    result = run_drill(drill(drill_yaml(hooks), tmp_path))
    assert not result.passed
    assert result.observed_behavior == word
    assert result.failure_reason is not None and result.failure_reason.startswith(reason)


def test_prometheus_url_from_the_runner_or_the_environment(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = drill(drill_yaml(quick_hooks(stack.safe, "{promql: 'up == 1'}")), tmp_path)
    monkeypatch.delenv(PROMETHEUS_URL_ENV, raising=False)
    missing = run_drill(spec)
    assert not missing.passed and missing.observed_behavior == "assertion_error"
    assert "needs a Prometheus" in (missing.failure_reason or "")
    assert run_drill(spec, prometheus=PrometheusSource(stack.prometheus.url)).passed
    monkeypatch.setenv(PROMETHEUS_URL_ENV, stack.prometheus.url)
    assert run_drill(spec).passed


def test_an_unreachable_prometheus_fails_the_assertion(stack: Stack, tmp_path: Path) -> None:
    dead = f"http://{LOOPBACK}:{free_port()}"
    hooks = quick_hooks(stack.safe, "{promql: 'up == 1'}", f"prometheus_url: {dead}")
    result = run_drill(drill(drill_yaml(hooks), tmp_path))
    assert not result.passed and result.observed_behavior == "assertion_error"
    assert (result.failure_reason or "").startswith("assertion assertion_0: query failed: ")


def test_a_failing_inject_hook_fails_the_drill_and_recover_still_runs(
    stack: Stack, tmp_path: Path
) -> None:
    url = stack.safe.url
    hooks = f"""
        inject: {{http: {{method: POST, url: "{url}/admin/fault", body: '{{"fault": "bogus"}}'}}}}
        recover: {{http: {{method: POST, url: "{url}/admin/fault", body: '{{"fault": "none"}}'}}}}
        readiness: {{http: {{url: "{url}/healthz"}}}}
        duration_seconds: 0
    """
    result = run_drill(drill(drill_yaml(hooks), tmp_path))
    assert not result.passed and result.observed_behavior == "hook_failed"
    assert result.failure_reason == (
        f"inject hook (POST {url}/admin/fault) failed: HTTP 400 from POST {url}/admin/fault"
    )
    assert result.observations["recover_result"] == "HTTP 200"
    assert result.recovery_seconds is None  # nothing was injected, so nothing was timed


def test_command_hooks_and_recovery_timeout(tmp_path: Path) -> None:
    flag = tmp_path / "fault.flag"
    hooks = f"""
        inject: {{command: [touch, "{flag}"]}}
        duration_seconds: 0.1
        assertions:
          - {{name: fault_visible, command: [test, -e, "{flag}"]}}
        recover: {{command: {{argv: [rm, -f, "{flag}"], timeout_seconds: 5}}}}
        readiness: {{command: [sh, -c, 'test ! -e "{flag}"']}}
        probe_interval_seconds: 0.05
    """
    passed = run_drill(drill(drill_yaml(hooks), tmp_path))
    assert passed.passed, passed.failure_reason
    assert passed.observations["assertion_fault_visible"] == "exit code 0"
    assert passed.recovery_seconds is not None and not flag.exists()

    never = hooks.replace(
        f'recover: {{command: {{argv: [rm, -f, "{flag}"], timeout_seconds: 5}}}}', ""
    )
    stuck = run_drill(drill(drill_yaml(never, timeout=0.3), tmp_path))
    assert not stuck.passed and stuck.observed_behavior == "recovery_timeout"
    assert stuck.recovery_seconds is None
    assert stuck.failure_reason == (
        f'readiness (sh -c test ! -e "{flag}") did not pass within 0.3s after the fault was cleared'
    )


def test_hook_drills_become_the_same_gauges_and_packet_entries(
    stack: Stack, tmp_path: Path
) -> None:
    spec = load(
        drill_yaml(quick_hooks(stack.safe, f"{{http: {{url: '{stack.safe.url}/healthz'}}}}")),
        tmp_path,
    )
    registry = CollectorRegistry()
    outcome = run_benchmark(spec, registry)
    result: DrillResult = outcome.evaluation.drills[0]
    assert result.passed
    labels = {"drill": "audit_outage"}
    assert registry.get_sample_value("cavra_drill_passed", labels) == 1.0
    assert registry.get_sample_value("cavra_drill_recovery_seconds", labels) == pytest.approx(
        result.recovery_seconds
    )
    entry = drill_entry(result, outcome.evaluation.evidence_mode)
    assert entry["passed"] is True and entry["fault"] == "custom"
    assert entry["observations"]["assertion_assertion_0"] == "HTTP 200"
    failure_check = next(c for c in outcome.gate.checks if c.name == "failure_mode_drills")
    assert failure_check.status == "pass"
