"""Drill: the audit store refuses writes.

Safe behaviour: every decision taken during the fault is blocked (nothing is answered without
its audit record) and every refused write appears as blocker evidence naming the decision.
"""

from __future__ import annotations

from typing import ClassVar

from cavra_prom.drills.base import Scenario, Verdict, first_failure
from cavra_prom.runtime.decisions import Decision
from cavra_prom.runtime.evidence import KIND_AUDIT_WRITE_FAILED
from cavra_prom.runtime.faults import STORE_WRITE_FAILURE

_WARMUP = 10


class StoreWriteFailure(Scenario):
    fault: ClassVar[str] = STORE_WRITE_FAILURE
    safe_behavior: ClassVar[str] = "blocker_evidence_emitted"

    def before_fault(self) -> None:
        for _ in range(_WARMUP):
            self.decide()
        self.audit_before = self.rt.store.audit_count
        self.rejected_before = self.rt.store.rejected_writes
        self.evidence_before = self.rt.evidence.count(KIND_AUDIT_WRITE_FAILED)
        self.decisions: list[Decision] = []

    def under_fault(self, operations: int) -> None:
        self.decisions = [self.decide() for _ in range(operations)]
        self.audit_written = self.rt.store.audit_count - self.audit_before
        self.rejected = self.rt.store.rejected_writes - self.rejected_before
        self.evidence = self.rt.evidence.records(KIND_AUDIT_WRITE_FAILED)[self.evidence_before :]

    def probe(self) -> bool:
        decision = self.decide()
        return not decision.blocked and self.rt.store.audit_for(decision.decision_id) is not None

    def after_recovery(self) -> None:
        """Nothing to catch up: blocked decisions are not retried on the caller's behalf."""

    def verdict(self, recovered: bool) -> Verdict:
        store = self.rt.store
        unaudited = [d for d in self.decisions if store.audit_for(d.decision_id) is None]
        unsafe = [d for d in unaudited if d.effect == "allow"]
        ungoverned = [d for d in unaudited if not d.blocked]
        blocked_ids = {d.decision_id for d in self.decisions if d.blocked}
        evidenced = {e.subject for e in self.evidence}
        chain_ok = store.verify_chain()
        self.observations.update(
            decisions=len(self.decisions),
            blocked=len(blocked_ids),
            allow_without_audit=len(unsafe),
            ungoverned_decisions=len(ungoverned),
            failed_writes=self.rejected,
            blocker_evidence=len(self.evidence),
            audit_records_written_during_fault=self.audit_written,
            audit_chain_intact=chain_ok,
        )
        return first_failure(
            [
                (bool(unsafe), "unsafe_approval",
                 f"{len(unsafe)} allow decisions were returned without an audit record while "
                 "the store refused writes"),
                (bool(ungoverned), "ungoverned_decision",
                 f"{len(ungoverned)} decisions were answered without an audit record"),
                (self.rejected == 0 or self.audit_written > 0, "fault_not_observed",
                 f"the store refused {self.rejected} writes and accepted {self.audit_written} "
                 "during the fault"),
                (len(self.evidence) != self.rejected or evidenced != blocked_ids,
                 "evidence_missing",
                 f"{self.rejected} failed writes and {len(blocked_ids)} blocked decisions, but "
                 f"{len(self.evidence)} blocker evidence records"),
                (not chain_ok, "audit_chain_broken", "the audit hash chain does not verify"),
            ],
            self.safe_behavior,
        )  # fmt: skip
