"""Each baseline kind read from where it lives: a pinned packet (file and URL), the packet store
(rolling median and its drift guard), and Prometheus (the same window an offset earlier)."""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from cavra_prom import conventions as names
from cavra_prom.benchmark import suite_buckets
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.packet.canonical import pretty_bytes
from cavra_prom.packet.reader import PacketError
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.regression.baseline import SuiteBaseline, Unavailable, p95_seconds
from cavra_prom.regression.resolve import (
    BaselineSettings,
    compare_with_baselines,
    resolve_baselines,
)
from cavra_prom.regression.sources import pinned_baselines
from cavra_prom.serve.store import PacketStore
from cavra_prom.spec.model import RegressionSpec, Spec
from tests.regression_support import SPEC, SUITE, evaluation_of, lognormal, packet_of
from tests.servers import LOOPBACK, free_port, prometheus, prometheus_config, wait_until

MEDIAN = 0.015


def packet_file(path: Path, seed: int, factor: float = 1.0, n: int = 2000) -> Path:
    path.write_bytes(
        pretty_bytes(packet_of(evaluation_of({SUITE: lognormal(seed, n, MEDIAN, factor)})))
    )
    return path


def with_regression(spec: Spec, **changes: Any) -> Spec:
    suites = tuple(
        dataclasses.replace(s, regression=dataclasses.replace(s.regression, **changes))
        for s in spec.suites
    )
    return dataclasses.replace(spec, suites=suites)


# --- pinned: a packet file ------------------------------------------------------------------


def test_pinned_file_gives_every_suite_with_the_packet_digest(tmp_path: Path) -> None:
    path = packet_file(tmp_path / "base.json", 1)
    baselines = pinned_baselines(str(path))
    baseline = baselines[SUITE]
    assert baseline.ref.kind == "pinned" and baseline.ref.ref == str(path)
    digest = json.loads(path.read_text())["integrity"]["digest"]
    assert baseline.ref.digest == digest
    assert baseline.latency is not None and baseline.latency.count == 2000
    assert baseline.throughput is not None
    assert baseline.throughput.per_second == pytest.approx(200.0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["benchmark_report"]["benchmark_suites"][0].update(sample_count=1), "digest"),
        (lambda p: p.update(schema_version=names.PACKET_SCHEMA_V1), "v1"),
        (lambda p: p.pop("provenance"), "not a valid packet"),
    ],
)
def test_an_edited_or_unusable_pinned_packet_is_bad_input(
    tmp_path: Path, edit: Any, message: str
) -> None:
    path = packet_file(tmp_path / "base.json", 1)
    packet = json.loads(path.read_text())
    edit(packet)
    path.write_text(json.dumps(packet))
    with pytest.raises(PacketError, match=message):
        pinned_baselines(str(path))


def test_a_missing_pinned_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PacketError, match="no such file"):
        pinned_baselines(str(tmp_path / "nope.json"))


def test_spec_pinned_packet_unreadable_is_a_blocker_in_a_service(tmp_path: Path) -> None:
    spec = with_regression(SPEC, baseline="pinned", pinned_packet=str(tmp_path / "gone.json"))
    found = resolve_baselines(spec, BaselineSettings(strict=False))
    outcome = found[SUITE]
    assert isinstance(outcome, Unavailable) and outcome.verdict == names.STATUS_BLOCKER
    assert "no such file" in outcome.reason
    with pytest.raises(PacketError):
        resolve_baselines(spec, BaselineSettings())


# --- pinned: a URL (a real HTTP server on loopback) -----------------------------------------


@contextlib.contextmanager
def http_file_server(body: bytes, status: int = 200) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/packets/latest"
    finally:
        server.shutdown()
        server.server_close()


