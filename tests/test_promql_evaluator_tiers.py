"""Two runner processes, one Prometheus scraping both, and a two-tier federation on top.

Runner A and runner B are separate processes, each serving its own registry. ``all`` scrapes
both; ``lower_a`` scrapes A and ``lower_b`` scrapes B, and ``top`` federates the two lower
tiers (``/federate``, honouring their labels), as a team outgrowing one Prometheus would. The
evaluator through ``all`` must sum the two runners by (le, suite); through ``top`` it must reach
the same verdicts.

Two instances are scraped at different phases, so ``increase()`` extrapolates each one a
little differently past its last sample; the sums are therefore compared exactly with
Prometheus's own per-instance increases, and with the runners' raw counts within that
extrapolation.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cavra_prom.evaluation.model import Evaluation
from cavra_prom.evaluation.promql import PrometheusSource, evaluate_prometheus
from cavra_prom.gate import evaluate_gate
from cavra_prom.histogram import histogram_quantile
from cavra_prom.spec.model import Spec
from tests.servers import (
    Server,
    http_get,
    instant_query,
    prometheus,
    prometheus_config,
    wait_until,
)
from tests.test_promql_evaluator_support import (
    evaluator_spec,
    evaluator_spec_text,
    wait_for_scrape_after,
)

WINDOW = 60.0
REPO = Path(__file__).resolve().parent.parent
EXTRAPOLATION_BOUND = 1.6
"""``increase()`` extrapolates towards the window's edges (a loaded machine was seen at +25 %
for a run a few seconds long): the bound only has to stay far below the 2x of a double count."""


@dataclass
class Runner:
    process: subprocess.Popen[str]
    target: str
    raw: dict[str, Any] | None = None


@contextlib.contextmanager
def runner_process(spec_path: Path) -> Iterator[Runner]:
    argv = [sys.executable, "-m", "tests.test_promql_evaluator_support", str(spec_path)]
    process = subprocess.Popen(
        argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        port = json.loads(process.stdout.readline())["port"]
        yield Runner(process, f"127.0.0.1:{port}")
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _federation(*lower: Server) -> dict[str, Any]:
    return {
        "job_name": "federate",
        "honor_labels": True,
        "metrics_path": "/federate",
        "params": {"match[]": ['{__name__=~"cavra_.*"}']},
        "static_configs": [{"targets": [s.url.removeprefix("http://") for s in lower]}],
    }


@dataclass(frozen=True)
class Tiers:
    spec: Spec
    runners: tuple[Runner, Runner]
    all: Server
    top: Server
    at_all: float
    at_top: float


def _zeros_everywhere(servers: list[Server], spec: Spec) -> None:
    expected = 2 * len(spec.suites)

    def ready() -> bool:
        return all(
            (found := instant_query(s.url, "count(cavra_suite_latency_seconds_count)"))
            and float(found[0]["value"][1]) == expected
            for s in servers
        )

    wait_until(ready, 45.0, "both runners' zero series in every tier", interval=0.25)


@pytest.fixture(scope="module")
def tiers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiers]:
    spec_path = tmp_path_factory.mktemp("tiers") / "spec.yaml"
    spec_path.write_text(evaluator_spec_text())
    spec = evaluator_spec()
    with (
        runner_process(spec_path) as a,
        runner_process(spec_path) as b,
        prometheus(prometheus_config([a.target, b.target])) as all_,
        prometheus(prometheus_config([a.target])) as lower_a,
        prometheus(prometheus_config([b.target])) as lower_b,
        prometheus(prometheus_config(extra_scrape_configs=[_federation(lower_a, lower_b)])) as top,
    ):
        _zeros_everywhere([all_, top], spec)
        for runner in (a, b):
            assert runner.process.stdin is not None
            runner.process.stdin.write("run\n")
            runner.process.stdin.flush()
        for runner in (a, b):
            assert runner.process.stdout is not None
            runner.raw = json.loads(runner.process.stdout.readline())
        done = time.time()
        first = spec.suites[0].id
        at_all = wait_for_scrape_after(all_.url, first, done, instances=2)
        at_top = wait_for_scrape_after(top.url, first, done, instances=2)
        # Federation lags a tier behind: evaluate each server only once it holds every
        # operation both runners made (their counters are final now).
        totals = {
            s.id: sum(float(r.raw["suites"][s.id]["buckets"][-1][1]) for r in (a, b) if r.raw)
            for s in spec.suites
        }
        at_all = max(at_all, _complete_at(all_.url, totals))
        at_top = max(at_top, _complete_at(top.url, totals))
        yield Tiers(spec, (a, b), all_, top, at_all, at_top)


def _complete_at(prom_url: str, totals: dict[str, float]) -> float:
    """A time at which ``prom_url`` shows every suite's final operation count."""

    def complete() -> float | None:
        rows = instant_query(prom_url, "sum by (suite) (cavra_suite_latency_seconds_count)")
        seen = {row["metric"].get("suite"): float(row["value"][1]) for row in rows}
        done = all(seen.get(suite, 0.0) >= total for suite, total in totals.items())
        return time.time() if done else None

    found: float = wait_until(complete, 60.0, "every operation to reach Prometheus", 0.25)
    return found


