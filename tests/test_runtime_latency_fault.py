"""The latency fault: real delay on every reference operation while set, none once cleared."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from cavra_prom.errors import TargetError
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import run_suite
from cavra_prom.runtime import REFERENCE_OPERATIONS, ReferenceRuntime, RuntimeConfig
from cavra_prom.runtime.faults import MAX_LATENCY_SECONDS, FaultSwitchboard
from cavra_prom.spec.model import SloSpec, SuiteSpec, TargetSpec, WorkloadSpec
from cavra_prom.targets import ReferenceTarget

DELAY = 0.05


def _suite(iterations: int) -> SuiteSpec:
    return SuiteSpec(
        id="runtime_decision_latency",
        target=TargetSpec("reference", "runtime_decision"),
        workload=WorkloadSpec(
            concurrency=2, duration_seconds=None, iterations=iterations, warmup_seconds=0.0
        ),
        slo=SloSpec(p95_latency_ms_max=50, throughput_per_second_min=1),
    )


def test_switchboard_starts_without_latency_and_validates_values() -> None:
    faults = FaultSwitchboard()
    assert faults.latency_seconds == 0.0
    for bad in (-0.1, math.nan, math.inf, MAX_LATENCY_SECONDS + 1):
        with pytest.raises(TargetError, match="latency"):
            faults.set_latency(bad)
    assert faults.latency_seconds == 0.0
    faults.set_latency(0.25)
    assert faults.latency_seconds == 0.25
    faults.set_latency(0)
    assert faults.latency_seconds == 0.0


@pytest.mark.parametrize("name", REFERENCE_OPERATIONS)
def test_every_reference_operation_waits_the_injected_latency(name: str) -> None:
    """Measured through the real runner: each recorded latency includes the delay."""
    target = ReferenceTarget(name, RuntimeConfig(seed=1))
    target.runtime.faults.set_latency(DELAY)
    suite = _suite(iterations=6)
    series = SuiteMetrics(None).add_suite(suite.id, (0.01, DELAY, 0.05001, 1.0, 10.0), DELAY, 1)
    run = run_suite(suite, target, series)
    assert run.sample_count == 6
    assert min(run.latencies_seconds()) >= DELAY  # a lower bound: sleep never returns early
    assert run.error_count == 0  # slow, but still a success: latency, not failure


def test_clearing_the_latency_removes_the_delay_for_new_and_existing_operations() -> None:
    runtime = ReferenceRuntime(RuntimeConfig(seed=1))
    op = runtime.make_operation("runtime_decision", random.Random(1))
    runtime.faults.set_latency(0.5)
    runtime.faults.set_latency(0.0)
    target = ReferenceTarget("runtime_decision", RuntimeConfig(seed=1))
    target.runtime.faults.set_latency(0.5)
    target.runtime.faults.set_latency(0.0)
    suite = _suite(iterations=40)
    series = SuiteMetrics(None).add_suite(suite.id, (0.01, 0.05, 1.0), 0.05, 1)
    run = run_suite(suite, target, series)
    assert op()
    # Cleared before the run: had the delay stayed, every operation would take >= 0.5 s; the
    # median (robust to a stray scheduling hiccup on a busy machine) shows it did not.
    assert statistics.median(run.latencies_seconds()) < 0.5


def test_the_latency_fault_is_per_runtime() -> None:
    slow, fast = ReferenceRuntime(RuntimeConfig(seed=1)), ReferenceRuntime(RuntimeConfig(seed=1))
    slow.faults.set_latency(DELAY)
    assert fast.faults.latency_seconds == 0.0
    assert slow.faults.latency_seconds == DELAY
