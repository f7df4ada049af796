"""An optional target capability: run a whole load phase itself, on its own event loop.

The runner drives most targets with one thread per worker calling a blocking operation. That
is right for a Python function or a command, and wrong for HTTP: a thread per request in
CPython tops out at a few thousand requests per second, while one event loop with an async
client reaches the throughput the issue asks for. A target that implements
:class:`PhaseDriver` is handed the phase (its mode, rate, bounds) and records every operation
through the same ``record`` callable (``SuiteSeries.record``) and reports exceptions to the
same error sampler, so metrics, evaluation, packet, rules and board do not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cavra_prom.spec.model import LoadMode

ErrorSink = Callable[[BaseException], None]
"""Where a driver reports an operation's exception (the runner's error sampler)."""


@dataclass(frozen=True)
class PhasePlan:
    """One phase as the runner sees it: the load model and exactly one bound."""

    mode: LoadMode
    concurrency: int
    arrival_rate_per_second: float | None
    seconds: float | None
    iterations: int | None
    seed: int


@dataclass(frozen=True)
class PhaseOutcome:
    """What a driven phase reports back: its active time, scheduling lags and issued count."""

    active_seconds: float
    lags: tuple[float, ...]
    issued: int


@runtime_checkable
class PhaseDriver(Protocol):
    """A target that runs phases itself (see module docstring)."""

    def run_phase(
        self,
        plan: PhasePlan,
        record: Callable[[float], None],
        on_error: ErrorSink,
        on_tick: Callable[[float], None],
    ) -> PhaseOutcome:
        """Run the phase to its bound; ``record(±seconds)`` per operation, as the runner does."""
        ...