def _per_instance_increase(prom_url: str, suite_id: str, at: float) -> dict[float, float]:
    """Prometheus's own increase per instance, summed by le here (written independently)."""
    query = f'increase(cavra_suite_latency_seconds_bucket{{suite="{suite_id}"}}[{int(WINDOW)}s])'
    params = urllib.parse.urlencode({"query": query, "time": f"{at:.3f}"})
    status, body = http_get(f"{prom_url}/api/v1/query?{params}")
    assert status == 200, body
    summed: dict[float, float] = {}
    for series in json.loads(body)["data"]["result"]:
        le = float(series["metric"]["le"])
        summed[le] = summed.get(le, 0.0) + float(series["value"][1])
    return summed


def _raw_total(tiers: Tiers, suite_id: str) -> float:
    total = 0.0
    for runner in tiers.runners:
        assert runner.raw is not None
        total += float(runner.raw["suites"][suite_id]["buckets"][-1][1])
    return total


def _evaluate(server: Server, spec: Spec, at: float) -> Evaluation:
    return evaluate_prometheus(spec, PrometheusSource(server.url), WINDOW, at=at)


def test_two_runner_processes_are_summed_by_le_and_suite(tiers: Tiers) -> None:
    live = _evaluate(tiers.all, tiers.spec, tiers.at_all)
    assert live.problems == ()
    for suite in tiers.spec.suites:
        got = live.suite(suite.id)
        assert got is not None and got.histogram is not None
        expected = _per_instance_increase(tiers.all.url, suite.id, tiers.at_all)
        assert dict(got.histogram.as_buckets()) == pytest.approx(expected, rel=1e-9)
        p95 = histogram_quantile(0.95, sorted(expected.items()))
        assert got.p95_latency_ms == pytest.approx(p95 * 1000.0, rel=1e-9)
        raw = _raw_total(tiers, suite.id)
        assert raw <= got.histogram.cumulative_counts[-1] <= raw * EXTRAPOLATION_BOUND
    assert len(live.drills) == len(tiers.spec.drills)


def test_the_federated_top_tier_gives_the_same_verdicts(tiers: Tiers) -> None:
    direct = _evaluate(tiers.all, tiers.spec, tiers.at_all)
    top = _evaluate(tiers.top, tiers.spec, tiers.at_top)
    assert top.problems == (), top.problems
    direct_gate, top_gate = evaluate_gate(direct, tiers.spec), evaluate_gate(top, tiers.spec)
    assert [(c.name, c.status) for c in top_gate.checks] == [
        (c.name, c.status) for c in direct_gate.checks
    ], (top_gate.blockers(), direct_gate.blockers())
    if all(r.raw is not None and r.raw["gate_passed"] for r in tiers.runners):
        assert top_gate.passed  # two passing runs cannot merge into a failing one
    for suite in tiers.spec.suites:
        a, b = direct.suite(suite.id), top.suite(suite.id)
        assert a is not None and b is not None
        raw = _raw_total(tiers, suite.id)
        assert raw <= b.sample_count <= raw * EXTRAPOLATION_BOUND + 1, (suite.id, raw, b)
        assert b.p95_bucket_ms is not None and a.p95_bucket_ms is not None
    assert {d.drill_id: d.passed for d in top.drills} == {
        d.drill_id: d.passed for d in direct.drills
    }
