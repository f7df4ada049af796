"""The runner's additions for user targets: error classes and targets that drive phases.

The targets here are small real objects (no mocks): a thread target that fails in known ways,
and an event-loop target built on cavra_prom.loadgen, checked through the real runner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cavra_prom.instruments import SuiteMetrics, SuiteSeries
from cavra_prom.loadgen import AsyncOperation, LoopThread, drive_phase
from cavra_prom.phase import ErrorSink, PhaseDriver, PhaseOutcome, PhasePlan
from cavra_prom.runner import run_suite
from cavra_prom.spec.model import SloSpec, SuiteSpec, TargetSpec, WorkloadSpec
from cavra_prom.target_errors import (
    ERROR_CONNECTION,
    ERROR_EXCEPTION,
    ERROR_FAILED,
    ERROR_TIMEOUT,
    OperationConnectionError,
)

BOUNDS = (0.001, 0.01, 0.1, 1.0)


def suite(**workload: object) -> SuiteSpec:
    base = {
        "mode": "closed",
        "concurrency": 2,
        "duration_seconds": None,
        "iterations": 40,
        "warmup_seconds": 0.0,
    }
    return SuiteSpec(
        id="s",
        target=TargetSpec(kind="test"),
        workload=WorkloadSpec(**{**base, **workload}),  # type: ignore[arg-type]
        slo=SloSpec(p95_latency_ms_max=100, throughput_per_second_min=1),
    )


def series() -> SuiteSeries:
    return SuiteMetrics(None).add_suite("s", BOUNDS, 0.1, 1.0)


class Failing:
    """Fails every call in a fixed cycle: ok, False, timeout, refused, bug."""

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        calls = iter(range(10**9))

        def op() -> bool:
            n = next(calls) % 5
            if n == 1:
                return False
            if n == 2:
                raise TimeoutError("slow")
            if n == 3:
                raise OperationConnectionError("refused")
            if n == 4:
                raise ValueError("bug")
            return True

        return op

    def close(self) -> None:
        pass


def test_thread_targets_count_errors_by_class() -> None:
    run = run_suite(suite(concurrency=2, iterations=40), Failing(), series())
    assert run.error_count == 32
    # each worker cycles independently; 40 operations over 2 workers: 20 each, 4 of each kind
    assert dict(run.error_classes) == {
        ERROR_FAILED: 8,
        ERROR_TIMEOUT: 8,
        ERROR_CONNECTION: 8,
        ERROR_EXCEPTION: 8,
    }


class LoopTarget:
    """A PhaseDriver: async operations that sleep, on a private loop; counts thread use."""

    def __init__(self, sleep: float) -> None:
        self.sleep = sleep
        self.loop = LoopThread("test-loop")
        self.thread_ops = 0

    def _op(self) -> AsyncOperation:
        async def op() -> bool:
            await asyncio.sleep(self.sleep)
            return True

        return op

    def run_phase(
        self,
        plan: PhasePlan,
        record: Callable[[float], None],
        on_error: ErrorSink,
        on_tick: Callable[[float], None],
    ) -> PhaseOutcome:
        ops = [self._op() for _ in range(plan.concurrency)]
        return drive_phase(self.loop, ops, plan, (record, on_error), on_tick)

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        self.thread_ops += 1
        return lambda: True

    def close(self) -> None:
        self.loop.stop()


def test_a_phase_driver_runs_its_own_phases() -> None:
    target = LoopTarget(0.001)
    assert isinstance(target, PhaseDriver)
    s = series()
    try:
        run = run_suite(suite(concurrency=4, iterations=50, warmup_iterations=5), target, s)
    finally:
        target.close()
    assert target.thread_ops == 0  # the runner never fell back to worker threads
    assert run.sample_count == 50 and run.warmup_operations == 5
    assert s.snapshot().ok == 50
    assert run.active_seconds > 0 and all(d > 0 for d in run.signed_durations)


def test_open_loop_on_the_event_loop_keeps_its_schedule_when_capped() -> None:
    """Three workers and 50 ms operations at 100/s: starts wait, and the lag shows it."""
    target = LoopTarget(0.05)
    try:
        run = run_suite(
            suite(mode="open", arrival_rate_per_second=100.0, concurrency=3, iterations=20),
            target,
            series(),
        )
    finally:
        target.close()
    assert run.sample_count == 20 and len(run.schedule_lag_seconds) == 20
    assert min(run.schedule_lag_seconds) >= 0.0
    # three in flight at a time, 50 ms each: the last start waits for six rounds before it
    assert max(run.schedule_lag_seconds) > 0.1
    # latency runs from the due time, so it includes the wait for a free slot
    assert max(run.latencies_seconds()) > max(run.schedule_lag_seconds)
