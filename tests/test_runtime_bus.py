"""The event bus (delivery, replay, lag, DLQ, replica), its capability probe and the breaker."""

from __future__ import annotations

import pytest

from cavra_prom.errors import TargetError
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.runtime.breaker import CircuitBreaker
from cavra_prom.runtime.bus import DLQ_SUFFIX, EventBus
from cavra_prom.runtime.capabilities import measure_capabilities
from cavra_prom.runtime.faults import BUS_UNAVAILABLE, BusUnavailableError, FaultSwitchboard


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fill(bus: EventBus, topic: str, n: int) -> None:
    for i in range(n):
        bus.publish(topic, f"k{i}", f"v{i}".encode())


def test_unacked_records_are_redelivered_until_acked() -> None:
    bus = EventBus(FaultSwitchboard())
    fill(bus, "t", 3)
    first = bus.poll("t", "g", 2)
    assert [r.offset for r in first] == [0, 1]
    assert bus.poll("t", "g", 2) == first
    bus.ack("t", "g", 2)
    assert [r.payload for r in bus.poll("t", "g", 10)] == [b"v2"]
    assert bus.poll("t", "other", 10)[0].offset == 0  # groups are independent


def test_auto_ack_mode_is_at_most_once() -> None:
    bus = EventBus(FaultSwitchboard(), ack_mode="auto")
    fill(bus, "t", 3)
    assert len(bus.poll("t", "g", 10)) == 3
    assert bus.poll("t", "g", 10) == []


def test_replay_and_lag() -> None:
    bus = EventBus(FaultSwitchboard())
    fill(bus, "t", 5)
    assert bus.consumer_lag("t", "g") == 5
    bus.ack("t", "g", 4)
    assert bus.consumer_lag("t", "g") == 1
    assert bus.seek("t", "g", 1) == 1
    assert bus.consumer_lag("t", "g") == 4
    assert [r.offset for r in bus.poll("t", "g", 10)] == [1, 2, 3, 4]


def test_retention_drops_old_records_and_replay_lands_on_the_oldest_kept() -> None:
    bus = EventBus(FaultSwitchboard(), retention=2)
    fill(bus, "t", 5)
    assert [r.offset for r in bus.read("t")] == [3, 4]
    assert bus.seek("t", "g", 0) == 3
    assert bus.consumer_lag("t", "g") == 2


def test_dead_letter_records_reason_attempts_and_source() -> None:
    bus = EventBus(FaultSwitchboard())
    fill(bus, "t", 2)
    record = bus.read("t", 1, 1)[0]
    bus.dead_letter(record, "timeout", 3)
    (dlq,) = bus.read("t" + DLQ_SUFFIX)
    assert dlq.payload == b"v1"
    assert (dlq.header("dlq.reason"), dlq.header("dlq.attempts")) == ("timeout", "3")
    assert dlq.header("dlq.source_offset") == "1"
    with pytest.raises(TargetError):
        EventBus(FaultSwitchboard(), dead_letter=False).dead_letter(record, "x", 1)


def test_fault_refuses_writes_and_counts_them_but_reads_still_work() -> None:
    faults = FaultSwitchboard()
    bus = EventBus(faults)
    fill(bus, "t", 1)
    with faults.injected(BUS_UNAVAILABLE):
        with pytest.raises(BusUnavailableError):
            bus.publish("t", "k", b"x")
        assert len(bus.read("t")) == 1
    assert bus.rejected_writes == 1
    assert bus.publish("t", "k", b"x") == 1


def test_replica_trails_until_a_replication_step() -> None:
    clock = FakeClock()
    bus = EventBus(FaultSwitchboard(), clock=clock)
    fill(bus, "t", 3)
    clock.now += 2.5
    fill(bus, "u", 1)
    status = bus.replication_status()
    assert (status.unreplicated_events, status.oldest_unreplicated_age_seconds) == (4, 2.5)
    assert bus.replicate(max_records=2) == 3  # two from t, one from u
    status = bus.replication_status()
    assert (status.unreplicated_events, status.oldest_unreplicated_age_seconds) == (1, 2.5)
    assert bus.replicate() == 1
    assert bus.replication_status().unreplicated_events == 0
    assert [r.payload for r in bus.read_replica("t")] == [b"v0", b"v1", b"v2"]


def test_replicate_when_behind_waits_for_the_threshold() -> None:
    bus = EventBus(FaultSwitchboard())
    fill(bus, "t", 3)
    assert bus.replicate_when_behind(4) == 0
    fill(bus, "t", 1)
    assert bus.replicate_when_behind(4) == 4


def test_capabilities_are_measured_on_the_default_runtime() -> None:
    caps = ReferenceRuntime(RuntimeConfig(seed=1)).event_bus_capabilities()
    assert caps == {
        "durable_delivery": True,
        "dead_letter_queue": True,
        "replay": True,
        "consumer_lag_metrics": True,
    }


@pytest.mark.parametrize(
    ("bus_kwargs", "missing"),
    [
        ({"ack_mode": "auto"}, {"durable_delivery"}),
        ({"retention": 1}, {"durable_delivery", "replay", "consumer_lag_metrics"}),
        ({"dead_letter": False}, {"dead_letter_queue"}),
    ],
)
def test_capability_probe_notices_a_weaker_bus(
    bus_kwargs: dict[str, object], missing: set[str]
) -> None:
    caps = measure_capabilities(EventBus(FaultSwitchboard(), **bus_kwargs))  # type: ignore[arg-type]
    assert {name for name, ok in caps.items() if not ok} == missing


def test_capability_probe_fails_while_the_bus_refuses_writes() -> None:
    faults = FaultSwitchboard()
    faults.inject(BUS_UNAVAILABLE)
    assert not any(measure_capabilities(EventBus(faults)).values())


def state(breaker: CircuitBreaker) -> str:
    return breaker.state  # a call, so the type checker does not pin the property's value


def test_breaker_opens_half_opens_and_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=1.0, clock=clock)
    breaker.record_failure()
    assert state(breaker) == "closed" and breaker.allow()
    breaker.record_failure()
    assert state(breaker) == "open" and not breaker.allow()
    clock.now += 1.0
    assert state(breaker) == "half_open" and breaker.allow()
    breaker.record_failure()  # a failed trial re-opens for a full reset period
    assert not breaker.allow()
    clock.now += 1.0
    breaker.record_success()
    assert state(breaker) == "closed"
