"""PromQL evaluator at scale: 10, 100 and 1,000 suites in a real Prometheus, ours vs naive.

For each size a synthetic exporter serves that many suites' series (the real bucket layout, 89
bounds plus +Inf per suite, counters that grow every second, the suite/drill/HA gauges), a
real Prometheus (Debian's package) scrapes it every 2 s, and two evaluators read the same
data in the same run:

* ours: ``evaluate_prometheus``, one grouped query per SLI (``by (suite)``), so the query
  count does not depend on the number of suites;
* naive: one query per suite per SLI (the same builders with a ``suite="..."`` matcher, sent
  through the same client), as most analysis tools do it, plus the same drill and HA queries.

Both are timed end to end (queries, parsing, assembling the evaluation); ours is the median of
5 runs, naive a single run (it is long). The query counts are read from Prometheus's own
``prometheus_http_requests_total{handler="/api/v1/query"}``, not from our code.

Target (issue 4): a constant query count, and 1,000 suites evaluated in under 2 s here. Exit
status 1 when a target is missed.

Usage: python benchmarks/evaluator_scale.py [--sizes 10,100,1000] [--skip-naive-above N]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from cavra_prom import conventions as names
from cavra_prom.benchmark import suite_buckets
from cavra_prom.evaluation.promql import evaluate_prometheus
from cavra_prom.evaluation.promql_plan import build_plan
from cavra_prom.instruments import le_label
from cavra_prom.promql import queries
from cavra_prom.promql.client import PromQLClient
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.spec.loader import default_spec
from cavra_prom.spec.model import Spec, SuiteSpec

LOOPBACK = "127.0.0.1"
SCRAPE_INTERVAL = "15s"
WINDOW_SECONDS = 300.0
OPS_PER_SECOND = 200.0
TARGET_SECONDS_AT_1000 = 2.0
OUR_RUNS = 5


def synthetic_spec(count: int) -> Spec:
    """``count`` suites cycling through the three R6.1 thresholds (and bucket layouts)."""
    base = default_spec()
    suites = tuple(
        dataclasses.replace(base.suites[i % 3], id=f"suite_{i:04d}") for i in range(count)
    )
    return dataclasses.replace(
        base, suites=suites, gate=dataclasses.replace(base.gate, required_suites=())
    )


@dataclasses.dataclass(frozen=True)
class SuiteShape:
    """Per suite: exposition line prefixes with the share of operations each bucket holds."""

    suite_id: str
    buckets: tuple[tuple[str, float], ...]
    threshold: float
    within_share: float


def shape(suite: SuiteSpec) -> SuiteShape:
    threshold = suite.slo.p95_latency_seconds_max
    latencies = [threshold * (0.05 + 1.0 * (i / 199) ** 2) for i in range(200)]
    bounds = (*suite_buckets(suite), math.inf)
    lines = []
    for bound in bounds:
        share = sum(1 for v in latencies if v <= bound) / len(latencies)
        lines.append(
            (f'{names.SUITE_LATENCY_BUCKET}{{suite="{suite.id}",le="{le_label(bound)}"}}', share)
        )
    within = sum(1 for v in latencies if v <= threshold) / len(latencies)
    return SuiteShape(suite.id, tuple(lines), threshold, within)


def exposition(shapes: list[SuiteShape], spec: Spec, started: float, now: float) -> bytes:
    """The text a scrape gets at ``now``: counters grow by OPS_PER_SECOND per suite."""
    ops = math.floor((now - started) * OPS_PER_SECOND)
    errors = ops // 100
    out = [f"# TYPE {names.SUITE_LATENCY_SECONDS} histogram"]
    for s in shapes:
        out += [f"{prefix} {math.floor(ops * share)}" for prefix, share in s.buckets]
        out.append(f'{names.SUITE_LATENCY_COUNT}{{suite="{s.suite_id}"}} {ops}')
        out.append(f'{names.SUITE_LATENCY_SUM}{{suite="{s.suite_id}"}} {ops * s.threshold / 2}')
    gauges = {
        names.SUITE_OPERATIONS_TOTAL: "counter",
        names.SUITE_WITHIN_SLO_TOTAL: "counter",
        names.SUITE_ACTIVE_SECONDS_TOTAL: "counter",
        names.SUITE_LAST_RUN_TIMESTAMP_SECONDS: "gauge",
        names.SLO_LATENCY_THRESHOLD_SECONDS: "gauge",
    }
    for metric, kind in gauges.items():
        out.append(f"# TYPE {metric.removesuffix('_total')} {kind}")
        for s in shapes:
            label = f'suite="{s.suite_id}"'
            if metric == names.SUITE_OPERATIONS_TOTAL:
                out.append(f'{metric}{{{label},outcome="ok"}} {ops - errors}')
                out.append(f'{metric}{{{label},outcome="error"}} {errors}')
            elif metric == names.SUITE_WITHIN_SLO_TOTAL:
                out.append(f"{metric}{{{label}}} {math.floor(ops * s.within_share)}")
            elif metric == names.SUITE_ACTIVE_SECONDS_TOTAL:
                out.append(f"{metric}{{{label}}} {now - started}")
            elif metric == names.SUITE_LAST_RUN_TIMESTAMP_SECONDS:
                out.append(f"{metric}{{{label}}} {now}")
            else:
                out.append(f"{metric}{{{label}}} {s.threshold}")
    out += _outcome_lines(spec, started)
    return ("\n".join(out) + "\n").encode()


def _outcome_lines(spec: Spec, started: float) -> list[str]:
    lines = []
    for drill in spec.drills:
        label = f'drill="{drill.id}"'
        lines += [
            f"{names.DRILL_PASSED}{{{label}}} 1",
            f"{names.DRILL_LAST_RUN_TIMESTAMP_SECONDS}{{{label}}} {started}",
            f"{names.DRILL_RECOVERY_SECONDS}{{{label}}} 0.25",
        ]
    lines += [
        f'{names.HA_REPLICAS}{{role="api"}} 2',
        f'{names.HA_REPLICAS}{{role="worker"}} 2',
        f"{names.HA_RPO_SECONDS} 1",
    ]
    for capability in ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics"):
        lines.append(f'{names.EVENT_BUS_CAPABILITY}{{capability="{capability}"}} 1')
    return lines


@contextlib.contextmanager
def exporter(spec: Spec) -> Iterator[str]:
    shapes = [shape(s) for s in spec.suites]
    started = time.time()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(shapes, spec, started, time.time())
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


@contextlib.contextmanager
def prometheus(target: str) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        sys.exit("prometheus is not installed: run `make test` (scripts/install-test-servers.sh)")
    with tempfile.TemporaryDirectory(prefix="cavra-bench-") as tmp:
        config = {
            "global": {"scrape_interval": SCRAPE_INTERVAL},
            "scrape_configs": [{"job_name": "bench", "static_configs": [{"targets": [target]}]}],
        }
        (Path(tmp) / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = _free_port()
        argv = [
            binary,
            f"--config.file={tmp}/prometheus.yml",
            f"--storage.tsdb.path={tmp}/data",
            f"--web.listen-address={LOOPBACK}:{port}",
        ]
        with open(Path(tmp) / "log", "wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://{LOOPBACK}:{port}"
        try:
            _wait(lambda: _get(url + "/-/ready") is not None, 30.0)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait(check: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.25)
    raise TimeoutError("timed out")


def query_stats(url: str) -> tuple[float, float]:
    """Prometheus's own count of /api/v1/query requests, and the seconds it spent on them
    (``prometheus_http_request_duration_seconds_sum``: evaluation and JSON encoding)."""
    count = seconds = 0.0
    for line in _get(url + "/metrics").decode().splitlines():
        if 'handler="/api/v1/query"' not in line:
            continue
        if line.startswith("prometheus_http_requests_total{"):
            count += float(line.rsplit(" ", 1)[1])
        elif line.startswith("prometheus_http_request_duration_seconds_sum{"):
            seconds += float(line.rsplit(" ", 1)[1])
    return count, seconds


def naive(spec: Spec, source: PrometheusSource, at: float) -> None:
    """One query per suite per SLI, then the drill and HA queries once, as ours does."""
    window = queries.format_duration(WINDOW_SECONDS)
    per_suite = (
        lambda m: queries.sample_count(window, m),
        lambda m: queries.bucket_increase(window, m),
        lambda m: queries.latency_quantile(0.5, window, m),
        lambda m: queries.latency_quantile(0.95, window, m),
        lambda m: queries.latency_quantile(0.99, window, m),
        lambda m: queries.throughput(window, m),
        lambda m: queries.error_ratio(window, m),
        lambda m: queries.within_slo_ratio(window, m),
        queries.suite_last_run_age,
        queries.latency_threshold,
    )
    plan = build_plan(spec, WINDOW_SECONDS)
    with PromQLClient(source) as client:
        for suite in spec.suites:
            matcher = f'suite="{suite.id}"'
            for build in per_suite:
                client.query(build(matcher), at)
        for expression in (*plan.drill.values(), *plan.ha.values()):
            client.query(expression, at)


def measure(count: int, run_naive: bool) -> dict[str, float]:
    spec = synthetic_spec(count)
    with exporter(spec) as target, prometheus(target) as url:
        source = PrometheusSource(url, timeout_seconds=30.0)
        # Enough scrapes for increase() over the window (the first comes after ~5 s).
        _wait(lambda: _scrapes(url) >= 3, 120.0)
        at = time.time()
        times, server, sent, problems = [], [], 0.0, 0
        for _ in range(OUR_RUNS):
            before = query_stats(url)
            start = time.perf_counter()
            evaluation = evaluate_prometheus(spec, source, WINDOW_SECONDS, at=at)
            times.append(time.perf_counter() - start)
            after = query_stats(url)
            sent, problems = after[0] - before[0], len(evaluation.problems)
            server.append(after[1] - before[1])
        result = {
            "ours_queries": sent,
            "ours_seconds": statistics.median(times),
            "ours_server_seconds": statistics.median(server),
            "problems": problems,
        }
        if run_naive:
            before = query_stats(url)
            start = time.perf_counter()
            naive(spec, source, at)
            result["naive_seconds"] = time.perf_counter() - start
            after = query_stats(url)
            result["naive_queries"] = after[0] - before[0]
            result["naive_server_seconds"] = after[1] - before[1]
        return result


def _scrapes(url: str) -> float:
    """How many scrapes of the exporter Prometheus holds (increase() needs two or more)."""
    body = _get(url + "/api/v1/query?query=count_over_time(up%5B5m%5D)")
    result = json.loads(body)["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--skip-naive-above", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"machine: {machine}; load average (1 min) at start: {os.getloadavg()[0]:.2f}")
    print("seconds: wall time of one evaluation (ours: median of 5); in (): Prometheus's own")
    print("time on those queries, summed (ours run 4 at a time, so they overlap)")
    print(f"{'suites':>7} {'ours q':>7} {'ours s':>16} {'naive q':>8} {'naive s':>18}  problems")
    rows = {}
    for count in sizes:
        row = measure(count, count <= args.skip_naive_above)
        rows[count] = row
        ours = f"{row['ours_seconds']:.3f} ({row['ours_server_seconds']:.2f})"
        naive_q, naive_s = "-", "-"
        if "naive_queries" in row:
            naive_q = f"{row['naive_queries']:.0f}"
            naive_s = f"{row['naive_seconds']:.2f} ({row['naive_server_seconds']:.2f})"
        print(
            f"{count:>7} {row['ours_queries']:>7.0f} {ours:>16} {naive_q:>8} {naive_s:>18}  "
            f"{row['problems']:.0f}",
            flush=True,
        )
    print(f"load average (1 min) at end: {os.getloadavg()[0]:.2f}")
    constant = len({row["ours_queries"] for row in rows.values()}) == 1
    fast = rows.get(1000, {}).get("ours_seconds", 0.0) < TARGET_SECONDS_AT_1000
    print(f"target: constant query count: {'met' if constant else 'MISSED'}")
    if 1000 in rows:
        print(
            f"target: 1,000 suites in under {TARGET_SECONDS_AT_1000:g} s: "
            f"{'met' if fast else 'MISSED'} ({rows[1000]['ours_seconds']:.3f} s)"
        )
    return 0 if constant and (fast or 1000 not in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
