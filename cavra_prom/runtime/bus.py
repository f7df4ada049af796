"""The event bus: offset-addressed topic logs with consumer groups, a DLQ and a replica.

It models the properties R6.1 asks of a production bus, each of which the capability probe
exercises for real: *durable delivery* (a consumer sees a record again until it acks it),
*replay* (a group can seek back and re-read), *consumer lag* (end offset minus committed
offset) and a *dead-letter queue* (``<topic>.dlq``, each record carrying why and how often it
failed). A secondary replica trails the primary by whatever the last replication step
copied, so "events not yet replicated" at a given moment is a measurement, not a guess.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cavra_prom.errors import TargetError
from cavra_prom.runtime.config import AckMode
from cavra_prom.runtime.faults import BUS_UNAVAILABLE, BusUnavailableError, FaultSwitchboard

DLQ_SUFFIX = ".dlq"
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class BusRecord:
    topic: str
    offset: int
    key: str
    payload: bytes
    published_at: float  # bus clock (monotonic) seconds
    headers: Headers = ()

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


@dataclass(frozen=True, slots=True)
class ReplicationStatus:
    """What a failover to the replica would lose right now (the RPO observation)."""

    unreplicated_events: int
    oldest_unreplicated_age_seconds: float  # 0.0 when nothing is outstanding


@dataclass
class _Topic:
    records: list[BusRecord] = field(default_factory=list)
    base: int = 0  # offset of records[0]; older records were dropped by retention
    replica: list[BusRecord] = field(default_factory=list)
    replicated: int = 0  # offsets below this are on the replica
    committed: dict[str, int] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.base + len(self.records)

    def slice(self, start: int, limit: int | None) -> list[BusRecord]:
        begin = max(start, self.base) - self.base
        return self.records[begin : None if limit is None else begin + limit]


class EventBus:
    """Thread-safe: every operation holds the bus lock for a few list operations."""

    def __init__(
        self,
        faults: FaultSwitchboard,
        *,
        ack_mode: AckMode = "explicit",
        retention: int | None = None,
        dead_letter: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._faults = faults
        self._ack_mode, self._retention, self._dlq = ack_mode, retention, dead_letter
        self._clock = clock
        self._lock = threading.Lock()
        self._topics: dict[str, _Topic] = {}
        self._rejected = 0

    def _topic(self, name: str) -> _Topic:
        topic = self._topics.get(name)
        if topic is None:
            topic = self._topics[name] = _Topic()
        return topic

    def publish(self, topic: str, key: str, payload: bytes, headers: Headers = ()) -> int:
        """Append a record and return its offset; refused while the bus is unavailable."""
        with self._lock:
            if self._faults.active(BUS_UNAVAILABLE):
                self._rejected += 1
                raise BusUnavailableError(f"event bus refused write to {topic!r}")
            log = self._topic(topic)
            offset = log.end
            log.records.append(BusRecord(topic, offset, key, payload, self._clock(), headers))
            self._apply_retention(log)
            return offset

    def _apply_retention(self, log: _Topic) -> None:
        if self._retention is not None and len(log.records) > self._retention:
            drop = len(log.records) - self._retention
            del log.records[:drop]
            log.base += drop

    def read(self, topic: str, offset: int = 0, max_records: int | None = None) -> list[BusRecord]:
        """Plain read of retained records from ``offset`` (no consumer group involved)."""
        with self._lock:
            return self._topic(topic).slice(offset, max_records)

    def poll(self, topic: str, group: str, max_records: int) -> list[BusRecord]:
        """Records after the group's committed offset; auto-ack mode commits them at once."""
        with self._lock:
            log = self._topic(topic)
            records = log.slice(log.committed.get(group, 0), max_records)
            if self._ack_mode == "auto" and records:
                log.committed[group] = records[-1].offset + 1
            return records

    def ack(self, topic: str, group: str, next_offset: int) -> None:
        """Commit: the group has processed everything below ``next_offset``."""
        with self._lock:
            log = self._topic(topic)
            log.committed[group] = max(log.committed.get(group, 0), min(next_offset, log.end))

    def seek(self, topic: str, group: str, offset: int) -> int:
        """Move the group's position back (or forward) for replay; returns where it landed."""
        with self._lock:
            log = self._topic(topic)
            landed = min(max(offset, log.base), log.end)
            log.committed[group] = landed
            return landed

    def consumer_lag(self, topic: str, group: str) -> int:
        with self._lock:
            log = self._topic(topic)
            return log.end - max(log.committed.get(group, 0), log.base)

    def end_offset(self, topic: str) -> int:
        with self._lock:
            return self._topic(topic).end

    def dead_letter(self, record: BusRecord, reason: str, attempts: int) -> int:
        """Route a record to ``<topic>.dlq`` with why and how often it failed."""
        if not self._dlq:
            raise TargetError("this event bus has no dead-letter queue")
        headers = (
            ("dlq.reason", reason),
            ("dlq.attempts", str(attempts)),
            ("dlq.source_offset", str(record.offset)),
        )
        return self.publish(record.topic + DLQ_SUFFIX, record.key, record.payload, headers)

    @property
    def rejected_writes(self) -> int:
        with self._lock:
            return self._rejected

    # --- replication ---------------------------------------------------------------------
    def replicate(self, max_records: int | None = None) -> int:
        """One replication step: copy outstanding records to the replica; returns how many."""
        copied = 0
        with self._lock:
            for log in self._topics.values():
                batch = log.slice(log.replicated, max_records)
                log.replica.extend(batch)
                log.replicated = max(log.replicated, log.base) + len(batch)
                copied += len(batch)
                if self._retention is not None and len(log.replica) > self._retention:
                    del log.replica[: len(log.replica) - self._retention]
        return copied

    def replicate_when_behind(self, threshold: int) -> int:
        """Run a replication step once ``threshold`` records are outstanding (else no-op)."""
        with self._lock:
            pending = sum(
                log.end - max(log.replicated, log.base)
                for name, log in self._topics.items()
                if not name.startswith("_")
            )
        return self.replicate() if pending >= threshold else 0

    def replication_status(self, topics: Sequence[str] | None = None) -> ReplicationStatus:
        """Outstanding records across (non-internal) topics and the age of the oldest."""
        now = self._clock()
        count, oldest = 0, now
        with self._lock:
            for name, log in self._topics.items():
                if name.startswith("_") or (topics is not None and name not in topics):
                    continue
                pending = log.slice(log.replicated, None)
                count += len(pending)
                if pending:
                    oldest = min(oldest, pending[0].published_at)
        return ReplicationStatus(count, max(0.0, now - oldest) if count else 0.0)

    def read_replica(self, topic: str) -> list[BusRecord]:
        with self._lock:
            return list(self._topic(topic).replica)
