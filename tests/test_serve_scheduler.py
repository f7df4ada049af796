"""The scheduler: failures are counted and retried, runs never overlap, signals stop cleanly."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cavra_prom.serve.jobs import JobScheduler
from cavra_prom.serve.metrics import ServeMetrics
from cavra_prom.serve.service import ServeConfig, Service, job_names
from cavra_prom.serve.store import LATEST_LINK, verify_packet_bytes
from cavra_prom.spec.loader import load_spec_text
from tests.servers import LOOPBACK, cavra_serve, http_get, serve_spec_text, wait_until


def failures(registry: CollectorRegistry, job: str) -> float:
    value = registry.get_sample_value("cavra_job_failures_total", {"job": job})
    return -1.0 if value is None else value


@pytest.fixture
def scheduler() -> Iterator[tuple[JobScheduler, CollectorRegistry]]:
    registry = CollectorRegistry()
    jobs = JobScheduler(ServeMetrics(registry, ["flaky"]), max_workers=4)
    jobs.start()
    try:
        yield jobs, registry
    finally:
        jobs.shutdown()


def test_a_failing_job_is_counted_and_runs_again(
    scheduler: tuple[JobScheduler, CollectorRegistry],
) -> None:
    jobs, registry = scheduler
    calls: list[int] = []
    done = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("transient")
        done.set()

    assert failures(registry, "flaky") == 0.0  # initialised before it ever ran
    jobs.every("flaky", flaky, 0.2)
    assert done.wait(20), "the job never ran again after failing"
    assert failures(registry, "flaky") == 2.0
    assert jobs.job_names() == ["flaky"]


def test_runs_of_one_job_never_overlap(scheduler: tuple[JobScheduler, CollectorRegistry]) -> None:
    jobs, _ = scheduler
    running, overlaps, runs = [0], [0], [0]
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
        time.sleep(0.3)  # longer than the interval: the next trigger comes while it runs
        with lock:
            running[0] -= 1
            runs[0] += 1

    jobs.every("slow", slow, 0.05)
    wait_until(lambda: runs[0] >= 3, 20, "three runs")
    assert overlaps[0] == 1


def test_a_failing_evaluation_is_counted_unready_and_recovers(tmp_path: Path) -> None:
    """A real failure: the store's packets directory is replaced by a file, then restored."""
    spec = load_spec_text(serve_spec_text(every_seconds=2.0, burst_seconds=0.2), "serve.yaml")
    store = tmp_path / "store"
    service = Service(
        ServeConfig(spec, store, (LOOPBACK, 0), 30.0, evaluation_interval_seconds=0.5)
    )
    service.start()
    try:
        assert failures(service.registry, "evaluation") == 0.0
        assert set(job_names(spec)) == set(service.scheduler.job_names())
        wait_until(lambda: service.evaluation.readiness.state().ready, 30, "ready")
        shutil.rmtree(store / "packets")
        (store / "packets").write_text("in the way")
        wait_until(lambda: failures(service.registry, "evaluation") >= 2, 30, "two failures")
        state = service.evaluation.readiness.state()
        assert not state.ready and "raised" in state.reason
        status, body = http_get(service.url + "/readyz")
        assert status == 503 and not json.loads(body)["ready"]
        assert http_get(service.url + "/packet/latest")[0] == 200  # the last good one stays
        (store / "packets").unlink()
        (store / "packets").mkdir()
        wait_until(lambda: http_get(service.url + "/readyz")[0] == 200, 30, "recovery")
    finally:
        service.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_service_cleanly(sig: signal.Signals) -> None:
    with cavra_serve(["--evaluation-interval=0.2s", "--window=10s"]) as srv:
        store: Path = srv.extra["store"]
        wait_until((store / LATEST_LINK).exists, 30, "a packet")
        time.sleep(0.3)  # bursts, drills or a render are in flight now
        srv.process.send_signal(sig)
        assert srv.process.wait(30) == 0
        log = srv.log()
        assert "cavra serve: stopped" in log and "Traceback" not in log
        link = store / LATEST_LINK
        verify_packet_bytes(link.read_bytes(), str(link))
        assert not list(store.glob("**/.*.tmp"))  # no write was left half done
