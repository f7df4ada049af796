"""`cavra benchmark run --pushgateway`: against a real Pushgateway, scraped by a real Prometheus.

A Pushgateway that is down (nothing listening) or that refuses the push is a warning in the
run, never a crash and never a change of the exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter

from cavra_prom.pushgateway import PushError, display_url, push_metrics
from tests.conftest import CliRunner, fast_spec_text
from tests.servers import (
    LOOPBACK,
    free_port,
    http_get,
    prometheus,
    prometheus_config,
    pushgateway,
    wait_for_series,
)

SUITE = "runtime_decision_latency"


def test_a_run_pushes_its_metrics_and_prometheus_sees_them(cli: CliRunner, fast_spec: Path) -> None:
    with pushgateway() as gateway:
        result = cli(
            "benchmark", "run", "--spec", str(fast_spec), "--quiet",
            "--pushgateway", gateway.url, "--pushgateway-instance", "ci-runner-1",
        )  # fmt: skip
        # The verdict depends on how busy the machine is; the push must not change it.
        assert result.code == (0 if "status: READY" in result.stdout else 1), result.stderr
        assert f"pushed metrics to {gateway.url} (job=cavra_benchmark, instance=ci-runner-1)" in (
            result.stderr
        )
        _, body = http_get(gateway.url + "/metrics")
        text = body.decode()
        group = 'instance="ci-runner-1",job="cavra_benchmark"'
        for needle in (
            f'cavra_suite_operations_total{{{group},outcome="ok",suite="{SUITE}"}}',
            f'cavra_suite_latency_seconds_bucket{{{group},suite="{SUITE}",le="0.05"}}',
            f'cavra_drill_passed{{drill="connector_timeout",{group}}} 1',
            f"cavra_gate_ready{{{group}}} ",
        ):
            assert needle in text, needle
        assert text.count('job="cavra_benchmark"') > 50  # every family, one group
        target = gateway.url.removeprefix("http://")
        with prometheus(prometheus_config([target], honor_labels=True)) as prom:
            series = wait_for_series(
                prom.url,
                f'cavra_suite_operations_total{{job="cavra_benchmark",suite="{SUITE}",'
                'outcome="ok",instance="ci-runner-1"}',
            )
            assert float(series[0]["value"][1]) >= 20  # the fast spec's sample floor


def test_a_pushgateway_that_is_down_is_a_warning_not_a_crash(
    cli: CliRunner, tmp_path: Path
) -> None:
    spec = tmp_path / "strict.yaml"  # a blocked run: the exit code must stay 1
    spec.write_text(fast_spec_text(**{"p95_latency_ms_max: 50": "p95_latency_ms_max: 0.001"}))
    url = f"http://user:s3cret@{LOOPBACK}:{free_port()}"
    result = cli("benchmark", "run", "--spec", str(spec), "--quiet", "--pushgateway", url)
    assert result.code == 1
    assert f"cavra: warning: cannot push to Pushgateway http://{LOOPBACK}:" in result.stderr
    assert "the run's verdict is unaffected" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_push_metrics_grouping_key_and_refusals() -> None:
    registry = CollectorRegistry()
    Counter("cavra_push_probe", "probe", ["suite"], registry=registry).labels("a").inc()
    with pushgateway() as gateway:
        key = push_metrics(registry, gateway.url, instance="i-1")
        assert key == {"job": "cavra_benchmark", "instance": "i-1"}
        _, body = http_get(gateway.url + "/metrics")
        assert b'cavra_push_probe_total{instance="i-1",job="cavra_benchmark",suite="a"} 1' in body
        with pytest.raises(PushError, match="refused the push: HTTP 404"):
            push_metrics(registry, gateway.url + "/no/such/prefix", instance="i-1")
    with pytest.raises(PushError, match="cannot push"):
        push_metrics(registry, "http://[nonsense", instance="i-1")


def test_display_url_drops_credentials() -> None:
    assert display_url("http://u:p@host:9091/x?q=1") == "http://host:9091/x"
    assert display_url("host:9091") == "http://host:9091"
