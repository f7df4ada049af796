"""The decision engine: audit before answer, outbox on bus failure, fail closed on store failure."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace

import pytest

from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.runtime.decisions import DECISIONS_TOPIC, Decision
from cavra_prom.runtime.evidence import KIND_AUDIT_WRITE_FAILED, KIND_EVENT_NOT_QUEUED
from cavra_prom.runtime.faults import BUS_UNAVAILABLE, STORE_WRITE_FAILURE
from cavra_prom.runtime.generate import random_request
from cavra_prom.runtime.model import ActionRequest


def runtime(**kw: object) -> ReferenceRuntime:
    return ReferenceRuntime(RuntimeConfig(seed=1, **kw))  # type: ignore[arg-type]


def allowed_request(rt: ReferenceRuntime) -> ActionRequest:
    """The first seeded request the active policy allows."""
    rng = random.Random(3)
    policy = rt.registry.active().policy
    return next(
        r for r in (random_request(rng, f"r-{i}") for i in range(1000))
        if policy.evaluate(r)[0] == "allow"
    )  # fmt: skip


def decide(rt: ReferenceRuntime, request: ActionRequest | None = None) -> Decision:
    return rt.engines[0].decide(request or allowed_request(rt))


def test_allowed_request_is_audited_then_published() -> None:
    rt = runtime()
    decision = decide(rt)
    assert (decision.effect, decision.event_state) == ("allow", "published")
    record = rt.store.audit_for(decision.decision_id)
    assert record is not None and record.seq == decision.audit_seq
    (event,) = rt.bus.read(DECISIONS_TOPIC)
    payload = json.loads(event.payload)
    assert payload["decision_id"] == decision.decision_id
    assert payload["effect"] == "allow"
    assert json.loads(record.body) == payload
    assert rt.store.verify_chain()


def test_critical_risk_is_denied_by_the_baseline_policy() -> None:
    rt = runtime()
    request = ActionRequest("r-2", "agent-01", "admin", "t1", "read", "docs/1", 95)
    assert decide(rt, request).effect == "deny"


def test_store_failure_blocks_and_records_evidence() -> None:
    rt = runtime()
    with rt.faults.injected(STORE_WRITE_FAILURE):
        decision = decide(rt)
    assert decision.blocked and decision.audit_seq is None and decision.event_state == "none"
    assert rt.store.audit_count == 0
    assert rt.bus.end_offset(DECISIONS_TOPIC) == 0
    (evidence,) = rt.evidence.records(KIND_AUDIT_WRITE_FAILED)
    assert evidence.subject == decision.decision_id
    assert rt.store.rejected_writes == 1


def test_bus_failure_queues_in_outbox_opens_breaker_and_relay_drains() -> None:
    rt = runtime(breaker_failure_threshold=2, breaker_reset_seconds=0.01)
    with rt.faults.injected(BUS_UNAVAILABLE):
        decisions = [decide(rt) for _ in range(5)]
    assert {d.event_state for d in decisions} == {"outboxed"}
    assert all(rt.store.audit_for(d.decision_id) for d in decisions)
    assert rt.bus.rejected_writes == 2  # the breaker stopped hammering the bus
    assert rt.breaker.state != "closed"
    time.sleep(0.02)  # let the breaker's reset period pass (this is the behaviour under test)
    assert rt.relay_outbox() == 5
    assert rt.store.outbox() == []
    on_bus = [r.key for r in rt.bus.read(DECISIONS_TOPIC)]
    assert on_bus == [d.decision_id for d in decisions]
    assert decide(rt).event_state == "published"


def test_relay_does_nothing_while_the_bus_is_still_down() -> None:
    rt = runtime(breaker_reset_seconds=0.001)
    with rt.faults.injected(BUS_UNAVAILABLE):
        decide(rt)
        time.sleep(0.002)
        assert rt.relay_outbox() == 0
    assert len(rt.store.outbox()) == 1


def test_store_and_bus_down_fails_closed_even_after_auditing() -> None:
    rt = runtime()
    with rt.faults.injected(BUS_UNAVAILABLE):
        decide(rt)  # audited and outboxed
        with rt.faults.injected(STORE_WRITE_FAILURE):
            assert decide(rt).blocked
    assert rt.evidence.count(KIND_AUDIT_WRITE_FAILED) == 1
    assert rt.evidence.count(KIND_EVENT_NOT_QUEUED) == 0


def test_unsafe_runtime_answers_without_audit_and_drops_events() -> None:
    rt = runtime(fail_closed=False)
    with rt.faults.injected(STORE_WRITE_FAILURE):
        decision = decide(rt)
    assert decision.effect == "allow" and decision.audit_seq is None
    assert rt.evidence.count() == 0
    with rt.faults.injected(BUS_UNAVAILABLE):
        assert decide(rt).event_state == "dropped"
    assert rt.store.outbox() == []


def test_same_seed_same_decisions() -> None:
    def effects(seed: int) -> list[str]:
        rt = ReferenceRuntime(RuntimeConfig(seed=seed))
        rng = random.Random(7)
        return [decide(rt, random_request(rng, str(i))).effect for i in range(200)]

    assert effects(1) == effects(1)
    assert len(set(effects(1))) == 3  # allow, deny and review all occur


def test_audit_retention_keeps_a_verifiable_chain_tail() -> None:
    rt = runtime(audit_retention_records=10)
    decisions = [decide(rt) for _ in range(25)]
    assert rt.store.audit_count == 25
    assert rt.store.audit_for(decisions[0].decision_id) is None
    assert rt.store.audit_for(decisions[-1].decision_id) is not None
    assert rt.store.verify_chain()


def test_tampering_breaks_the_chain() -> None:
    rt = runtime()
    decisions = [decide(rt) for _ in range(3)]
    record = rt.store.audit_for(decisions[1].decision_id)
    assert record is not None and '"effect":"allow"' in record.body
    body = record.body.replace('"effect":"allow"', '"effect":"deny"')
    forged = replace(record, body=body)
    rt.store._records[record.decision_id] = forged  # simulate an edit behind the store's back
    assert not rt.store.verify_chain()


@pytest.mark.parametrize(
    "field", ["api_replicas", "connector_max_attempts", "breaker_reset_seconds"]
)
def test_invalid_config_is_a_typed_error(field: str) -> None:
    from cavra_prom.errors import TargetError

    with pytest.raises(TargetError, match=field):
        RuntimeConfig(**{field: 0})  # type: ignore[arg-type]
