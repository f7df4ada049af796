"""The suite runner: phases, loop modes, outcomes. Targets here are small real objects."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import Progress, run_suite
from cavra_prom.spec.model import SloSpec, SuiteSpec, TargetSpec, WorkloadSpec
from cavra_prom.targets import Operation

BOUNDS = (0.001, 0.005, 0.01, 0.05, 0.1, 1.0, 10.0)


class CountingTarget:
    """Counts calls per worker; optionally sleeps (a slow service) or fails every k-th call."""

    def __init__(self, service_seconds: float = 0.0, fail_every: int = 0, raise_every: int = 0):
        self.calls = 0
        self._lock = threading.Lock()
        self.service_seconds = service_seconds
        self.fail_every = fail_every
        self.raise_every = raise_every
        self.workers: list[int] = []

    def operation_for_worker(self, worker_index: int, seed: int) -> Operation:
        self.workers.append(worker_index)

        def op() -> bool:
            with self._lock:
                self.calls += 1
                n = self.calls
            if self.service_seconds:
                time.sleep(self.service_seconds)
            if self.raise_every and n % self.raise_every == 0:
                raise RuntimeError(f"boom {n}")
            return not (self.fail_every and n % self.fail_every == 0)

        return op

    def close(self) -> None:
        pass


def suite(**workload: object) -> SuiteSpec:
    base = WorkloadSpec(
        mode="closed",
        concurrency=2,
        duration_seconds=None,
        iterations=200,
        warmup_seconds=0.0,
        warmup_iterations=None,
        seed=7,
    )
    return SuiteSpec(
        id="s",
        target=TargetSpec(kind="test"),
        workload=replace(base, **workload),  # type: ignore[arg-type]
        slo=SloSpec(p95_latency_ms_max=50, throughput_per_second_min=1),
    )


def series():
    return SuiteMetrics(None).add_suite("s", BOUNDS, 0.05, 1.0)


def test_closed_loop_iterations_are_exact_and_warmup_is_not_measured() -> None:
    target = CountingTarget()
    run = run_suite(suite(warmup_iterations=30), target, series())
    assert run.sample_count == 200
    assert run.warmup_operations == 30
    assert target.calls == 230
    assert sorted(target.workers) == [0, 1]
    assert run.active_seconds > 0
    assert run.finished_at >= run.started_at


def test_errors_and_exceptions_are_error_outcomes_with_samples_kept() -> None:
    target = CountingTarget(fail_every=4, raise_every=10)
    run = run_suite(suite(concurrency=1, iterations=100), target, series())
    # calls 1..100: multiples of 4 fail (25), multiples of 10 raise (10), both: 20,40,60,80,100
    assert run.error_count == 25 + 10 - 5
    assert run.ok_count == 100 - run.error_count
    assert run.error_samples and run.error_samples[0].startswith("RuntimeError: boom")


def test_open_loop_issues_exactly_the_due_slots() -> None:
    target = CountingTarget()
    run = run_suite(
        suite(
            mode="open",
            arrival_rate_per_second=200.0,
            concurrency=2,
            iterations=None,
            duration_seconds=0.5,
        ),
        target,
        series(),
    )
    assert run.sample_count == math.ceil(200.0 * 0.5)
    assert len(run.schedule_lag_seconds) == run.sample_count


def test_open_loop_latency_counts_queueing_delay_not_just_service_time() -> None:
    """A service slower than the arrival rate: the open loop must show the backlog.

    One worker, 20 ms service time, 100 arrivals per second for 0.5 s: requests queue up, and
    measured from their due time the last ones wait hundreds of milliseconds. A closed loop on
    the same service reports only the ~20 ms service time (coordinated omission).
    """
    slow: dict[str, object] = {"concurrency": 1, "iterations": None, "duration_seconds": 0.5}
    open_run = run_suite(
        suite(mode="open", arrival_rate_per_second=100.0, **slow), CountingTarget(0.02), series()
    )
    closed_run = run_suite(suite(mode="closed", **slow), CountingTarget(0.02), series())
    open_worst = max(open_run.latencies_seconds())
    closed_median = sorted(closed_run.latencies_seconds())[closed_run.sample_count // 2]
    assert open_run.sample_count == 50
    assert open_worst > 10 * 0.02  # the backlog: far beyond one service time
    assert open_worst > 5 * closed_median


def test_measured_samples_reach_the_series_totals() -> None:
    s = series()
    run_suite(suite(iterations=120), CountingTarget(), s)
    totals = s.snapshot()
    assert totals.ok == 120 and totals.error == 0
    assert totals.active_seconds > 0 and totals.last_run_timestamp is not None


def test_progress_reports_phases_in_order() -> None:
    seen: list[Progress] = []
    run_suite(suite(warmup_iterations=5, iterations=50), CountingTarget(), series(), seen.append)
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases == ["warmup", "measure", "done"]
    assert all(0.0 <= p.fraction <= 1.0 for p in seen)
