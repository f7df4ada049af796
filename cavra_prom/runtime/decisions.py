"""The decision engine: evaluate, audit, publish, in that order, failing closed.

An answer leaves the engine only after its audit record is durable. The event that tells the
rest of the platform is published next; if the bus will not take it, it goes to the store's
outbox for the relay to republish, and if even that fails the decision is blocked. With
``fail_closed`` off the engine takes the unsafe shortcuts instead (answers without audit,
drops events), which is what the drills must catch.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Final, Literal

from cavra_prom.runtime.breaker import CircuitBreaker
from cavra_prom.runtime.bus import EventBus
from cavra_prom.runtime.evidence import (
    KIND_AUDIT_WRITE_FAILED,
    KIND_EVENT_NOT_QUEUED,
    EvidenceLog,
)
from cavra_prom.runtime.faults import BusUnavailableError, StoreWriteError
from cavra_prom.runtime.lifecycle import PolicyRegistry
from cavra_prom.runtime.model import ActionRequest
from cavra_prom.runtime.store import AuditStore, OutboxEntry

DECISIONS_TOPIC: Final = "decisions"
DecisionEffect = Literal["allow", "deny", "review", "blocked"]
EventState = Literal["published", "outboxed", "dropped", "none"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What the caller was told, plus where its audit record and event ended up."""

    decision_id: str
    request_id: str
    effect: DecisionEffect
    rule_id: str | None
    policy_revision: int
    audit_seq: int | None
    event_state: EventState
    reason: str | None = None

    @property
    def blocked(self) -> bool:
        return self.effect == "blocked"


class IdSequence:
    """Unique, ordered ids shared by every engine replica."""

    def __init__(self, prefix: str) -> None:
        self._prefix, self._next, self._lock = prefix, 0, threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._next += 1
            return f"{self._prefix}{self._next}"


@dataclass(frozen=True)
class EngineDeps:
    """The shared components every engine replica talks to."""

    registry: PolicyRegistry
    store: AuditStore
    bus: EventBus
    evidence: EvidenceLog
    breaker: CircuitBreaker
    ids: IdSequence
    fail_closed: bool = True
    replication_batch: int = 16


class DecisionEngine:
    """One API replica's decision path. Stateless apart from its name: safe to share."""

    def __init__(self, replica: str, deps: EngineDeps) -> None:
        self.replica = replica
        self._d = deps

    def decide(self, request: ActionRequest) -> Decision:
        decision_id = self._d.ids.next()
        active = self._d.registry.active()
        effect, rule_id = active.policy.evaluate(request)
        body: dict[str, object] = {
            "decision_id": decision_id, "request_id": request.request_id,
            "principal": request.principal, "tenant": request.tenant,
            "action": request.action, "resource": request.resource, "risk": request.risk,
            "effect": effect, "rule_id": rule_id, "policy_revision": active.revision,
            "policy_digest": active.policy.digest[:16], "replica": self.replica,
            "decided_at": time.time(),
        }  # fmt: skip
        try:
            audit_seq: int | None = self._d.store.append_audit(decision_id, body).seq
        except StoreWriteError as exc:
            if self._d.fail_closed:
                self._d.evidence.record(KIND_AUDIT_WRITE_FAILED, decision_id, str(exc))
                return self._blocked(decision_id, request, active.revision, None, str(exc))
            audit_seq = None  # unsafe: answer without a durable record
        state = self._emit(decision_id, body)
        if state == "none":
            reason = "event could be neither published nor queued"
            return self._blocked(decision_id, request, active.revision, audit_seq, reason)
        return Decision(
            decision_id, request.request_id, effect, rule_id, active.revision, audit_seq, state
        )

    @staticmethod
    def _blocked(
        decision_id: str, request: ActionRequest, revision: int, seq: int | None, reason: str
    ) -> Decision:
        return Decision(
            decision_id, request.request_id, "blocked", None, revision, seq, "none", reason
        )

    def _emit(self, decision_id: str, body: dict[str, object]) -> EventState:
        payload = json.dumps(body, separators=(",", ":")).encode()
        d = self._d
        if d.breaker.allow():
            try:
                d.bus.publish(DECISIONS_TOPIC, decision_id, payload, (("event_id", decision_id),))
            except BusUnavailableError:
                d.breaker.record_failure()
            else:
                d.breaker.record_success()
                d.bus.replicate_when_behind(d.replication_batch)
                return "published"
        if not d.fail_closed:
            return "dropped"  # unsafe: the event is simply lost
        try:
            entry = OutboxEntry(
                decision_id, DECISIONS_TOPIC, decision_id, payload, time.monotonic()
            )
            d.store.put_outbox(entry)
        except StoreWriteError as exc:
            d.evidence.record(KIND_EVENT_NOT_QUEUED, decision_id, str(exc))
            return "none"
        return "outboxed"


class OutboxRelay:
    """Republishes outboxed events once the bus (and its breaker) lets writes through."""

    def __init__(self, store: AuditStore, bus: EventBus, breaker: CircuitBreaker) -> None:
        self._store, self._bus, self._breaker = store, bus, breaker
        self._lock = threading.Lock()  # one relay pass at a time: no double publishing

    def relay(self) -> int:
        """One pass over the outbox; returns how many events were republished."""
        relayed = 0
        with self._lock:
            for entry in self._store.outbox():
                if not self._breaker.allow():
                    break
                headers = (("event_id", entry.event_id), ("relayed", "true"))
                try:
                    self._bus.publish(entry.topic, entry.key, entry.payload, headers)
                except BusUnavailableError:
                    self._breaker.record_failure()
                    break
                self._breaker.record_success()
                self._store.remove_outbox(entry.event_id)
                relayed += 1
        return relayed
