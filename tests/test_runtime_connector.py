"""The connector: timeout, bounded retries, dead-letter accounting, redrive."""

from __future__ import annotations

import json

from cavra_prom.runtime.bus import DLQ_SUFFIX, EventBus
from cavra_prom.runtime.connector import Connector, ConnectorSettings, Downstream
from cavra_prom.runtime.faults import CONNECTOR_TIMEOUT, FaultSwitchboard

TOPIC = "events"


def setup(
    *, fail_closed: bool = True, dead_letter: bool = True, attempts: int = 3
) -> tuple[Connector, EventBus, Downstream, FaultSwitchboard]:
    faults = FaultSwitchboard()
    bus = EventBus(faults, dead_letter=dead_letter)
    downstream = Downstream(faults)
    settings = ConnectorSettings(
        topic=TOPIC, timeout_seconds=0.001, max_attempts=attempts,
        backoff_base_seconds=0.0005, backoff_max_seconds=0.001, fail_closed=fail_closed,
    )  # fmt: skip
    return Connector(bus, downstream, settings), bus, downstream, faults


def publish(bus: EventBus, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        bus.publish(TOPIC, f"d-{i}", json.dumps({"decision_id": f"d-{i}"}).encode())


def test_healthy_delivery_is_first_attempt_and_acked() -> None:
    connector, bus, downstream, _ = setup()
    publish(bus, 4)
    outcomes = connector.pump()
    assert [(o.result, o.attempts, o.timeouts) for o in outcomes] == [("delivered", 1, 0)] * 4
    assert downstream.received_ids() == {"d-0", "d-1", "d-2", "d-3"}
    assert connector.lag() == 0
    assert connector.pump() == []


def test_timeouts_are_retried_then_dead_lettered_with_a_record() -> None:
    connector, bus, downstream, faults = setup(attempts=3)
    publish(bus, 5)
    with faults.injected(CONNECTOR_TIMEOUT):
        outcomes = connector.pump()
    assert len(outcomes) == 5
    assert all(o.result == "dead_lettered" for o in outcomes)
    assert sum(o.timeouts for o in outcomes) == 15
    assert sum(o.attempts - 1 for o in outcomes) == 10  # retries
    dlq = bus.read(TOPIC + DLQ_SUFFIX)
    assert [r.header("dlq.source_offset") for r in dlq] == ["0", "1", "2", "3", "4"]
    assert all(r.header("dlq.attempts") == "3" for r in dlq)
    assert all((r.header("dlq.reason") or "").startswith("timeout") for r in dlq)
    delivered = sum(o.result == "delivered" for o in outcomes)
    assert delivered + len(dlq) == len(outcomes)
    assert downstream.received_ids() == set()
    assert connector.lag() == 0  # dead-lettered events are acked: placed, not lost


def test_dead_letters_are_redriven_after_recovery() -> None:
    connector, bus, downstream, faults = setup()
    publish(bus, 3)
    with faults.injected(CONNECTOR_TIMEOUT):
        connector.pump()
        assert connector.redrive_dead_letters() == 0  # still failing: stays on the DLQ
    assert connector.redrive_dead_letters() == 3
    assert downstream.received_ids() == {"d-0", "d-1", "d-2"}
    assert connector.redrive_dead_letters() == 0


def test_unsafe_connector_drops_what_it_cannot_deliver() -> None:
    connector, bus, _, faults = setup(fail_closed=False)
    publish(bus, 2)
    with faults.injected(CONNECTOR_TIMEOUT):
        outcomes = connector.pump()
    assert [o.result for o in outcomes] == ["dropped", "dropped"]
    assert bus.read(TOPIC + DLQ_SUFFIX) == []
    assert connector.lag() == 0  # acked and gone


def test_without_a_dlq_the_event_stays_on_the_topic_and_is_retried_later() -> None:
    connector, bus, downstream, faults = setup(dead_letter=False)
    publish(bus, 3)
    with faults.injected(CONNECTOR_TIMEOUT):
        outcomes = connector.pump()
    assert [o.result for o in outcomes] == ["pending"]  # head of line: stop, do not ack
    assert connector.lag() == 3
    assert [o.result for o in connector.pump()] == ["delivered"] * 3
    assert downstream.received_ids() == {"d-0", "d-1", "d-2"}


def test_malformed_event_is_dead_lettered_without_pointless_retries() -> None:
    connector, bus, _, _ = setup()
    bus.publish(TOPIC, "bad", b"not json")
    (outcome,) = connector.pump()
    assert (outcome.result, outcome.attempts, outcome.timeouts) == ("dead_lettered", 1, 0)
    (dlq,) = bus.read(TOPIC + DLQ_SUFFIX)
    assert (dlq.header("dlq.reason") or "").startswith("rejected")
