"""The four R6.1 drills against the reference runtime: pass when safe, fail when not."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from cavra_prom.conventions import (
    DRILL_CONNECTOR_TIMEOUT,
    DRILL_EVENT_BUS_UNAVAILABLE,
    DRILL_POLICY_COMPILE_FAILURE,
    DRILL_STORE_WRITE_FAILURE,
    R61_DRILLS,
)
from cavra_prom.drills import DRILL_FAULTS, DrillResult, run_drill
from cavra_prom.drills.base import Scenario, Verdict
from cavra_prom.drills.runner import run_scenario
from cavra_prom.errors import SpecError
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.spec.model import DrillSpec

OPS = 20


def spec(fault: str, operations: int = OPS, timeout: float = 5.0) -> DrillSpec:
    return DrillSpec(fault, fault, f"{fault} injected", "stays safe", operations, timeout, seed=3)


def numbers(result: DrillResult) -> dict[str, float]:
    """The numeric observations (bools excluded), for arithmetic in assertions."""
    return {
        k: v
        for k, v in result.observations.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def test_drill_faults_are_the_r61_drills() -> None:
    assert DRILL_FAULTS == R61_DRILLS


@pytest.mark.parametrize(
    ("fault", "word"),
    [
        (DRILL_EVENT_BUS_UNAVAILABLE, "fail_closed_or_retry"),
        (DRILL_STORE_WRITE_FAILURE, "blocker_evidence_emitted"),
        (DRILL_CONNECTOR_TIMEOUT, "retry_or_dlq"),
        (DRILL_POLICY_COMPILE_FAILURE, "promotion_blocked"),
    ],
)
def test_each_drill_passes_on_the_default_runtime(fault: str, word: str) -> None:
    result = run_drill(spec(fault))
    assert (result.passed, result.observed_behavior, result.failure_reason) == (True, word, None)
    assert result.recovery_seconds is not None and result.recovery_seconds >= 0
    assert result.started_at <= result.ended_at
    assert result.observations["operations"] == OPS
    assert result.observations["recovered"] is True
    json.dumps(result.as_dict(), allow_nan=False)  # packet-ready


def test_event_bus_drill_observations() -> None:
    obs = numbers(run_drill(spec(DRILL_EVENT_BUS_UNAVAILABLE)))
    assert obs["decisions"] == OPS
    assert obs["outboxed"] + obs["failed_closed"] == OPS
    assert obs["events_lost"] == obs["allow_without_audit"] == obs["published_during_fault"] == 0
    assert obs["bus_rejected_writes"] == RuntimeConfig().breaker_failure_threshold
    assert obs["outbox_remaining"] == 0 and obs["outbox_relayed"] == obs["outboxed"]
    # RPO at fault time: 40 warm-up events, replicated in steps of 16, leave 8 outstanding.
    assert obs["rpo_unreplicated_events"] == 8
    assert obs["rpo_oldest_unreplicated_age_seconds"] >= 0
    caught_up = run_drill(
        spec(DRILL_EVENT_BUS_UNAVAILABLE), RuntimeConfig(replication_batch_events=1)
    )
    assert caught_up.observations["rpo_unreplicated_events"] == 0


def test_store_and_connector_and_policy_drill_observations() -> None:
    store = numbers(run_drill(spec(DRILL_STORE_WRITE_FAILURE)))
    assert store["blocked"] == store["failed_writes"] == store["blocker_evidence"] == OPS
    assert store["audit_records_written_during_fault"] == 0
    conn = numbers(run_drill(spec(DRILL_CONNECTOR_TIMEOUT, operations=5)))
    attempts = RuntimeConfig().connector_max_attempts
    assert conn["delivered"] + conn["dead_lettered"] == conn["attempted"] == 5
    assert conn["retries"] == 5 * (attempts - 1) and conn["timeouts"] == 5 * attempts
    assert conn["dlq_records"] == conn["dlq_redriven"] == conn["dead_lettered"]
    policy = numbers(run_drill(spec(DRILL_POLICY_COMPILE_FAILURE)))
    assert policy["promotions_blocked"] == policy["blocked_at_compile"] == OPS
    assert policy["active_revision_before"] == policy["active_revision_after"]
    assert policy["enforcement_changes"] == 0


@pytest.mark.parametrize(
    ("fault", "word", "reason"),
    [
        (DRILL_EVENT_BUS_UNAVAILABLE, "event_lost", "neither published"),
        (DRILL_STORE_WRITE_FAILURE, "unsafe_approval", "without an audit record"),
        (DRILL_CONNECTOR_TIMEOUT, "delivery_lost", "neither delivered nor dead-lettered"),
        (DRILL_POLICY_COMPILE_FAILURE, "enforcement_changed", "promoted"),
    ],
)
def test_each_drill_fails_on_an_unsafe_runtime(fault: str, word: str, reason: str) -> None:
    ops = 5 if fault == DRILL_CONNECTOR_TIMEOUT else OPS
    result = run_drill(spec(fault, operations=ops), RuntimeConfig(fail_closed=False))
    assert not result.passed
    assert result.observed_behavior == word
    assert result.failure_reason is not None and reason in result.failure_reason


def test_zero_operations_fails_with_a_reason() -> None:
    result = run_drill(spec(DRILL_STORE_WRITE_FAILURE, operations=0))
    assert not result.passed
    assert result.observed_behavior == "no_operations"
    assert result.recovery_seconds is None


def test_unknown_fault_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown fault 'disk_full'"):
        run_drill(DrillSpec("d", "disk_full", "x", "y"))


def test_recovery_timeout_fails_the_drill() -> None:
    slow_breaker = RuntimeConfig(breaker_reset_seconds=30.0)
    result = run_drill(spec(DRILL_EVENT_BUS_UNAVAILABLE, timeout=0.05), slow_breaker)
    assert not result.passed
    assert result.observed_behavior == "recovery_timeout"
    assert result.recovery_seconds is None
    assert result.observations["recovered"] is False


class CrashingScenario(Scenario):
    """A scenario whose workload raises: the drill must fail, and the fault must be cleared."""

    fault: ClassVar[str] = DRILL_STORE_WRITE_FAILURE
    safe_behavior: ClassVar[str] = "never"
    seen: ClassVar[list[ReferenceRuntime]] = []

    def before_fault(self) -> None:
        self.seen.append(self.rt)

    def under_fault(self, operations: int) -> None:
        raise RuntimeError("workload crashed")

    def probe(self) -> bool:
        return True

    def after_recovery(self) -> None:
        pass

    def verdict(self, recovered: bool) -> Verdict:
        return Verdict(self.safe_behavior)


def test_a_crashing_drill_fails_and_clears_its_fault() -> None:
    result = run_scenario(CrashingScenario, spec(DRILL_STORE_WRITE_FAILURE))
    assert isinstance(result, DrillResult)
    assert not result.passed
    assert result.observed_behavior == "drill_error"
    assert result.failure_reason == "RuntimeError: workload crashed"
    assert CrashingScenario.seen[-1].faults.active_faults() == frozenset()
