"""The paging scenario shared by tests/test_alerting_e2e.py and benchmarks/time_to_page.py.

Everything is real: ``cavra serve`` (a subprocess, reference runtime, fault injection on),
Prometheus scraping it every second and evaluating rules generated from the same spec with a
5s SLI window, Alertmanager with the shipped example config (receivers pointed at a webhook
receiver in this process, group_wait and group_interval 1s).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cavra_prom import conventions as names
from cavra_prom.rules import RuleOptions, generate_rules, regenerate_command, render_rules
from cavra_prom.spec.loader import load_spec
from tests.alerting import (
    Notification,
    WebhookReceiver,
    example_alertmanager_config,
    webhook_receiver,
)
from tests.servers import (
    LOOPBACK,
    Server,
    alertmanager,
    free_port,
    http_get,
    prometheus,
    prometheus_config,
    wait_until,
)

SUITE: Final = names.SUITE_RUNTIME_DECISION_LATENCY
OTHER_SUITE: Final = names.SUITE_POLICY_LIFECYCLE_DRY_RUN
INJECTED_SECONDS: Final = 0.1
"""Twice the suite's 50 ms objective, added to every operation."""
JOB: Final = "cavra"
SERVE_EVALUATION_INTERVAL: Final = "2s"
RULE_OPTIONS: Final = RuleOptions(job=JOB, window_seconds=5, evaluation_interval_seconds=2)
START_TIMEOUT_SECONDS: Final = 30.0

# Open-loop load (light on a shared 2-core machine) in 1 s continuous segments, so counters
# move every scrape; one hourly drill (it runs at start, keeping drill alerts quiet).
SPEC_TEXT: Final = f"""\
version: cavra/v1
suites:
  - id: {SUITE}
    target: {{kind: reference, operation: runtime_decision}}
    workload: {{mode: open, arrival_rate_per_second: 40, concurrency: 4, warmup_seconds: 0,
                duration_seconds: 1}}
    slo: {{p95_latency_ms_max: 50, throughput_per_second_min: 10}}
    serve: {{mode: continuous, burst_seconds: 1}}
  - id: {OTHER_SUITE}
    target: {{kind: reference, operation: policy_dry_run}}
    workload: {{mode: open, arrival_rate_per_second: 20, concurrency: 2, warmup_seconds: 0,
                duration_seconds: 1}}
    slo: {{p95_latency_ms_max: 250, throughput_per_second_min: 5}}
    serve: {{mode: continuous, burst_seconds: 1}}
drills:
  - id: {names.DRILL_EVENT_BUS_UNAVAILABLE}
    fault: {names.DRILL_EVENT_BUS_UNAVAILABLE}
    injected_fault: the bus refuses writes
    expected_behavior: decisions fail closed
    schedule_seconds: 3600
ha_dr: {{}}
gate:
  min_samples_per_suite: 10
"""


@dataclass
class PagingStack:
    """The running stack; ``inject`` sets the latency fault and returns when it is in force."""

    serve_url: str
    prometheus: Server
    alertmanager: Server
    hooks: WebhookReceiver
    rules_path: Path

    def inject(self, suite: str, seconds: float) -> None:
        request = urllib.request.Request(
            f"{self.serve_url}/-/faults/latency",
            data=json.dumps({"suite": suite, "seconds": seconds}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 200:
                raise RuntimeError(f"fault injection answered {response.status}")

    def wait_for_alert(
        self, alertname: str, suite: str, status: str, timeout: float
    ) -> Notification:
        """The first webhook notification carrying ``alertname`` for ``suite`` in ``status``."""

        def matches(n: Notification) -> bool:
            return any(
                a["status"] == status
                and a["labels"].get("alertname") == alertname
                and a["labels"].get(names.LABEL_SUITE) == suite
                for a in n.alerts()
            )

        return self.hooks.wait_for(matches, timeout, f"{alertname} {status} for {suite}")


def write_rules(directory: Path, spec_path: Path) -> Path:
    """Rules generated from the scenario's spec with the test's short windows."""
    document = generate_rules(load_spec(spec_path), RULE_OPTIONS, source=str(spec_path))
    path = directory / "rules.yml"
    path.write_text(render_rules(document, regenerate_command(str(spec_path), RULE_OPTIONS)))
    return path


@contextlib.contextmanager
def serve_process(directory: Path, spec_path: Path) -> Iterator[str]:
    """``cavra serve`` as a subprocess on a free port; SIGTERM (then kill) when done."""
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    argv = [
        sys.executable, "-m", "cavra_prom", "serve",
        "--spec", str(spec_path),
        "--listen", f"{LOOPBACK}:{port}",
        "--evaluation-interval", SERVE_EVALUATION_INTERVAL,
        "--window", "10s",
        "--store-dir", str(directory / "packets"),
        "--allow-fault-injection",
    ]  # fmt: skip
    log_path = directory / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    try:

        def healthy() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"cavra serve exited: {log_path.read_text()[-2000:]}")
            return http_get(f"{url}/healthz", timeout=2.0)[0] == 200

        wait_until(healthy, START_TIMEOUT_SECONDS, f"cavra serve at {url}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def paging_stack(directory: Path) -> Iterator[PagingStack]:
    """Webhook receiver, Alertmanager, cavra serve and Prometheus, stopped in reverse."""
    spec_path = directory / "spec.yaml"
    spec_path.write_text(SPEC_TEXT)
    rules_path = write_rules(directory, spec_path)
    with contextlib.ExitStack() as stack:
        hooks = stack.enter_context(webhook_receiver())
        am = stack.enter_context(alertmanager(example_alertmanager_config(hooks.url)))
        serve_url = stack.enter_context(serve_process(directory, spec_path))
        config = prometheus_config(
            [serve_url.removeprefix("http://")],
            rule_files=[str(rules_path)],
            alertmanagers=[am.url.removeprefix("http://")],
            job=JOB,
        )
        prom = stack.enter_context(prometheus(config))
        yield PagingStack(serve_url, prom, am, hooks, rules_path)
