"""Our HTTP load generator against wrk, on the same nginx over loopback, one run.

Three figures, each printed beside its peer or target:

1. Maximum throughput, closed loop: our HTTP target (the whole recording path: the runner,
   ``SuiteSeries.record``, error classification) against ``wrk -t1`` with the same number of
   connections, both hitting one nginx (``return 200``) on 127.0.0.1. The ratio is ours/wrk.
   Target (issue 9): at least 8,000 requests/s from our one process.
2. Fixed rate, open loop at 2,000 requests/s: the achieved rate (completions per active
   second, and issued operations against rate x duration). Target: within 1%.
   Our maximum is also measured on asyncio's own event loop (``CAVRA_EVENT_LOOP=asyncio``),
   to show what uvloop adds.
3. Scheduling lag at that rate (how late each operation started after its due time), p99.
   Target: under 2 ms.

nginx and wrk are Debian packages (``scripts/install-test-servers.sh`` installs them).
Exit status 1 when a target is missed.

Usage: python benchmarks/http_load.py [--connections N] [--seconds S] [--rate R]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cavra_prom.benchmark import suite_buckets
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.loadgen import EVENT_LOOP_ENV
from cavra_prom.runner import SuiteRun, run_suite
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.stats import exact_quantile
from cavra_prom.targets import build_target

TARGET_MAX_PER_SECOND = 8000.0
TARGET_RATE_ERROR = 0.01
TARGET_LAG_P99_MS = 2.0

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 10000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 "ok\\n"; }}
  }}
}}
"""


def need(binary: str) -> str:
    path = shutil.which(binary) or (f"/usr/sbin/{binary}" if binary == "nginx" else None)
    if path is None or not Path(path).exists():
        sys.exit(f"{binary} is not installed: run scripts/install-test-servers.sh")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def nginx() -> Iterator[str]:
    """A private nginx (one worker) on a free loopback port; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="cavra-nginx-") as tmp:
        port = free_port()
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=tmp, port=port))
        process = subprocess.Popen(
            [need("nginx"), "-c", str(conf), "-p", tmp],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_for(url)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wrk_rate(url: str, connections: int, seconds: float) -> float:
    done = subprocess.run(
        [need("wrk"), "-t1", f"-c{connections}", f"-d{seconds:g}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if match is None:
        sys.exit(f"cannot read wrk's output:\n{done.stdout}")
    return float(match.group(1))


def ours(url: str, workload: str, pool: int) -> SuiteRun:
    """One suite through the real runner and HTTP target, recording into a SuiteSeries."""
    text = f"""
version: cavra/v1
suites:
  - id: http_load
    target: {{kind: http, url: "{url}", pool_size: {pool}, timeout_seconds: 5}}
    workload: {workload}
    slo: {{p95_latency_ms_max: 50, throughput_per_second_min: 1}}
"""
    suite = load_spec_text(text, "<http_load>").suites[0]
    series = SuiteMetrics(None).add_suite(suite.id, suite_buckets(suite), 0.05, 1.0)
    target = build_target(suite.target, 1)
    try:
        return run_suite(suite, target, series)
    finally:
        target.close()


def versions() -> str:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "absent"

    nginx_version = subprocess.run(
        [need("nginx"), "-v"], capture_output=True, text=True, check=False
    ).stderr.strip()
    return (
        f"python {platform.python_version()}, aiohttp {version('aiohttp')}, "
        f"uvloop {version('uvloop')}, {nginx_version}, wrk (Debian package)"
    )


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}; "
        f"load average {load} at start (other work on the machine shows up in every figure)"
    )


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


@dataclass(frozen=True)
class Timed:
    """A run and the CPU time this process spent on it."""

    run: SuiteRun
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.run.sample_count / self.run.active_seconds

    @property
    def cpu_us_per_request(self) -> float:
        """CPU over every request of the run, warm-up included (the CPU time includes it)."""
        requests = self.run.sample_count + self.run.warmup_operations
        return self.cpu_seconds / max(requests, 1) * 1e6


@dataclass(frozen=True)
class Measured:
    peer: float
    plain: tuple[float, float]  # requests/s, CPU us per request
    closed: Timed
    closed_asyncio: Timed
    opened: Timed
    idle_lags: tuple[float, ...]


def idle_schedule(connections: int, seconds: float, rate: float) -> tuple[float, ...]:
    """The same open-loop scheduler with operations that do nothing: the lag floor that the
    event loop and this machine give, before any HTTP work is added."""
    from cavra_prom.loadgen import LoopThread, drive_phase
    from cavra_prom.phase import PhasePlan

    async def nothing() -> bool:
        return True

    loop = LoopThread("idle-schedule")
    try:
        plan = PhasePlan("open", connections, rate, seconds, None, 1)
        sink = ([].append, lambda _exc: None)
        outcome = drive_phase(loop, [nothing] * connections, plan, sink, lambda _f: None)
    finally:
        loop.stop()
    return outcome.lags


def plain_aiohttp(url: str, connections: int, seconds: float) -> tuple[float, float]:
    """A bare aiohttp request loop on uvloop, recording nothing: the client's own ceiling."""
    import asyncio

    import aiohttp

    from cavra_prom.loadgen import new_event_loop

    async def run() -> int:
        done = 0
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
            end = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal done
                while time.perf_counter() < end:
                    response = await session.request("GET", url)
                    await response.read()
                    response.release()
                    done += 1

            await asyncio.gather(*(worker() for _ in range(connections)))
        return done

    loop = new_event_loop()
    try:
        cpu, start = time.process_time(), time.perf_counter()
        done = loop.run_until_complete(run())
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        loop.close()
    return done / elapsed, cpu / done * 1e6


