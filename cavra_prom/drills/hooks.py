"""Run a drill against the user's own system through its hooks.

Order: inject; while the fault is on, drive the optional load (at most ``operations`` steps
within ``duration_seconds``) and wait out the window; settle; check the ``fault`` assertions;
recover (always, on every path once inject was tried); time recovery from the moment the fault
was cleared until the readiness check passes (polled, bounded by the drill's
``recovery_timeout_seconds``); then check the ``recovered`` assertions.

The verdict is the first failure in that order: a failed hook, an assertion that is false or
returned no data, a recovery that did not come. A drill never passes by default: with nothing
wrong found it passes only after readiness was proven. Results are ordinary
:class:`~cavra_prom.drills.model.DrillResult` values, so gauges and packet entries are the same
as for the built-in drills.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Final

from cavra_prom.drills.actions import perform
from cavra_prom.drills.assertions import AssertionOutcome, check_assertion
from cavra_prom.drills.base import Verdict
from cavra_prom.drills.model import DrillResult, Observation
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.spec.model import DrillSpec
from cavra_prom.spec.model_hooks import AssertionPhase, DrillHooks, HookAction

PROMETHEUS_URL_ENV: Final = "CAVRA_PROMETHEUS_URL"
PASSED_BEHAVIOR: Final = "assertions_held"


@dataclass
class _Run:
    """What one hook drill saw, in order; the first failure becomes the verdict."""

    spec: DrillSpec
    hooks: DrillHooks
    prometheus: PrometheusSource | None
    observations: dict[str, Observation] = field(default_factory=dict)
    failures: list[Verdict] = field(default_factory=list)
    recovery: float | None = None

    def fail(self, word: str, reason: str) -> None:
        self.failures.append(Verdict(word, reason))


def prometheus_for(hooks: DrillHooks, given: PrometheusSource | None) -> PrometheusSource | None:
    """The drill's own ``prometheus_url``, else the runner's source, else the env variable."""
    if hooks.prometheus_url:
        return PrometheusSource(hooks.prometheus_url)
    if given is not None:
        return given
    url = os.environ.get(PROMETHEUS_URL_ENV)
    return PrometheusSource(url) if url else None


def _step(run: _Run, name: str, action: HookAction) -> bool:
    outcome = perform(action)
    run.observations[f"{name}_result"] = outcome.detail
    if not outcome.ok:
        run.fail("hook_failed", f"{name} hook ({action.describe()}) failed: {outcome.detail}")
    return outcome.ok


def _drive_load(run: _Run, window_end: float) -> None:
    """Run the load step up to ``operations`` times while the fault window lasts."""
    load = run.hooks.load
    ok = failed = 0
    if load is not None:
        while ok + failed < run.spec.operations and time.monotonic() < window_end:
            if perform(load).ok:
                ok += 1
            else:
                failed += 1
        run.observations["load_ok"] = ok
        run.observations["load_failed"] = failed
    remaining = window_end - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _check(run: _Run, phase: AssertionPhase) -> None:
    for assertion in run.hooks.assertions:
        if assertion.phase != phase:
            continue
        outcome: AssertionOutcome = check_assertion(assertion, run.prometheus)
        run.observations[f"assertion_{assertion.name}"] = outcome.observed
        if not outcome.held:
            run.fail(outcome.word, f"assertion {assertion.name}: {outcome.reason}")


def _measure_recovery(run: _Run) -> float | None:
    """Seconds from now until readiness passes, polled; None past the drill's timeout."""
    start = time.monotonic()
    timeout, interval = run.spec.recovery_timeout_seconds, run.hooks.probe_interval_seconds
    while True:
        if perform(run.hooks.readiness).ok:
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            return None
        time.sleep(interval)


def _under_fault(run: _Run) -> None:
    hooks = run.hooks
    _drive_load(run, time.monotonic() + hooks.duration_seconds)
    if hooks.settle_seconds:
        time.sleep(hooks.settle_seconds)
    _check(run, "fault")


def _drive(run: _Run) -> None:
    hooks = run.hooks
    injected = False
    try:
        injected = _step(run, "inject", hooks.inject)
        if injected:
            _under_fault(run)
    finally:  # recover on every path once inject was tried: a half-applied fault too
        cleared = hooks.recover is None or _step(run, "recover", hooks.recover)
    if not (injected and cleared):
        return
    run.recovery = _measure_recovery(run)
    run.observations["recovered"] = run.recovery is not None
    if run.recovery is None:
        run.fail(
            "recovery_timeout",
            f"readiness ({hooks.readiness.describe()}) did not pass within "
            f"{run.spec.recovery_timeout_seconds:g}s after the fault was cleared",
        )
        return
    _check(run, "recovered")


def run_hook_drill(spec: DrillSpec, prometheus: PrometheusSource | None = None) -> DrillResult:
    """Run a drill that has hooks; every problem is a failed result, never an exception."""
    if spec.hooks is None:
        raise ValueError(f"drill {spec.id} has no hooks")
    started = time.time()
    run = _Run(spec, spec.hooks, prometheus_for(spec.hooks, prometheus))
    try:
        _drive(run)
    except Exception as exc:  # a drill that cannot complete has not shown anything safe
        run.fail("drill_error", f"{type(exc).__name__}: {exc}")
    verdict = run.failures[0] if run.failures else Verdict(PASSED_BEHAVIOR)
    if run.failures:
        run.observations["failures"] = len(run.failures)
    return DrillResult(
        drill_id=spec.id,
        fault=spec.fault,
        injected_fault=spec.injected_fault,
        expected_behavior=spec.expected_behavior,
        observed_behavior=verdict.observed_behavior,
        observations=run.observations,
        passed=verdict.passed,
        failure_reason=verdict.failure_reason,
        started_at=started,
        ended_at=time.time(),
        recovery_seconds=run.recovery,
    )
