"""What every drill scenario provides, and the checks helper they share.

A scenario drives a fresh reference runtime through four phases that the runner sequences:
``before_fault`` (warm-up, baselines), ``under_fault`` (the workload while the fault is on),
``probe`` (is normal service back? polled after the fault is cleared) and
``after_recovery`` (drain, redrive). ``verdict`` then reads the runtime's own store, bus,
DLQ, outbox and evidence log; it never trusts a flag the runtime sets about itself.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from cavra_prom.drills.model import Observation
from cavra_prom.runtime import ReferenceRuntime
from cavra_prom.runtime.decisions import Decision
from cavra_prom.runtime.generate import random_request


@dataclass(frozen=True)
class Verdict:
    observed_behavior: str
    failure_reason: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure_reason is None


Check = tuple[bool, str, str]  # (failed?, observed word, reason)


def first_failure(checks: Iterable[Check], passed_word: str) -> Verdict:
    """The first failed check decides the verdict; none failed means the safe behaviour."""
    for failed, word, reason in checks:
        if failed:
            return Verdict(word, reason)
    return Verdict(passed_word)


class Scenario(ABC):
    fault: ClassVar[str]
    safe_behavior: ClassVar[str]

    def __init__(self, runtime: ReferenceRuntime, rng: random.Random) -> None:
        self.rt = runtime
        self.rng = rng
        self.observations: dict[str, Observation] = {}
        self._requests = 0

    def decide(self) -> Decision:
        """One governed decision on the next engine replica, from the drill's seeded rng."""
        self._requests += 1
        engine = self.rt.engines[self._requests % len(self.rt.engines)]
        return engine.decide(random_request(self.rng, f"drill-{self._requests}"))

    @abstractmethod
    def before_fault(self) -> None:
        """Warm up and record baselines."""

    @abstractmethod
    def under_fault(self, operations: int) -> None:
        """Drive ``operations`` operations while the fault is injected."""

    @abstractmethod
    def probe(self) -> bool:
        """One probe operation after the fault is cleared: True once service is normal."""

    @abstractmethod
    def after_recovery(self) -> None:
        """Catch-up work once the probe succeeded (drain, redrive), where there is any."""

    @abstractmethod
    def verdict(self, recovered: bool) -> Verdict:
        """Judge from what the runtime's own records show; fill ``observations``."""
