"""Drill: the event bus refuses writes.

Safe behaviour: no allow without an audit record; every decided event is either queued in the
outbox for retry or its decision failed closed; once the bus is back the outbox drains onto
it. The drill also takes the RPO observation at fault time: how many events the replica did
not yet have, and how old the oldest of them was.
"""

from __future__ import annotations

from typing import ClassVar

from cavra_prom.drills.base import Scenario, Verdict, first_failure
from cavra_prom.runtime.bus import BusRecord
from cavra_prom.runtime.decisions import DECISIONS_TOPIC, Decision
from cavra_prom.runtime.faults import BUS_UNAVAILABLE

_DRAIN_PASSES = 100


class EventBusUnavailable(Scenario):
    fault: ClassVar[str] = BUS_UNAVAILABLE
    safe_behavior: ClassVar[str] = "fail_closed_or_retry"

    def before_fault(self) -> None:
        # Enough traffic that the replica trails the primary when the fault hits.
        batch = self.rt.config.replication_batch_events
        for _ in range(2 * batch + batch // 2):
            self.decide()
        self.start_offset = self.rt.bus.end_offset(DECISIONS_TOPIC)
        self.rejected_before = self.rt.bus.rejected_writes
        self.decisions: list[Decision] = []

    def under_fault(self, operations: int) -> None:
        rpo = self.rt.bus.replication_status()
        self.observations["rpo_unreplicated_events"] = rpo.unreplicated_events
        self.observations["rpo_oldest_unreplicated_age_seconds"] = round(
            rpo.oldest_unreplicated_age_seconds, 6
        )
        self.decisions = [self.decide() for _ in range(operations)]
        self.published_during = {r.key for r in self._published()}
        self.outboxed = {e.event_id for e in self.rt.store.outbox()}

    def _published(self) -> list[BusRecord]:
        return self.rt.bus.read(DECISIONS_TOPIC, self.start_offset)

    def probe(self) -> bool:
        return self.decide().event_state == "published"

    def after_recovery(self) -> None:
        for _ in range(_DRAIN_PASSES):
            if not self.rt.store.outbox() or not self.rt.relay_outbox():
                break
        self.rt.bus.replicate()

    def verdict(self, recovered: bool) -> Verdict:
        store, obs = self.rt.store, self.observations
        unsafe = [
            d
            for d in self.decisions
            if d.effect == "allow" and store.audit_for(d.decision_id) is None
        ]
        lost = [
            d
            for d in self.decisions
            if not d.blocked
            and d.decision_id not in self.published_during
            and d.decision_id not in self.outboxed
        ]
        on_bus_now = {r.key for r in self._published()}
        undrained = {e.event_id for e in store.outbox()} & self.outboxed
        not_delivered = self.outboxed - on_bus_now
        rejected = self.rt.bus.rejected_writes - self.rejected_before
        obs.update(
            decisions=len(self.decisions),
            allow_decisions=sum(d.effect == "allow" for d in self.decisions),
            failed_closed=sum(d.blocked for d in self.decisions),
            outboxed=len(self.outboxed),
            published_during_fault=len(self.published_during),
            events_lost=len(lost),
            allow_without_audit=len(unsafe),
            bus_rejected_writes=rejected,
            outbox_remaining=len(undrained),
            outbox_relayed=len(self.outboxed) - len(not_delivered),
            replica_unreplicated_after=self.rt.bus.replication_status().unreplicated_events,
        )
        return first_failure(
            [
                (bool(unsafe), "unsafe_approval",
                 f"{len(unsafe)} allow decisions had no audit record while the bus was down"),
                (bool(lost), "event_lost",
                 f"{len(lost)} decided events were neither published, queued in the outbox "
                 "nor failed closed"),
                (rejected == 0 or bool(self.published_during), "fault_not_observed",
                 f"the bus refused {rejected} writes and accepted "
                 f"{len(self.published_during)} during the fault"),
                (recovered and bool(undrained or not_delivered), "outbox_not_drained",
                 f"after recovery {len(undrained)} events remain in the outbox and "
                 f"{len(not_delivered)} queued events are not on the bus"),
            ],
            self.safe_behavior,
        )  # fmt: skip
