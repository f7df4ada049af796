"""One side of a comparison: a latency histogram, the raw durations when kept, a throughput.

A baseline read from a packet or from Prometheus is a histogram (cumulative counts over
bucket bounds); an embedded run also has its raw durations. Two histograms are compared on the
bounds they share, where both counts are exact; raw durations are counted into the other
side's bounds. Nothing here interpolates except :func:`share_above` between bounds, and it
says so.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cavra_prom.histogram import bucket_counts

_SAME_BOUND = 1e-9
"""Relative distance under which two bucket bounds are the same ``le`` (text round trips)."""


@dataclass(frozen=True)
class LatencyData:
    """Cumulative counts over ``bounds`` (seconds, ascending, the last is +Inf).

    ``raw`` holds the sorted durations (seconds) when they were kept (embedded runs). Counts
    may be fractional (Prometheus's ``increase()`` extrapolates); :attr:`count` rounds.
    """

    bounds: tuple[float, ...]
    cumulative: tuple[float, ...]
    raw: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.bounds) != len(self.cumulative) or not self.bounds:
            raise ValueError("bounds and cumulative counts must be non-empty and line up")
        if not math.isinf(self.bounds[-1]):
            raise ValueError("the last bucket bound must be +Inf")

    @classmethod
    def from_raw(cls, durations: Iterable[float], bounds: Sequence[float]) -> LatencyData:
        ordered = tuple(sorted(durations))
        buckets = bucket_counts(ordered, bounds)
        return cls(tuple(b for b, _ in buckets), tuple(c for _, c in buckets), ordered)

    @property
    def count(self) -> int:
        return round(self.cumulative[-1])

    def buckets(self) -> list[tuple[float, float]]:
        return list(zip(self.bounds, self.cumulative, strict=True))

    def int_cumulative(self) -> list[int]:
        """Counts rounded to whole observations, kept monotonic (for the exact tests)."""
        out: list[int] = []
        running = 0
        for value in self.cumulative:
            running = max(running, round(value) if math.isfinite(value) else running)
            out.append(running)
        return out

    def at_bounds(self, bounds: Sequence[float]) -> LatencyData:
        """This data on a subset of its bounds (or, with raw durations, on any bounds)."""
        if self.raw is not None:
            return LatencyData.from_raw(self.raw, [b for b in bounds if math.isfinite(b)])
        index = {_key(b): c for b, c in zip(self.bounds, self.cumulative, strict=True)}
        counts = tuple(index[_key(b)] for b in bounds)
        return LatencyData(tuple(bounds), counts, None)

    def without_raw(self) -> LatencyData:
        return LatencyData(self.bounds, self.cumulative, None)


def _key(bound: float) -> float:
    """A bound as an index key: +Inf stays, finite bounds rounded to 12 significant digits."""
    return bound if math.isinf(bound) else float(f"{bound:.12g}")


def common_bounds(a: LatencyData, b: LatencyData) -> tuple[float, ...]:
    """The bounds both sides can be counted at exactly.

    Raw durations can be counted at any bound, so a raw side takes the other side's bounds;
    two histograms share only the bounds both have (``+Inf`` always).
    """
    if a.raw is not None and b.raw is None:
        return b.bounds
    if b.raw is not None:
        return a.bounds
    theirs = {_key(x) for x in b.bounds}
    shared = [x for x in a.bounds if _key(x) in theirs]
    return tuple(shared)


def aligned(baseline: LatencyData, current: LatencyData) -> tuple[LatencyData, LatencyData]:
    """Both sides on their common bounds, without raw durations (histogram comparison)."""
    bounds = common_bounds(baseline, current)
    return baseline.at_bounds(bounds).without_raw(), current.at_bounds(bounds).without_raw()


def share_above(data: LatencyData, value: float) -> float:
    """Share of observations above ``value``: exact from raw durations, else interpolated
    linearly inside the bucket holding ``value`` (the lowest bucket starts at 0), the same
    assumption ``histogram_quantile`` makes. Only used to size samples, never for a verdict.
    """
    total = data.cumulative[-1]
    if total <= 0:
        return math.nan
    if data.raw is not None:
        return (len(data.raw) - bisect.bisect_right(data.raw, value)) / len(data.raw)
    index = bisect.bisect_left(data.bounds, value)
    if index >= len(data.bounds) - 1:  # inside the +Inf bucket: the interpolation has no top
        below = data.cumulative[-2] if len(data.bounds) > 1 else 0.0
        return 1.0 - below / total
    upper, upper_count = data.bounds[index], data.cumulative[index]
    lower = data.bounds[index - 1] if index > 0 else 0.0
    lower_count = data.cumulative[index - 1] if index > 0 else 0.0
    width = upper - lower
    fraction = 1.0 if width <= 0 else (value - lower) / width
    at_or_below = lower_count + (upper_count - lower_count) * min(max(fraction, 0.0), 1.0)
    return 1.0 - at_or_below / total


@dataclass(frozen=True)
class ThroughputData:
    """Operations over active seconds: the throughput and the counts behind it."""

    operations: float
    active_seconds: float

    @property
    def per_second(self) -> float | None:
        if self.active_seconds <= 0 or not math.isfinite(self.active_seconds):
            return None
        return self.operations / self.active_seconds

    @classmethod
    def from_rate(cls, operations: float, per_second: float | None) -> ThroughputData | None:
        """From a count and a reported rate (a packet states both): active = count / rate."""
        if per_second is None or per_second <= 0 or operations <= 0:
            return None
        return cls(operations, operations / per_second)
