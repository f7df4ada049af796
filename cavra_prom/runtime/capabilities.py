"""Measure the event bus's resilience capabilities by exercising them on a scratch topic.

Each answer comes from behaviour, not configuration: durable delivery means every published
record is delivered and an unacked one really comes back; replay means a group that seeks
back really re-reads the same payloads; lag means the reported lag really tracks publishes
and acks; the DLQ means a dead-lettered record really lands on the DLQ with its reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Final

from cavra_prom.errors import CavraError
from cavra_prom.runtime.bus import DLQ_SUFFIX, EventBus

CAPABILITIES: Final = ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics")
_probe_ids = itertools.count(1)
_PAYLOADS: Final = (b"probe-0", b"probe-1", b"probe-2")


def _scratch(bus: EventBus) -> str:
    topic = f"_capability_probe.{next(_probe_ids)}"
    for i, payload in enumerate(_PAYLOADS):
        bus.publish(topic, f"k{i}", payload)
    return topic


def _durable_delivery(bus: EventBus) -> bool:
    topic = _scratch(bus)
    first = bus.poll(topic, "probe", 10)
    again = bus.poll(topic, "probe", 10)  # nothing acked: everything must come back
    if [r.payload for r in first] != list(_PAYLOADS) or again != first:
        return False
    bus.ack(topic, "probe", first[-1].offset + 1)
    return bus.poll(topic, "probe", 10) == []


def _replay(bus: EventBus) -> bool:
    topic = _scratch(bus)
    first = bus.poll(topic, "probe", 10)
    if first:
        bus.ack(topic, "probe", first[-1].offset + 1)
    bus.seek(topic, "probe", 0)
    again = bus.poll(topic, "probe", 10)
    return [r.payload for r in again] == list(_PAYLOADS)


def _consumer_lag(bus: EventBus) -> bool:
    topic = _scratch(bus)
    before = bus.consumer_lag(topic, "probe")
    got = bus.poll(topic, "probe", 2)
    if len(got) != 2:
        return False
    bus.ack(topic, "probe", got[-1].offset + 1)
    return before == len(_PAYLOADS) and bus.consumer_lag(topic, "probe") == len(_PAYLOADS) - 2


def _dead_letter(bus: EventBus) -> bool:
    topic = _scratch(bus)
    record = bus.read(topic, 0, 1)[0]
    bus.dead_letter(record, "capability probe", 1)
    dlq = bus.read(topic + DLQ_SUFFIX)
    return (
        len(dlq) == 1
        and dlq[0].payload == record.payload
        and dlq[0].header("dlq.reason") == "capability probe"
    )


_CHECKS: Final[dict[str, Callable[[EventBus], bool]]] = {
    "durable_delivery": _durable_delivery,
    "dead_letter_queue": _dead_letter,
    "replay": _replay,
    "consumer_lag_metrics": _consumer_lag,
}


def measure_capabilities(bus: EventBus) -> dict[str, bool]:
    """Run every probe; a probe that raises (e.g. the bus refuses writes) measured False."""
    results: dict[str, bool] = {}
    for name in CAPABILITIES:
        try:
            results[name] = _CHECKS[name](bus)
        except CavraError:  # refused writes, no DLQ: not exercisable, so not a capability
            results[name] = False
    return results
