"""The suite collector: hot-path records become correct Prometheus families."""

from __future__ import annotations

import math
import threading

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cavra_prom import conventions as names
from cavra_prom.instruments import SuiteMetrics, is_error, signed_duration

BOUNDS = (0.001, 0.01, 0.05, 0.1, 1.0)


def scrape(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_records_fold_into_cumulative_buckets_counters_and_gauges() -> None:
    registry = CollectorRegistry()
    metrics = SuiteMetrics(registry)
    series = metrics.add_suite("s", BOUNDS, 0.05, 10.0)
    for seconds, ok in [(0.0005, True), (0.05, True), (0.07, False), (2.0, True), (0.01, False)]:
        series.record(signed_duration(seconds, ok))
    samples = scrape(registry)

    def bucket(le: str) -> float:
        return samples[(names.SUITE_LATENCY_BUCKET, (("le", le), ("suite", "s")))]

    assert [bucket(le) for le in ("0.001", "0.01", "0.05", "0.1", "1.0", "+Inf")] == [
        1,
        2,
        3,
        4,
        4,
        5,
    ]
    assert samples[(names.SUITE_LATENCY_COUNT, (("suite", "s"),))] == 5
    assert samples[(names.SUITE_LATENCY_SUM, (("suite", "s"),))] == pytest.approx(2.1305)
    ops = names.SUITE_OPERATIONS_TOTAL
    assert samples[(ops, (("outcome", "ok"), ("suite", "s")))] == 3
    assert samples[(ops, (("outcome", "error"), ("suite", "s")))] == 2
    # within-SLO counts every operation at or under the threshold: the le=threshold bucket
    assert samples[(names.SUITE_WITHIN_SLO_TOTAL, (("suite", "s"),))] == bucket("0.05")
    assert samples[(names.SLO_LATENCY_THRESHOLD_SECONDS, (("suite", "s"),))] == 0.05
    assert samples[(names.SLO_THROUGHPUT_MIN, (("suite", "s"),))] == 10.0


def test_zero_duration_error_keeps_its_outcome() -> None:
    assert is_error(signed_duration(0.0, False))
    assert not is_error(signed_duration(0.0, True))


def test_threshold_must_be_an_exact_bound() -> None:
    metrics = SuiteMetrics(None)
    with pytest.raises(ValueError, match="threshold"):
        metrics.add_suite("s", BOUNDS, 0.06, 1.0)
    with pytest.raises(ValueError, match="increasing"):
        metrics.add_suite("t", (0.05, 0.01), 0.05, 1.0)


def test_concurrent_records_are_never_lost_while_folding() -> None:
    metrics = SuiteMetrics(None)
    series = metrics.add_suite("s", BOUNDS, 0.05, 1.0)
    per_thread, threads = 50_000, 4
    stop = threading.Event()

    def writer() -> None:
        record = series.record
        for i in range(per_thread):
            record(0.002 if i % 2 else -0.02)

    def folder() -> None:
        while not stop.is_set():
            series.fold()

    folding = threading.Thread(target=folder)
    folding.start()
    writers = [threading.Thread(target=writer) for _ in range(threads)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    folding.join()
    totals = series.snapshot()
    assert totals.ok + totals.error == per_thread * threads
    assert totals.error == per_thread * threads // 2
    assert sum(totals.bucket_counts) == per_thread * threads


def test_capture_returns_only_the_runs_samples_and_accounts_active_time() -> None:
    metrics = SuiteMetrics(None)
    series = metrics.add_suite("s", BOUNDS, 0.05, 1.0)
    series.record(0.5)  # before the run: counted in totals, not captured
    series.begin_capture()
    series.record(0.001)
    series.record(-0.002)
    captured = series.end_capture(active_seconds=2.5, finished_at=1_700_000_000.0)
    assert captured == [0.001, -0.002]
    totals = series.snapshot()
    assert totals.ok + totals.error == 3
    assert totals.active_seconds == 2.5
    assert totals.last_run_timestamp == 1_700_000_000.0


def test_same_suite_twice_returns_the_same_series_and_conflicts_are_errors() -> None:
    metrics = SuiteMetrics(None)
    first = metrics.add_suite("s", BOUNDS, 0.05, 1.0)
    assert metrics.add_suite("s", BOUNDS, 0.05, 1.0) is first
    with pytest.raises(ValueError, match="other buckets"):
        metrics.add_suite("s", (*BOUNDS, 5.0), 0.05, 1.0)


def test_exposed_bucket_bounds_round_trip_exactly() -> None:
    registry = CollectorRegistry()
    bounds = (0.0001, 0.0123456789, 0.05, 0.25)
    SuiteMetrics(registry).add_suite("s", bounds, 0.05, 1.0).record(0.01)
    les = sorted(
        float(labels[0][1])
        for (name, labels) in scrape(registry)
        if name == names.SUITE_LATENCY_BUCKET
    )
    assert les[:-1] == list(bounds) and math.isinf(les[-1])