def test_pinned_url_is_fetched_and_checked(tmp_path: Path) -> None:
    body = packet_file(tmp_path / "base.json", 1).read_bytes()
    with http_file_server(body) as url:
        baselines = pinned_baselines(url)
    assert baselines[SUITE].ref.ref == url
    assert baselines[SUITE].latency is not None
    with (
        http_file_server(b"not found", status=404) as url,
        pytest.raises(PacketError, match="HTTP 404"),
    ):
        pinned_baselines(url)


def test_pinned_url_that_never_answers_times_out() -> None:
    """A fake: a socket that accepts and never answers (a hang a real server cannot show)."""
    with socket.socket() as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        url = f"http://{LOOPBACK}:{listener.getsockname()[1]}/packet.json"
        with pytest.raises(PacketError, match="cannot fetch the baseline"):
            pinned_baselines(url, timeout_seconds=0.3)


# --- rolling: the packet store ----------------------------------------------------------------


def store_with(directory: Path, factors: list[float]) -> None:
    clock = iter(1_700_000_000.0 + 60 * i for i in range(100))
    store = PacketStore(directory, clock=lambda: next(clock))
    store.open()
    for seed, factor in enumerate(factors):
        store.save(packet_of(evaluation_of({SUITE: lognormal(seed, 1500, MEDIAN, factor)})))


def test_rolling_baseline_is_the_median_of_the_last_n_packets(tmp_path: Path) -> None:
    # Oldest first; the last three are 1.3, 1.0 and 1.1: the median packet is the 1.1 one.
    store_with(tmp_path, [3.0, 3.0, 1.3, 1.0, 1.1])
    spec = with_regression(SPEC, baseline="rolling", rolling_count=3)
    found = resolve_baselines(spec, BaselineSettings(store_dir=tmp_path))
    baseline = found[SUITE]
    assert isinstance(baseline, SuiteBaseline)
    assert baseline.ref.kind == "rolling" and baseline.ref.packets == 3
    median = p95_seconds(baseline.latency)
    single = evaluation_of({SUITE: lognormal(4, 1500, MEDIAN, 1.1)}).suites[0].p95_latency_ms
    assert median is not None and single is not None
    assert median * 1000 == pytest.approx(single)


def test_rolling_baseline_in_an_empty_store_warns(tmp_path: Path) -> None:
    spec = with_regression(SPEC, baseline="rolling")
    outcome = resolve_baselines(spec, BaselineSettings(store_dir=tmp_path))[SUITE]
    assert isinstance(outcome, Unavailable) and outcome.verdict == names.STATUS_WARN


def test_drift_guard_holds_a_creeping_rolling_baseline_to_the_pinned_one(tmp_path: Path) -> None:
    pinned = packet_file(tmp_path / "golden.json", 100)
    store = tmp_path / "store"
    store_with(store, [1.3, 1.35, 1.3])  # crept 30 % above the pinned packet
    spec = with_regression(SPEC, baseline="rolling", rolling_count=3, pinned_packet=str(pinned))
    found = resolve_baselines(spec, BaselineSettings(store_dir=store))
    baseline = found[SUITE]
    assert isinstance(baseline, SuiteBaseline)
    assert baseline.ref.guard is not None and str(pinned) in baseline.ref.guard
    assert baseline.latency_allowance == pytest.approx(1.1)
    now = evaluation_of({SUITE: lognormal(50, 3000, MEDIAN, 1.32)})
    judged = compare_with_baselines(now, spec, BaselineSettings(store_dir=store))
    result = next(r for r in judged.regressions if r.suite_id == SUITE)
    assert result.verdict == names.STATUS_BLOCKER  # +32 % on the pinned, beyond +21 %
    others = [r for r in judged.regressions if r.suite_id != SUITE]
    assert others and all(r.verdict == names.STATUS_WARN for r in others)  # none stored yet
    unguarded = with_regression(SPEC, baseline="rolling", rolling_count=3)
    plain = compare_with_baselines(now, unguarded, BaselineSettings(store_dir=store)).regressions[0]
    assert plain.verdict == names.STATUS_PASS  # against the crept median it looks fine


