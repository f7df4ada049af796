"""Blocker evidence: what the runtime records when it refuses to act.

The evidence log is deliberately separate from the audit store: when the store refuses writes,
the refusal itself must still land somewhere an operator (and a drill) can read it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Final

KIND_AUDIT_WRITE_FAILED: Final = "audit_write_failed"
KIND_EVENT_NOT_QUEUED: Final = "event_not_queued"
KIND_PROMOTION_BLOCKED: Final = "policy_promotion_blocked"


@dataclass(frozen=True, slots=True)
class BlockerEvidence:
    kind: str
    subject: str  # the decision id, bundle name, ... the evidence is about
    reason: str
    recorded_at: float  # unix seconds


class EvidenceLog:
    """Append-only, thread-safe list of blocker evidence."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[BlockerEvidence] = []

    def record(self, kind: str, subject: str, reason: str) -> BlockerEvidence:
        item = BlockerEvidence(kind, subject, reason, time.time())
        with self._lock:
            self._records.append(item)
        return item

    def records(self, kind: str | None = None) -> list[BlockerEvidence]:
        with self._lock:
            return [r for r in self._records if kind is None or r.kind == kind]

    def count(self, kind: str | None = None) -> int:
        return len(self.records(kind))
