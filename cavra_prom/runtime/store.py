"""The audit store: a hash-chained audit log plus a transactional outbox.

An "allow" is only as good as its audit record, so the decision engine writes here before it
answers. The outbox lives in the same store (as a transactional outbox would live in the same
database) and holds events the bus would not take, until the relay republishes them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from cavra_prom.runtime.faults import STORE_WRITE_FAILURE, FaultSwitchboard, StoreWriteError

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    decision_id: str
    body: str  # canonical JSON of what was decided
    prev_hash: str
    hash: str
    recorded_at: float  # unix seconds


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    event_id: str
    topic: str
    key: str
    payload: bytes
    queued_at: float  # monotonic seconds


def chain_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


class AuditStore:
    """Thread-safe; keeps the newest ``retention`` audit records in memory, counts all."""

    def __init__(self, faults: FaultSwitchboard, retention: int = 50_000) -> None:
        self._faults = faults
        self._retention = retention
        self._lock = threading.Lock()
        self._records: OrderedDict[str, AuditRecord] = OrderedDict()
        self._outbox: OrderedDict[str, OutboxEntry] = OrderedDict()
        self._head = GENESIS_HASH
        self._seq = 0
        self._rejected = 0
        self._first_kept_prev = GENESIS_HASH

    def _refuse_if_faulted(self, what: str) -> None:
        """Called with the lock held: the injected fault refuses the write and is counted."""
        if self._faults.active(STORE_WRITE_FAILURE):
            self._rejected += 1
            raise StoreWriteError(f"audit store refused {what} write")

    def append_audit(self, decision_id: str, body: dict[str, object]) -> AuditRecord:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        with self._lock:
            self._refuse_if_faulted("audit")
            self._seq += 1
            record = AuditRecord(
                self._seq, decision_id, text, self._head,
                chain_hash(self._head, text), time.time(),
            )  # fmt: skip
            self._head = record.hash
            self._records[decision_id] = record
            if len(self._records) > self._retention:
                _, evicted = self._records.popitem(last=False)
                self._first_kept_prev = evicted.hash
            return record

    def audit_for(self, decision_id: str) -> AuditRecord | None:
        with self._lock:
            return self._records.get(decision_id)

    def verify_chain(self) -> bool:
        """Recompute the hash chain over the retained records; False if any link is broken."""
        with self._lock:
            records = list(self._records.values())
            prev = self._first_kept_prev
        for record in records:
            if record.prev_hash != prev or chain_hash(prev, record.body) != record.hash:
                return False
            prev = record.hash
        return True

    def put_outbox(self, entry: OutboxEntry) -> None:
        with self._lock:
            self._refuse_if_faulted("outbox")
            self._outbox[entry.event_id] = entry

    def outbox(self) -> list[OutboxEntry]:
        with self._lock:
            return list(self._outbox.values())

    def remove_outbox(self, event_id: str) -> bool:
        with self._lock:
            return self._outbox.pop(event_id, None) is not None

    @property
    def audit_count(self) -> int:
        """Every audit record ever written (retained or not)."""
        with self._lock:
            return self._seq

    @property
    def rejected_writes(self) -> int:
        with self._lock:
            return self._rejected
