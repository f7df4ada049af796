"""Configuration of the reference runtime: seed, safety switch, replicas and component knobs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from cavra_prom.errors import TargetError

AckMode = Literal["explicit", "auto"]


@dataclass(frozen=True)
class RuntimeConfig:
    """Everything that shapes one reference runtime.

    ``fail_closed`` is the safety switch the drills exist to check. On (the default), the
    runtime never allows without a durable audit record, queues events it cannot publish,
    dead-letters deliveries it cannot complete and blocks a promotion it cannot compile. Off,
    it takes the unsafe shortcut at each of those points, so tests can prove the drills
    notice. The ``bus_*`` knobs change how the event bus really behaves (not what it claims),
    so the capability probe has something to measure.
    """

    seed: int = 1
    fail_closed: bool = True
    api_replicas: int = 2
    worker_replicas: int = 2
    # event bus
    bus_ack_mode: AckMode = "explicit"
    bus_retention_events: int | None = 50_000
    bus_dead_letter: bool = True
    replication_batch_events: int = 16
    # publisher circuit breaker
    breaker_failure_threshold: int = 3
    breaker_reset_seconds: float = 0.05
    # audit store
    audit_retention_records: int = 50_000
    # connector
    connector_timeout_seconds: float = 0.002
    connector_max_attempts: int = 3
    connector_backoff_base_seconds: float = 0.001
    connector_backoff_max_seconds: float = 0.004
    # monitoring replay
    monitoring_stream_events: int = 6_000
    monitoring_window_events: int = 400
    # policy lifecycle
    policy_fixture_count: int = 240
    policy_filler_rules: int = 16

    def __post_init__(self) -> None:
        problems = [f.name for f in fields(self) if not _valid(f.name, getattr(self, f.name))]
        if self.bus_ack_mode not in ("explicit", "auto"):
            problems.append("bus_ack_mode")
        if self.monitoring_window_events >= self.monitoring_stream_events:
            problems.append("monitoring_window_events (must be below monitoring_stream_events)")
        if problems:
            raise TargetError("invalid reference runtime config: " + ", ".join(problems))


_NON_NEGATIVE = {"connector_backoff_base_seconds", "connector_backoff_max_seconds"}
_UNCHECKED = {"seed", "fail_closed", "bus_ack_mode", "bus_dead_letter"}


def _valid(name: str, value: object) -> bool:
    """Counts must be at least 1 and durations positive; backoffs may be zero."""
    if name in _UNCHECKED:
        return True
    if value is None:
        return name == "bus_retention_events"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value >= 0 if name in _NON_NEGATIVE else value > 0
