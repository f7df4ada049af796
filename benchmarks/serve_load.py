"""`cavra serve` under load: 200 concurrent clients on /packet/latest and /metrics.

A real `cavra serve` process runs the built-in R6.1 spec and evaluates from a real Prometheus
that scrapes it every second (`--evaluation-interval 0.5s`, so a PromQL evaluation and a
packet render are nearly always in progress). N concurrent keep-alive clients on loopback
ask, half of them for /packet/latest and half for /metrics, for a fixed time in each phase:

* ``burst``: while the three suites generate load in the same process (their worker threads
  compete with the server for the interpreter), and evaluations run;
* ``idle``: between bursts, while evaluations run.

Each phase is measured in two modes: ``paced`` (every client sends one request every
``--pace-ms``, spread evenly, the way pollers and scrapers do: the target's case) and
``closed`` (every client sends its next request as soon as the previous answer arrives: the
saturation case, where latency is simply clients / throughput). The clients are asyncio in
this process; the server is the other process. Printed: requests, errors, throughput,
p50/p99/max latency and the evaluations completed, beside the target (zero errors, p99 under
50 ms, paced). Exit 1 when the target is missed.

Usage: python benchmarks/serve_load.py [--clients 200] [--seconds 5] [--pace-ms 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.servers: real Prometheus

from cavra_prom.spec.loader import default_spec_text
from tests.servers import prometheus, prometheus_config

TARGET_P99_MS = 50.0
PATHS = (b"/packet/latest", b"/metrics")
BURST_SECONDS = 14.0  # every suite's first burst; the next one is 10 minutes later
WORKERS_SETTLE_SECONDS = 3.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def spec_text() -> str:
    """The built-in spec, each suite bursting once at start for BURST_SECONDS."""
    text = default_spec_text()
    serve = f"    serve: {{mode: burst, every_seconds: 600, burst_seconds: {BURST_SECONDS}}}\n"
    for seed in (1, 2, 3):
        marker = f"      seed: {seed}\n"
        text = text.replace(marker, marker + serve, 1)
    return text


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: bytes) -> int:
    writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: bench\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    await reader.readexactly(int(match.group(1)) if match else 0)
    return status


@dataclass(frozen=True)
class Plan:
    port: int
    clients: int
    until: float
    pace: float | None  # seconds between one client's requests; None: closed loop


async def _client(index: int, plan: Plan, tally: Tally) -> None:
    path, port, pace, until = PATHS[index % 2], plan.port, plan.pace, plan.until
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    next_at = time.perf_counter() + (pace or 0.0) * (index / plan.clients)
    while time.perf_counter() < until:
        if pace is not None:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += pace
        started = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", port)
            status = await asyncio.wait_for(_request(*conn, path), 10)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            tally.error(type(exc).__name__)
            if conn is not None:
                conn[1].close()
            conn = None
            continue
        tally.latencies.append(time.perf_counter() - started)
        if status != 200:
            tally.error(f"HTTP {status}")
    if conn is not None:
        conn[1].close()


async def measure(clients: int, port: int, seconds: float, pace: float | None) -> Tally:
    tally = Tally()
    until = time.perf_counter() + seconds
    plan = Plan(port, clients, until, pace)
    await asyncio.gather(*(_client(i, plan, tally) for i in range(clients)))
    return tally


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_service(
    directory: Path, port: int, prometheus_url: str, interval: str
) -> subprocess.Popen[bytes]:
    spec = directory / "spec.yaml"
    spec.write_text(spec_text())
    argv = [
        sys.executable, "-m", "cavra_prom", "serve", f"--spec={spec}",
        f"--listen=127.0.0.1:{port}", f"--store-dir={directory / 'store'}",
        f"--prometheus-url={prometheus_url}", f"--evaluation-interval={interval}", "--window=1m",
        "--log-level=warning",
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/packet/latest", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("cavra serve did not render a packet within 30 s")


def packets_rendered(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/packets", timeout=10) as response:
        return len(json.load(response)["packets"])


def row(phase: str, mode: str, tally: Tally, seconds: float, evaluations: int) -> tuple[str, bool]:
    """One table row; the target applies to the paced mode (closed is a saturation figure)."""
    lat = sorted(tally.latencies)
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(tally.error_kinds.items()))
    errors = f"{tally.errors}{f' ({kinds})' if kinds else ''}"
    if not lat:
        return (
            f"| {phase} | {mode} | 0 | {errors} | - | - | - | - | {evaluations} | missed |",
            False,
        )
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000
    met = tally.errors == 0 and p99 < TARGET_P99_MS
    verdict = ("met" if met else "missed") if mode == "paced" else "(saturation)"
    return (
        f"| {phase} | {mode} | {len(lat):,} | {errors} | {len(lat) / seconds:,.0f} "
        f"| {p50:.1f} | {p99:.1f} | {lat[-1] * 1000:.1f} | {evaluations} | {verdict} |",
        met or mode != "paced",
    )


def run_phase(
    phase: str, args: argparse.Namespace, port: int, rows: list[tuple[str, bool]]
) -> None:
    for mode, pace in (("paced", args.pace_ms / 1000.0), ("closed", None)):
        before = packets_rendered(port)
        tally = asyncio.run(measure(args.clients, port, args.seconds, pace))
        rows.append(row(phase, mode, tally, args.seconds, packets_rendered(port) - before))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase and mode")
    parser.add_argument("--pace-ms", type=float, default=200.0, help="paced: ms between requests")
    parser.add_argument("--evaluation-interval", default="0.5s", help="cavra serve's flag")
    args = parser.parse_args()
    port = free_port()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"{args.clients} clients ({args.clients // 2} on /packet/latest, the rest on /metrics), "
          f"{args.seconds:g} s per phase and mode, paced: one request per client every "
          f"{args.pace_ms:g} ms\n"
          f"target: 0 errors and p99 < {TARGET_P99_MS:g} ms (paced)\n")  # fmt: skip
    rows: list[tuple[str, bool]] = []
    with (
        prometheus(prometheus_config([f"127.0.0.1:{port}"])) as prom,
        tempfile.TemporaryDirectory(prefix="cavra-serve-load-") as tmp,
    ):
        process = start_service(Path(tmp), port, prom.url, args.evaluation_interval)
        started = time.monotonic()
        try:
            time.sleep(WORKERS_SETTLE_SECONDS)  # worker processes import, then burst
            run_phase("burst", args, port, rows)
            if time.monotonic() - started > BURST_SECONDS:
                print("note: the burst ended before the burst phase finished measuring\n")
            time.sleep(max(0.0, BURST_SECONDS + 3 - (time.monotonic() - started)))
            run_phase("idle", args, port, rows)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    print("| phase | mode | requests | errors | req/s | p50 ms | p99 ms | max ms "
          "| evaluations | target |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for text, _ in rows:
        print(text)
    return 0 if all(met for _, met in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