def timed(url: str, workload: str, pool: int) -> Timed:
    cpu = time.process_time()
    run = ours(url, workload, pool)
    return Timed(run, time.process_time() - cpu)


def measure(n: int, seconds: float, rate: float) -> Measured:
    """wrk's rate, a bare aiohttp loop, our closed loop (uvloop, then asyncio's), open loop."""
    closed_workload = f"{{concurrency: {n}, duration_seconds: {seconds}, warmup_seconds: 1}}"
    open_workload = (
        f"{{mode: open, arrival_rate_per_second: {rate}, concurrency: {n}, "
        f"duration_seconds: {seconds}, warmup_seconds: 1}}"
    )
    with nginx() as url:
        peer = wrk_rate(url, n, seconds)
        plain = plain_aiohttp(url, n, seconds)
        closed = timed(url, closed_workload, n)
        os.environ[EVENT_LOOP_ENV] = "asyncio"
        try:
            closed_asyncio = timed(url, closed_workload, n)
        finally:
            del os.environ[EVENT_LOOP_ENV]
        opened = timed(url, open_workload, n)
    idle = idle_schedule(n, seconds, rate)
    return Measured(peer, plain, closed, closed_asyncio, opened, idle)


def report(args: argparse.Namespace, measured: Measured) -> bool:
    """Print every figure beside its peer or target; True when all targets are met."""
    rate, seconds, peer = args.rate, args.seconds, measured.peer
    closed, opened = measured.closed, measured.opened.run
    ours_max = closed.per_second
    plain_rate, plain_cpu = measured.plain
    achieved = opened.sample_count / opened.active_seconds
    due = int(-(-rate * seconds // 1))  # operations due inside the window
    rate_error = abs(achieved - rate) / rate
    lag_p99_ms = exact_quantile(sorted(opened.schedule_lag_seconds), 0.99) * 1000
    errors = sum(t.run.error_count for t in (closed, measured.closed_asyncio, measured.opened))
    met_max = ours_max >= TARGET_MAX_PER_SECOND
    met_rate = rate_error <= TARGET_RATE_ERROR
    met_lag = lag_p99_ms < TARGET_LAG_P99_MS
    rows = [
        ("max throughput, closed loop", f"{ours_max:,.0f} req/s", f"wrk -t1: {peer:,.0f} req/s"),
        ("ratio ours / wrk", f"{ours_max / peer:.3f}", ""),
        ("bare aiohttp loop, no recording", f"{plain_rate:,.0f} req/s",
         f"ratio ours / bare {ours_max / plain_rate:.3f}"),
        ("CPU per request: ours, bare", f"{closed.cpu_us_per_request:.0f} us",
         f"bare: {plain_cpu:.0f} us"),
        ("ours per CPU-second (one free core)", f"{1e6 / closed.cpu_us_per_request:,.0f} req/s",
         "what contention-free would give"),
        ("same, asyncio's own loop", f"{measured.closed_asyncio.per_second:,.0f} req/s",
         "CAVRA_EVENT_LOOP=asyncio"),
        ("max throughput target", f">= {TARGET_MAX_PER_SECOND:,.0f} req/s", verdict(met_max)),
        (f"open loop at {rate:,.0f}/s: achieved", f"{achieved:,.1f} req/s",
         f"error {rate_error:.3%} (target <= 1%): {verdict(met_rate)}"),
        ("open loop: issued operations", f"{opened.sample_count:,}", f"due in window: {due:,}"),
        ("open loop: CPU per request", f"{measured.opened.cpu_us_per_request:.0f} us", ""),
        ("open loop: scheduling lag p50",
         f"{exact_quantile(sorted(opened.schedule_lag_seconds), 0.5) * 1000:.3f} ms",
         f"no-op operations: {exact_quantile(sorted(measured.idle_lags), 0.5) * 1000:.3f} ms"),
        ("open loop: scheduling lag p99", f"{lag_p99_ms:.3f} ms",
         f"target < {TARGET_LAG_P99_MS:g} ms: {verdict(met_lag)}"),
        ("same scheduler, no-op operations: p99",
         f"{exact_quantile(sorted(measured.idle_lags), 0.99) * 1000:.3f} ms",
         "the loop's and the machine's own floor"),
        ("errors (all runs)", f"{errors}", "expected 0"),
    ]  # fmt: skip
    print(f"connections: {args.connections}, {seconds:g} s per run, nginx (1 worker), loopback\n")
    width = max(len(r[0]) for r in rows)
    for name, value, beside in rows:
        print(f"{name:<{width}}  {value:>16}  {beside}")
    return met_max and met_rate and met_lag and not errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    args = parser.parse_args()
    print(f"machine: {machine()}\nsoftware: {versions()}\n")
    measured = measure(args.connections, args.seconds, args.rate)
    return 0 if report(args, measured) else 1


if __name__ == "__main__":
    sys.exit(main())
