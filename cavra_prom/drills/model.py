"""The result of one failure drill: what was injected, what was expected, what happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Observation = int | float | str | bool


@dataclass(frozen=True)
class DrillResult:
    """A drill's verdict and the measured values it rests on.

    ``observed_behavior`` is a short machine word: R6.1's word for the safe behaviour when the
    drill passed (e.g. ``fail_closed_or_retry``), otherwise a word naming what went wrong
    (e.g. ``unsafe_approval``, ``event_lost``, ``recovery_timeout``), with the detail in
    ``failure_reason``. Times are unix seconds; ``recovery_seconds`` is None when recovery was
    not reached (or not attempted).
    """

    drill_id: str
    fault: str
    injected_fault: str
    expected_behavior: str
    observed_behavior: str
    observations: Mapping[str, Observation] = field(default_factory=dict)
    passed: bool = False
    failure_reason: str | None = None
    started_at: float = 0.0
    ended_at: float = 0.0
    recovery_seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (observations copied, keys sorted)."""
        return {
            "drill_id": self.drill_id,
            "fault": self.fault,
            "injected_fault": self.injected_fault,
            "expected_behavior": self.expected_behavior,
            "observed_behavior": self.observed_behavior,
            "observations": dict(sorted(self.observations.items())),
            "passed": self.passed,
            "failure_reason": self.failure_reason,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "recovery_seconds": self.recovery_seconds,
        }
