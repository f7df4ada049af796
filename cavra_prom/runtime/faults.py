"""Fault injection points of the reference runtime: a small thread-safe switchboard.

Drills flip a named fault on, drive load, and flip it off; the components consult the
switchboard at the exact point where the real failure would surface (the store's write, the
bus's append, the connector's downstream call, the policy artifact read). Keeping every switch
in one object means a drill can never leave a fault half-injected in some other component.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from cavra_prom.conventions import (
    DRILL_CONNECTOR_TIMEOUT,
    DRILL_EVENT_BUS_UNAVAILABLE,
    DRILL_POLICY_COMPILE_FAILURE,
    DRILL_STORE_WRITE_FAILURE,
)
from cavra_prom.errors import CavraError, TargetError

BUS_UNAVAILABLE: Final = DRILL_EVENT_BUS_UNAVAILABLE
STORE_WRITE_FAILURE: Final = DRILL_STORE_WRITE_FAILURE
CONNECTOR_TIMEOUT: Final = DRILL_CONNECTOR_TIMEOUT
POLICY_COMPILE_FAILURE: Final = DRILL_POLICY_COMPILE_FAILURE
FAULTS: Final = (BUS_UNAVAILABLE, STORE_WRITE_FAILURE, CONNECTOR_TIMEOUT, POLICY_COMPILE_FAILURE)
MAX_LATENCY_SECONDS: Final = 60.0
"""The largest injectable per-operation delay: beyond it a suite would simply stall."""


def check_latency(seconds: float) -> float:
    """A valid injectable latency as a float; TargetError naming what is wrong otherwise."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise TargetError(f"latency must be a finite number of seconds >= 0, got {seconds!r}")
    if seconds > MAX_LATENCY_SECONDS:
        raise TargetError(f"latency {seconds:g}s is above the maximum of {MAX_LATENCY_SECONDS:g}s")
    return float(seconds)


class RuntimeFault(CavraError):
    """A component of the reference runtime refused an operation (injected or real)."""


class StoreWriteError(RuntimeFault):
    """The audit store refused a write."""


class BusUnavailableError(RuntimeFault):
    """The event bus refused a write (or the publisher's breaker is open)."""


class DeliveryTimeout(RuntimeFault):
    """A downstream delivery did not complete within the connector's timeout."""


class FaultSwitchboard:
    """Named on/off faults, safe to read from many threads and to wait on.

    ``wait_cleared`` lets a component block the way a real stalled dependency would (a socket
    read that hangs until its timeout) and wake as soon as the fault is cleared.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: set[str] = set()
        self._latency_seconds = 0.0

    @staticmethod
    def _check(fault: str) -> None:
        if fault not in FAULTS:
            raise TargetError(f"unknown fault {fault!r}; known faults: {', '.join(FAULTS)}")

    def inject(self, fault: str) -> None:
        self._check(fault)
        with self._cond:
            self._active.add(fault)
            self._cond.notify_all()

    def clear(self, fault: str) -> None:
        self._check(fault)
        with self._cond:
            self._active.discard(fault)
            self._cond.notify_all()

    def active(self, fault: str) -> bool:
        # A set membership read is atomic; the lock is only needed for writers and waiters.
        return fault in self._active

    def active_faults(self) -> frozenset[str]:
        with self._cond:
            return frozenset(self._active)

    def wait_cleared(self, fault: str, timeout: float) -> bool:
        """Block until ``fault`` is cleared or ``timeout`` seconds pass; True if cleared."""
        with self._cond:
            return self._cond.wait_for(lambda: fault not in self._active, timeout=timeout)

    @property
    def latency_seconds(self) -> float:
        """Delay added to every reference operation (0 when the latency fault is off).

        Read on every operation, so it is a plain attribute read (atomic under the GIL).
        """
        return self._latency_seconds

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` of real delay to every operation from now on; 0 clears it.

        Unlike the on/off drill faults, a slowdown is a matter of degree: ``cavra serve``
        injects it so a regression alert or a blocked packet can be shown against a real,
        measured latency increase.
        """
        self._latency_seconds = check_latency(seconds)

    def delay(self) -> None:
        """Sleep the injected latency, if any (a real delay, as a slow dependency would add)."""
        seconds = self._latency_seconds
        if seconds > 0:
            time.sleep(seconds)

    @contextmanager
    def injected(self, fault: str) -> Iterator[None]:
        """Inject ``fault`` for the duration of a ``with`` block, clearing it on any exit."""
        self.inject(fault)
        try:
            yield
        finally:
            self.clear(fault)