# --- promql: the same window an offset earlier, from a real Prometheus ------------------------


class Exporter:
    """Real exposition of a real SuiteMetrics collector over HTTP, for Prometheus to scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.metrics = SuiteMetrics(self.registry)
        suite = SPEC.suite(SUITE)
        self.series = self.metrics.add_suite(
            SUITE,
            suite_buckets(suite),
            suite.slo.p95_latency_seconds_max,
            suite.slo.throughput_per_second_min,
        )
        registry = self.registry

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = generate_latest(registry)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.target = f"{LOOPBACK}:{self.server.server_address[1]}"

    def phase(self, durations: list[float], active_seconds: float) -> None:
        self.series.begin_capture()
        for d in durations:
            self.series.record(d)
        self.series.end_capture(active_seconds, time.time())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.integration
def test_promql_baseline_reads_the_window_an_offset_earlier() -> None:
    exporter = Exporter()
    offset, window = 5.0, 3.0
    spec = with_regression(SPEC, baseline="promql", offset_seconds=offset)
    try:
        with prometheus(prometheus_config([exporter.target])) as server:
            source = PrometheusSource(url=server.url)
            wait_until(lambda: _scraped(server.url), 20, "a first scrape")
            started = time.time()
            exporter.phase(lognormal(1, 3000, MEDIAN), 2.0)
            time.sleep(3.0)  # past the baseline window [at - 8 s, at - 5 s]
            exporter.phase(lognormal(2, 3000, MEDIAN, 2.0), 2.0)  # twice as slow
            at = started + offset + window / 2
            time.sleep(max(0.0, at - time.time()) + 1.0)
            found = resolve_baselines(
                spec, BaselineSettings(source=source, window_seconds=window, at=at)
            )
            missing = resolve_baselines(
                with_regression(SPEC, baseline="promql", offset_seconds=3600.0),
                BaselineSettings(source=source, window_seconds=window, at=at),
            )
    finally:
        exporter.close()
    baseline = found[SUITE]
    assert isinstance(baseline, SuiteBaseline), baseline
    assert baseline.ref.kind == "promql" and "offset 5s" in baseline.ref.ref
    assert baseline.latency is not None
    assert baseline.latency.count == pytest.approx(3000, rel=0.6)  # increase() extrapolates
    p95 = p95_seconds(baseline.latency)
    expected = evaluation_of({SUITE: lognormal(1, 3000, MEDIAN)}).suites[0].p95_latency_ms
    assert p95 is not None and expected is not None
    assert p95 * 1000 == pytest.approx(expected, rel=0.1)  # the fast phase, not the slow one
    assert baseline.throughput is not None and baseline.throughput.per_second is not None
    outcome = missing[SUITE]
    assert isinstance(outcome, Unavailable) and outcome.verdict == names.STATUS_WARN
    assert "offset" not in outcome.reason or "earlier" in outcome.reason


def test_promql_baseline_from_an_unreachable_source_blocks() -> None:
    spec = with_regression(SPEC, baseline="promql", offset_seconds=60.0)
    source = PrometheusSource(
        url=f"http://{LOOPBACK}:{free_port()}", timeout_seconds=1.0, retries=0
    )
    found = resolve_baselines(spec, BaselineSettings(source=source, window_seconds=60, at=1e9))
    outcome = found[SUITE]
    assert isinstance(outcome, Unavailable) and outcome.verdict == names.STATUS_BLOCKER
    assert "unreachable" in outcome.reason


def _scraped(url: str) -> bool:
    from tests.servers import instant_query

    return bool(instant_query(url, 'up{job="cavra"} == 1'))


def test_regression_spec_defaults_are_the_issue_s() -> None:
    policy = RegressionSpec()
    assert (policy.p95_increase_max, policy.throughput_decrease_max) == (0.10, 0.10)
