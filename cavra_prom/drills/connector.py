"""Drill: the downstream connector's deliveries exceed their timeout.

Safe behaviour: every delivery that timed out was retried, and what still failed sits on the
dead-letter queue with a record of why (delivered + dead-lettered == attempted); once the
downstream answers again, the dead letters are redriven.
"""

from __future__ import annotations

from typing import ClassVar

from cavra_prom.drills.base import Scenario, Verdict, first_failure
from cavra_prom.runtime.bus import DLQ_SUFFIX
from cavra_prom.runtime.connector import DeliveryOutcome
from cavra_prom.runtime.decisions import DECISIONS_TOPIC
from cavra_prom.runtime.faults import CONNECTOR_TIMEOUT

_WARMUP = 5
_DLQ = DECISIONS_TOPIC + DLQ_SUFFIX


class ConnectorTimeout(Scenario):
    fault: ClassVar[str] = CONNECTOR_TIMEOUT
    safe_behavior: ClassVar[str] = "retry_or_dlq"

    def before_fault(self) -> None:
        for _ in range(_WARMUP):
            self.decide()
        self.rt.connector.pump()
        self.dlq_start = self.rt.bus.end_offset(_DLQ)
        self.outcomes: list[DeliveryOutcome] = []
        self.redriven = 0

    def under_fault(self, operations: int) -> None:
        for _ in range(operations):
            self.decide()
            self.outcomes.extend(self.rt.connector.pump())
        self.lag_after_fault = self.rt.connector.lag()

    def probe(self) -> bool:
        self.decide()
        outcomes = self.rt.connector.pump()
        return bool(outcomes) and all(o.result == "delivered" and not o.timeouts for o in outcomes)

    def after_recovery(self) -> None:
        self.redriven = self.rt.connector.redrive_dead_letters()

    def _final(self) -> dict[int, DeliveryOutcome]:
        """The last outcome per event (a pending event is tried again on later pumps)."""
        return {o.offset: o for o in self.outcomes}

    def verdict(self, recovered: bool) -> Verdict:
        final = list(self._final().values())
        count = {r: sum(o.result == r for o in final) for r in ("delivered", "dead_lettered")}
        pending = sum(o.result == "pending" for o in final)
        lost = len(final) - count["delivered"] - count["dead_lettered"] - pending
        max_attempts = self.rt.config.connector_max_attempts
        not_retried = [
            o for o in final if o.timeouts and o.result != "delivered" and o.attempts < max_attempts
        ]
        dlq = {
            int(r.header("dlq.source_offset") or -1): r
            for r in self.rt.bus.read(_DLQ, self.dlq_start)
        }
        unrecorded = [
            o
            for o in final
            if o.result == "dead_lettered"
            and not (o.offset in dlq and dlq[o.offset].header("dlq.reason"))
        ]
        timeouts = sum(o.timeouts for o in self.outcomes)
        self.observations.update(
            attempted=len(final),
            delivered=count["delivered"],
            delivered_after_retry=sum(o.result == "delivered" and o.attempts > 1 for o in final),
            dead_lettered=count["dead_lettered"],
            pending=pending,
            lost=lost,
            retries=sum(o.attempts - 1 for o in self.outcomes),
            timeouts=timeouts,
            dlq_records=len(dlq),
            dlq_redriven=self.redriven,
            consumer_lag_after_fault=self.lag_after_fault,
        )
        return first_failure(
            [
                (not final, "no_deliveries", "no delivery was attempted during the fault"),
                (lost > 0, "delivery_lost",
                 f"{lost} of {len(final)} events were neither delivered nor dead-lettered"),
                (timeouts == 0, "fault_not_observed", "no delivery timed out during the fault"),
                (bool(not_retried), "not_retried",
                 f"{len(not_retried)} timed-out deliveries were given up before "
                 f"{max_attempts} attempts"),
                (bool(unrecorded), "dlq_record_missing",
                 f"{len(unrecorded)} dead-lettered events have no DLQ record with a reason"),
                (recovered and self.redriven < count["dead_lettered"], "dlq_not_redriven",
                 f"{self.redriven} of {count['dead_lettered']} dead letters redelivered "
                 "after recovery"),
            ],
            self.safe_behavior,
        )  # fmt: skip
