"""Run one drill end to end against a fresh reference runtime.

Inject, drive, clear, recover, judge: the fault is cleared on every exit path, recovery is
timed from the moment the fault is cleared until a probe operation succeeds normally again
(polled, bounded by the drill's timeout), and any drill whose check cannot be made (no
operations, an exception) fails with a reason. It never passes by default.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from cavra_prom.drills.base import Scenario, Verdict
from cavra_prom.drills.connector import ConnectorTimeout
from cavra_prom.drills.event_bus import EventBusUnavailable
from cavra_prom.drills.model import DrillResult
from cavra_prom.drills.policy_compile import PolicyCompileFailure
from cavra_prom.drills.store_failure import StoreWriteFailure
from cavra_prom.errors import Problem, SpecError
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.spec.model import DrillSpec

if TYPE_CHECKING:
    from cavra_prom.promql.source import PrometheusSource

SCENARIOS: Final[dict[str, type[Scenario]]] = {
    s.fault: s
    for s in (EventBusUnavailable, StoreWriteFailure, ConnectorTimeout, PolicyCompileFailure)
}
DRILL_FAULTS: Final[tuple[str, ...]] = tuple(SCENARIOS)
PROBE_INTERVAL_SECONDS: Final = 0.005


def measure_recovery(probe: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``probe`` first returns True, polled; None if ``timeout`` passed first."""
    start = time.monotonic()
    while True:
        if probe():
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            return None
        time.sleep(PROBE_INTERVAL_SECONDS)


def _scenario_class(spec: DrillSpec) -> type[Scenario]:
    scenario = SCENARIOS.get(spec.fault)
    if scenario is None:
        message = f"unknown fault {spec.fault!r}; known faults: {', '.join(DRILL_FAULTS)}"
        raise SpecError([Problem("spec", f"drills[{spec.id}].fault", message)])
    return scenario


def run_drill(
    spec: DrillSpec,
    runtime_config: RuntimeConfig | None = None,
    *,
    prometheus: PrometheusSource | None = None,
) -> DrillResult:
    """Run ``spec`` on a fresh ReferenceRuntime (``RuntimeConfig(seed=spec.seed)`` if none).

    A drill with ``hooks`` runs against the user's system instead (``drills.hooks``);
    ``prometheus`` is where its PromQL assertions go unless the drill names its own.
    Raises SpecError for a fault no scenario knows; every other problem is a failed result.
    """
    if spec.hooks is not None:
        from cavra_prom.drills.hooks import run_hook_drill  # the PromQL client, on demand

        return run_hook_drill(spec, prometheus)
    return run_scenario(_scenario_class(spec), spec, runtime_config)


def run_scenario(
    scenario_class: type[Scenario], spec: DrillSpec, runtime_config: RuntimeConfig | None = None
) -> DrillResult:
    """Run one scenario class for ``spec`` (how run_drill runs the built-in four)."""
    started = time.time()
    observations: dict[str, int | float | str | bool] = {"operations": max(spec.operations, 0)}
    recovery: float | None = None
    if spec.operations <= 0:
        verdict = Verdict("no_operations", "the drill drove 0 operations, so nothing was checked")
    else:
        try:
            runtime = ReferenceRuntime(runtime_config or RuntimeConfig(seed=spec.seed))
            scenario = scenario_class(runtime, random.Random(spec.seed))
            recovery, verdict = _drive(scenario, runtime, spec)
            observations.update(scenario.observations)
        except Exception as exc:  # a drill that cannot complete has not shown anything safe
            verdict = Verdict("drill_error", f"{type(exc).__name__}: {exc}")
    return DrillResult(
        drill_id=spec.id,
        fault=spec.fault,
        injected_fault=spec.injected_fault,
        expected_behavior=spec.expected_behavior,
        observed_behavior=verdict.observed_behavior,
        observations=observations,
        passed=verdict.passed,
        failure_reason=verdict.failure_reason,
        started_at=started,
        ended_at=time.time(),
        recovery_seconds=recovery,
    )


def _drive(
    scenario: Scenario, runtime: ReferenceRuntime, spec: DrillSpec
) -> tuple[float | None, Verdict]:
    scenario.before_fault()
    runtime.faults.inject(spec.fault)
    try:
        scenario.under_fault(spec.operations)
    finally:
        runtime.faults.clear(spec.fault)
    recovery = measure_recovery(scenario.probe, spec.recovery_timeout_seconds)
    if recovery is not None:
        scenario.after_recovery()
    verdict = scenario.verdict(recovered=recovery is not None)
    scenario.observations["recovered"] = recovery is not None
    if verdict.passed and recovery is None:
        reason = (
            f"no probe succeeded within {spec.recovery_timeout_seconds:g}s "
            "after the fault was cleared"
        )
        verdict = Verdict("recovery_timeout", reason)
    return recovery, verdict
