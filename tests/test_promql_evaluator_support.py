"""Shared helpers for the PromQL evaluator tests (this module holds no tests).

A :class:`LiveRunner` is a real benchmark run whose registry is exposed over HTTP with
prometheus-client's own exposition, on loopback, for a real Prometheus to scrape. Its suites
are registered (at zero) before the run, and the tests wait for Prometheus to scrape those
zeros first: ``increase()`` only counts what happens after a series' first sample, so a run
recorded before the first scrape would be invisible to PromQL, exactly as in production.

Run as ``python -m tests.test_promql_evaluator_support SPEC`` it is a separate runner
process: it serves its registry, prints its port, runs when told (a line on stdin), prints
its raw measurements as JSON and keeps serving until stdin closes.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from cavra_prom.benchmark import run_drills, run_suites, suite_buckets
from cavra_prom.evaluation.embedded import availability_from_suites, evaluate_ha_embedded
from cavra_prom.evaluation.model import EVIDENCE_SAMPLE, Evaluation
from cavra_prom.gate import GateResult, evaluate_gate
from cavra_prom.instruments import SuiteMetrics, now
from cavra_prom.outcome_metrics import DrillMetrics, HaMetrics
from cavra_prom.runner import SuiteRun
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model import Spec
from tests.conftest import fast_spec_text
from tests.servers import LOOPBACK, instant_query, wait_until

EVALUATOR_OVERRIDES = {
    "min_samples_per_suite: 100": "min_samples_per_suite: 5",
    "p95_latency_ms_max: 50\n": "p95_latency_ms_max: 500\n",
    "p95_latency_ms_max: 100\n": "p95_latency_ms_max: 1000\n",
    "p95_latency_ms_max: 250\n": "p95_latency_ms_max: 2500\n",
    "throughput_per_second_min: 100\n": "throughput_per_second_min: 1\n",
    "throughput_per_second_min: 50\n": "throughput_per_second_min: 1\n",
    "throughput_per_second_min: 10\n": "throughput_per_second_min: 1\n",
}


def evaluator_spec_text() -> str:
    """The fast built-in spec with loose floors: a 2-core machine shared with other test runs
    may manage only a dozen policy dry runs in a 0.4 s phase, at a few times the usual latency.
    These tests are about evaluation (the same numbers and verdicts by every route), not about
    how fast the reference runtime is; the gate tests judge the real thresholds."""
    return fast_spec_text(**EVALUATOR_OVERRIDES)


def evaluator_spec() -> Spec:
    return load_spec_text(evaluator_spec_text(), "evaluator.yaml")


@dataclass(frozen=True)
class EmbeddedOutcome:
    evaluation: Evaluation
    gate: GateResult
    runs: tuple[SuiteRun, ...]


class LiveRunner:
    """A registry with every cavra family, served on a free loopback port."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.registry = CollectorRegistry()
        self.suites = SuiteMetrics(self.registry)
        self.drills = DrillMetrics(self.registry)
        self.ha = HaMetrics(self.registry)
        for suite in spec.suites:
            self.suites.add_suite(
                suite.id,
                suite_buckets(suite),
                suite.slo.p95_latency_seconds_max,
                suite.slo.throughput_per_second_min,
            )
        self._server, self._thread = start_http_server(0, addr=LOOPBACK, registry=self.registry)
        self.port = int(self._server.server_port)
        self.target = f"{LOOPBACK}:{self.port}"

    def run(self) -> EmbeddedOutcome:
        """Run the suites and drills, export their gauges, and evaluate them embedded."""
        runs, suite_evaluations = run_suites(self.spec, self.suites)
        drills = run_drills(self.spec)
        self.drills.update(drills)
        config = RuntimeConfig()
        ha = evaluate_ha_embedded(
            drills,
            api_replicas=config.api_replicas,
            worker_replicas=config.worker_replicas,
            event_bus=ReferenceRuntime(config).event_bus_capabilities(),
        )
        ha = dataclasses.replace(ha, availability_ratio=availability_from_suites(suite_evaluations))
        self.ha.update(ha)
        evaluation = Evaluation(
            source="embedded://test",
            evidence_mode=EVIDENCE_SAMPLE,
            evaluated_at=now(),
            suites=tuple(suite_evaluations),
            drills=tuple(drills),
            ha=ha,
        )
        return EmbeddedOutcome(evaluation, evaluate_gate(evaluation, self.spec), tuple(runs))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def last_scrape_time(prometheus_url: str, suite_id: str, instances: int = 1) -> float | None:
    """The newest sample time of a suite's count that every one of ``instances`` has reached
    (the oldest of their newest samples), or None until that many instances have one."""
    found = instant_query(
        prometheus_url, f'timestamp(cavra_suite_latency_seconds_count{{suite="{suite_id}"}})'
    )
    if len(found) < instances:
        return None
    return min(float(series["value"][1]) for series in found)


def wait_for_scrape_after(
    prometheus_url: str, suite_id: str, after: float, timeout: float = 30.0, instances: int = 1
) -> float:
    """Wait for a scrape (of every instance) that started after unix time ``after``.

    Returns its timestamp. With one instance, evaluating at that instant sees everything
    recorded before ``after`` and ``increase()`` does not extrapolate past the window's end
    (the last sample is at the end).
    """

    def newer() -> float | None:
        stamp = last_scrape_time(prometheus_url, suite_id, instances)
        return stamp if stamp is not None and stamp > after else None

    return float(wait_until(newer, timeout, f"a scrape of {suite_id} after {after}", 0.2))


def raw_counts(outcome: EmbeddedOutcome) -> dict[str, Any]:
    """A run's measurements as plain JSON (what a runner process reports to the test)."""
    return {
        "suites": {
            ev.suite_id: {
                "buckets": [
                    ["+Inf" if b == float("inf") else b, c]
                    for b, c in zip(
                        ev.histogram.bounds_seconds if ev.histogram else (),
                        ev.histogram.cumulative_counts if ev.histogram else (),
                        strict=True,
                    )
                ],
                "errors": ev.error_count,
                "active_seconds": run.active_seconds,
            }
            for ev, run in zip(outcome.evaluation.suites, outcome.runs, strict=True)
        },
        "gate_passed": outcome.gate.passed,
    }


def _child(spec_path: str) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec = load_spec_text(handle.read(), spec_path)
    runner = LiveRunner(spec)
    print(json.dumps({"port": runner.port}), flush=True)
    sys.stdin.readline()  # "run"
    outcome = runner.run()
    print(json.dumps(raw_counts(outcome)), flush=True)
    sys.stdin.read()  # serve until the test closes stdin
    runner.close()


if __name__ == "__main__":
    _child(sys.argv[1])
