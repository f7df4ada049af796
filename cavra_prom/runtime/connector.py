"""The downstream connector: consume decision events, deliver them with a timeout, retry
with bounded, jittered backoff, and dead-letter what still fails, with a record of why.

The connector is a bus consumer group; it acks an event only once the event is delivered or
dead-lettered, so an event it cannot place anywhere stays on the topic and is retried on the
next pump (never lost). With ``fail_closed`` off it drops exhausted events instead.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from typing import Literal

from cavra_prom.errors import TargetError
from cavra_prom.runtime.bus import DLQ_SUFFIX, BusRecord, EventBus
from cavra_prom.runtime.faults import (
    CONNECTOR_TIMEOUT,
    BusUnavailableError,
    DeliveryTimeout,
    FaultSwitchboard,
    RuntimeFault,
)

DeliveryResult = Literal["delivered", "dead_lettered", "dropped", "pending"]


class DeliveryRejected(RuntimeFault):
    """The downstream refused the event itself (malformed): retrying cannot help."""


class Downstream:
    """The external system. While the timeout fault is on it stalls past any timeout."""

    def __init__(self, faults: FaultSwitchboard) -> None:
        self._faults = faults
        self._lock = threading.Lock()
        self._received: dict[str, int] = {}

    def receive(self, record: BusRecord, timeout: float) -> None:
        if self._faults.active(CONNECTOR_TIMEOUT) and not self._faults.wait_cleared(
            CONNECTOR_TIMEOUT, timeout
        ):
            raise DeliveryTimeout(f"downstream did not answer within {timeout:.3f}s")
        try:
            event = json.loads(record.payload)
            event_id = event["decision_id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryRejected(f"malformed event at offset {record.offset}") from exc
        with self._lock:
            self._received[str(event_id)] = self._received.get(str(event_id), 0) + 1

    def received_ids(self) -> set[str]:
        with self._lock:
            return set(self._received)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    offset: int
    key: str
    result: DeliveryResult
    attempts: int
    timeouts: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectorSettings:
    topic: str
    group: str = "connector"
    timeout_seconds: float = 0.002
    max_attempts: int = 3
    backoff_base_seconds: float = 0.001
    backoff_max_seconds: float = 0.004
    fail_closed: bool = True
    seed: int = 1


class Connector:
    def __init__(self, bus: EventBus, downstream: Downstream, settings: ConnectorSettings) -> None:
        self._bus, self._downstream, self._s = bus, downstream, settings
        self._pump_lock = threading.Lock()  # one consumer per group, as with a partition owner
        self._rng = random.Random(settings.seed)
        self._outcomes: list[DeliveryOutcome] = []

    def pump(self, max_records: int = 100) -> list[DeliveryOutcome]:
        """Deliver what is waiting on the topic; returns this pass's outcomes."""
        outcomes: list[DeliveryOutcome] = []
        with self._pump_lock:
            for record in self._bus.poll(self._s.topic, self._s.group, max_records):
                outcome = self._deliver(record)
                outcomes.append(outcome)
                if outcome.result == "pending":
                    break  # not acked: the next pump retries it
                self._bus.ack(self._s.topic, self._s.group, record.offset + 1)
            self._outcomes.extend(outcomes)
        return outcomes

    def _deliver(self, record: BusRecord) -> DeliveryOutcome:
        timeouts, error = 0, ""
        for attempt in range(1, self._s.max_attempts + 1):
            try:
                self._downstream.receive(record, self._s.timeout_seconds)
            except DeliveryTimeout as exc:
                timeouts, error = timeouts + 1, str(exc)
            except DeliveryRejected as exc:
                return self._give_up(record, attempt, timeouts, f"rejected: {exc}")
            else:
                return DeliveryOutcome(record.offset, record.key, "delivered", attempt, timeouts)
            if attempt < self._s.max_attempts:
                time.sleep(self._backoff(attempt))
        return self._give_up(record, self._s.max_attempts, timeouts, f"timeout: {error}")

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped at backoff_max, with +-50% jitter (seeded)."""
        ceiling = min(
            self._s.backoff_max_seconds, self._s.backoff_base_seconds * 2.0 ** (attempt - 1)
        )
        return ceiling * (0.5 + self._rng.random() / 2)

    def _give_up(
        self, record: BusRecord, attempts: int, timeouts: int, why: str
    ) -> DeliveryOutcome:
        if not self._s.fail_closed:
            return DeliveryOutcome(record.offset, record.key, "dropped", attempts, timeouts, why)
        try:
            self._bus.dead_letter(record, why, attempts)
        except (BusUnavailableError, TargetError) as exc:
            why = f"{why}; dead-letter failed: {exc}"
            return DeliveryOutcome(record.offset, record.key, "pending", attempts, timeouts, why)
        return DeliveryOutcome(record.offset, record.key, "dead_lettered", attempts, timeouts, why)

    def lag(self) -> int:
        """Events on the topic this connector has not yet delivered or dead-lettered."""
        return self._bus.consumer_lag(self._s.topic, self._s.group)

    def outcomes(self) -> list[DeliveryOutcome]:
        """Every outcome so far (pending ones are retried later and appear again)."""
        with self._pump_lock:
            return list(self._outcomes)

    def redrive_dead_letters(self, max_records: int = 1000) -> int:
        """Deliver DLQ records once more (after an outage); returns how many got through."""
        dlq, group = self._s.topic + DLQ_SUFFIX, self._s.group + ".redrive"
        delivered = 0
        with self._pump_lock:
            for record in self._bus.poll(dlq, group, max_records):
                try:
                    self._downstream.receive(record, self._s.timeout_seconds)
                except RuntimeFault:
                    break  # still failing: leave it (and the rest) on the DLQ
                self._bus.ack(dlq, group, record.offset + 1)
                delivered += 1
        return delivered
