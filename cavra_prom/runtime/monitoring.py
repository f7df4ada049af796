"""Continuous monitoring, replayed: push a recorded event window through the detectors.

Four detectors of the kind a governance monitor runs: a rate anomaly (events in a sliding
window against an exponentially weighted baseline), a denied-burst detector (one principal
denied again and again within seconds), a fan-out detector (one principal touching many
distinct resources) and a pattern matcher (risky single events that got through, and a
read-then-export sequence on the same personal record). Each replay gets fresh detectors, so
windows are independent and many workers can replay at once.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cavra_prom.runtime.generate import StreamEvent


@dataclass(frozen=True, slots=True)
class Alert:
    detector: str
    subject: str
    ts: float
    detail: str


class Detector(Protocol):
    name: str

    def observe(self, event: StreamEvent) -> Alert | None: ...


class RateAnomalyDetector:
    """Flags a sliding-window rate far above its baseline, then stays quiet for a window.

    The baseline (an EWMA of the windowed rate and of its variance) is sampled on a fixed
    stream-time cadence, not per event, so a sudden spike cannot drag its own baseline up.
    """

    name = "rate_anomaly"

    def __init__(
        self, window_seconds: float = 1.0, z: float = 4.0, sample_seconds: float = 0.25
    ) -> None:
        self._window, self._z, self._every = window_seconds, z, sample_seconds
        self._times: deque[float] = deque()
        self._mean = self._var = 0.0
        self._samples = 0
        self._next_sample = -math.inf
        self._quiet_until = -math.inf
        self._started: float | None = None

    def observe(self, event: StreamEvent) -> Alert | None:
        self._times.append(event.ts)
        while self._times[0] < event.ts - self._window:
            self._times.popleft()
        rate = len(self._times) / self._window
        alert = None
        threshold = self._mean + self._z * math.sqrt(self._var) + 1.0
        if self._samples >= 4 and rate > threshold and event.ts >= self._quiet_until:
            alert = Alert(self.name, "stream", event.ts, f"{rate:.0f}/s > {threshold:.0f}/s")
            self._quiet_until = event.ts + self._window
        if self._started is None:
            self._started = event.ts
        filled = event.ts - self._started >= self._window  # a part-filled window is no baseline
        if filled and event.ts >= self._next_sample and event.ts >= self._quiet_until:
            self._sample(rate)
            self._next_sample = event.ts + self._every
        return alert

    def _sample(self, rate: float) -> None:
        self._samples += 1
        alpha = 1.0 / self._samples if self._samples <= 4 else 0.1
        diff = rate - self._mean
        self._mean += alpha * diff
        self._var = (1 - alpha) * (self._var + alpha * diff * diff)


class FanoutDetector:
    """Flags a principal touching more than ``threshold`` distinct resources in a window."""

    name = "fanout"

    def __init__(self, window_seconds: float = 5.0, threshold: int = 30) -> None:
        self._window, self._threshold = window_seconds, threshold
        self._seen: dict[str, tuple[deque[tuple[float, str]], Counter[str]]] = {}

    def observe(self, event: StreamEvent) -> Alert | None:
        times, counts = self._seen.setdefault(event.principal, (deque(), Counter()))
        times.append((event.ts, event.resource))
        counts[event.resource] += 1
        while times[0][0] < event.ts - self._window:
            _, old = times.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if len(counts) <= self._threshold:
            return None
        times.clear()
        counts.clear()
        return Alert(self.name, event.principal, event.ts, f">{self._threshold} resources")


class DeniedBurstDetector:
    """Flags a principal denied ``threshold`` times within ``window_seconds``."""

    name = "denied_burst"

    def __init__(self, window_seconds: float = 2.0, threshold: int = 6) -> None:
        self._window, self._threshold = window_seconds, threshold
        self._denies: dict[str, deque[float]] = {}

    def observe(self, event: StreamEvent) -> Alert | None:
        if event.effect != "deny":
            return None
        times = self._denies.setdefault(event.principal, deque())
        times.append(event.ts)
        while times[0] < event.ts - self._window:
            times.popleft()
        if len(times) < self._threshold:
            return None
        times.clear()  # one alert per burst
        return Alert(self.name, event.principal, event.ts, f"{self._threshold} denies")


class PatternMatcher:
    """Risky single events that were allowed, and read-then-export of one personal record."""

    name = "pattern"
    _RISKY = (
        (re.compile(r"^secrets/"), frozenset({"export", "delete"}), "secret_exfiltration"),
        (re.compile(r"^audit/"), frozenset({"delete", "write"}), "audit_tampering"),
    )
    _PII = re.compile(r"^pii/(\d+)$")

    def __init__(self, sequence_seconds: float = 10.0) -> None:
        self._within = sequence_seconds
        self._pii_reads: dict[tuple[str, str], float] = {}

    def observe(self, event: StreamEvent) -> Alert | None:
        for pattern, actions, label in self._RISKY:
            if (
                event.effect == "allow"
                and event.action in actions
                and pattern.search(event.resource)
            ):
                return Alert(self.name, event.principal, event.ts, label)
        match = self._PII.match(event.resource)
        if match is None:
            return None
        key = (event.principal, match.group(1))
        if event.action == "read":
            self._pii_reads[key] = event.ts
        elif event.action == "export":
            read_at = self._pii_reads.pop(key, None)
            if read_at is not None and event.ts - read_at <= self._within:
                return Alert(self.name, event.principal, event.ts, "pii_read_then_export")
        return None


@dataclass(frozen=True, slots=True)
class WindowReport:
    start: int
    events: int
    alerts: tuple[Alert, ...]

    def by_detector(self) -> Counter[str]:
        return Counter(a.detector for a in self.alerts)


def default_detectors() -> list[Detector]:
    return [RateAnomalyDetector(), DeniedBurstDetector(), FanoutDetector(), PatternMatcher()]


class MonitoringReplay:
    """Owns the recorded stream (built lazily, once) and replays windows of it."""

    def __init__(
        self,
        stream_factory: Callable[[], tuple[StreamEvent, ...]],
        window_events: int,
        detectors: Callable[[], list[Detector]] = default_detectors,
    ) -> None:
        self._factory, self._window, self._detectors = stream_factory, window_events, detectors
        self._lock = threading.Lock()
        self._stream: tuple[StreamEvent, ...] | None = None
        self.windows_replayed = 0
        self.alerts_raised = 0

    @property
    def stream(self) -> tuple[StreamEvent, ...]:
        with self._lock:
            if self._stream is None:
                self._stream = self._factory()
            return self._stream

    @property
    def window_events(self) -> int:
        return self._window

    def replay(self, start: int) -> WindowReport:
        window = self.stream[start : start + self._window]
        detectors = self._detectors()
        alerts = []
        for event in window:
            for detector in detectors:
                alert = detector.observe(event)
                if alert is not None:
                    alerts.append(alert)
        with self._lock:
            self.windows_replayed += 1
            self.alerts_raised += len(alerts)
        return WindowReport(start, len(window), tuple(alerts))
