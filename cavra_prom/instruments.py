"""Suite instruments: a cheap hot path and collect-on-scrape Prometheus families.

Why not ``Histogram.observe`` per operation? A benchmark runner's recording must cost far less
than the work it measures. ``observe`` takes a lock and walks the buckets for every call (about
a microsecond here); our hot path is one ``list.append`` of the signed duration. The pending
durations are folded into cumulative bucket counts when Prometheus scrapes (or when a run ends),
the pattern prometheus-client recommends for derived state: a custom collector.

A duration is appended as ``+seconds`` for an ``ok`` outcome and ``-seconds`` for an ``error``
(``-0.0`` keeps its sign), so one atomic append carries both the latency and the outcome, and
concurrent workers never race on a shared counter.
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from cavra_prom import conventions as names

Record = Callable[[float], None]
"""The hot-path recorder: ``record(+seconds)`` for ok, ``record(-seconds)`` for an error."""


def signed_duration(seconds: float, ok: bool) -> float:
    """Encode an outcome in the sign of a duration (see module docstring)."""
    return seconds if ok else -seconds


def is_error(signed: float) -> bool:
    """True when a signed duration encodes an error outcome (including ``-0.0``)."""
    return math.copysign(1.0, signed) < 0


@dataclass
class _Cumulative:
    """Monotonic totals of one suite since the process started (what Prometheus scrapes)."""

    bucket_counts: list[int]
    sum_seconds: float = 0.0
    ok: int = 0
    error: int = 0
    within_slo: int = 0
    active_seconds: float = 0.0
    last_run_timestamp: float | None = None


@dataclass
class SuiteSeries:
    """The live series of one suite: a pending buffer, cumulative totals and a run capture.

    Workers append to ``pending`` through :attr:`record`; :meth:`fold` moves pending samples
    into the totals. Folding takes a prefix by index (``pending[:n]`` then ``del pending[:n]``),
    both atomic under the GIL, so appends that land meanwhile are kept for the next fold.
    """

    suite_id: str
    bounds: tuple[float, ...]
    threshold_seconds: float
    throughput_min: float
    pending: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _capture: list[float] | None = None
    _totals: _Cumulative = field(init=False)

    def __post_init__(self) -> None:
        if self.threshold_seconds not in self.bounds:
            raise ValueError(
                f"suite {self.suite_id}: bucket bounds must contain the threshold "
                f"{self.threshold_seconds!r} exactly"
            )
        if list(self.bounds) != sorted(set(self.bounds)) or not all(
            math.isfinite(b) for b in self.bounds
        ):
            raise ValueError(
                f"suite {self.suite_id}: bounds must be finite and strictly increasing"
            )
        self._totals = _Cumulative(bucket_counts=[0] * (len(self.bounds) + 1))

    @property
    def record(self) -> Record:
        """The bound ``append`` of the pending buffer: the whole hot path."""
        return self.pending.append

    def fold(self) -> None:
        """Move pending samples into the cumulative totals (and the run capture, if any)."""
        with self._lock:
            n = len(self.pending)
            if n == 0:
                return
            batch = self.pending[:n]
            del self.pending[:n]
            self._fold_batch(batch)
            if self._capture is not None:
                self._capture.extend(batch)

    def _fold_batch(self, batch: Sequence[float]) -> None:
        totals = self._totals
        counts = totals.bucket_counts
        bounds = self.bounds
        threshold = self.threshold_seconds
        errors = within = 0
        total = 0.0
        for signed in batch:
            seconds = abs(signed)
            counts[bisect_left(bounds, seconds)] += 1
            total += seconds
            if seconds <= threshold:
                within += 1
            if is_error(signed):
                errors += 1
        totals.sum_seconds += total
        totals.error += errors
        totals.ok += len(batch) - errors
        totals.within_slo += within

    def begin_capture(self) -> None:
        """Start keeping every folded sample, for a run's exact statistics."""
        self.fold()
        with self._lock:
            self._capture = []

    def end_capture(self, active_seconds: float, finished_at: float) -> list[float]:
        """Stop capturing; account the run's active time; return its signed durations."""
        self.fold()
        with self._lock:
            captured, self._capture = self._capture or [], None
            self._totals.active_seconds += active_seconds
            self._totals.last_run_timestamp = finished_at
        return captured

    def snapshot(self) -> _Cumulative:
        """A consistent copy of the totals after folding what is pending."""
        self.fold()
        with self._lock:
            t = self._totals
            return _Cumulative(
                bucket_counts=list(t.bucket_counts),
                sum_seconds=t.sum_seconds,
                ok=t.ok,
                error=t.error,
                within_slo=t.within_slo,
                active_seconds=t.active_seconds,
                last_run_timestamp=t.last_run_timestamp,
            )


class SuiteMetrics(Collector):
    """Exposes every suite metric of design.md from the suites' :class:`SuiteSeries`.

    Pass the registry to register with; ``None`` keeps the collector unregistered (useful when a
    caller only needs the runner's captured data). Never the global registry by default.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._series: dict[str, SuiteSeries] = {}
        self._lock = threading.Lock()
        if registry is not None:
            registry.register(self)

    def add_suite(
        self,
        suite_id: str,
        bounds: Sequence[float],
        threshold_seconds: float,
        throughput_min: float,
    ) -> SuiteSeries:
        """Create (or return the existing, identical) series for a suite."""
        with self._lock:
            existing = self._series.get(suite_id)
            if existing is not None:
                if existing.bounds != tuple(bounds):
                    raise ValueError(f"suite {suite_id} already registered with other buckets")
                return existing
            series = SuiteSeries(suite_id, tuple(bounds), threshold_seconds, throughput_min)
            self._series[suite_id] = series
            return series

    def series(self) -> list[SuiteSeries]:
        with self._lock:
            return list(self._series.values())

    def describe(self) -> Iterable[Metric]:
        """Families without samples, so registration checks names without folding data."""
        return _SuiteFamilies.new().all()

    def collect(self) -> Iterable[Metric]:
        f = _SuiteFamilies.new()
        for series in self.series():
            label = [series.suite_id]
            totals = series.snapshot()
            buckets = _cumulative_buckets(series.bounds, totals)
            f.latency.add_metric(label, buckets, totals.sum_seconds)
            f.operations.add_metric([series.suite_id, names.OUTCOME_OK], totals.ok)
            f.operations.add_metric([series.suite_id, names.OUTCOME_ERROR], totals.error)
            f.within.add_metric(label, totals.within_slo)
            f.active.add_metric(label, totals.active_seconds)
            if totals.last_run_timestamp is not None:
                f.last_run.add_metric(label, totals.last_run_timestamp)
            f.threshold.add_metric(label, series.threshold_seconds)
            f.floor.add_metric(label, series.throughput_min)
        return f.all()


@dataclass(frozen=True)
class _SuiteFamilies:
    """The suite metric families of one scrape, typed so each gets the right samples."""

    latency: HistogramMetricFamily
    operations: CounterMetricFamily
    within: CounterMetricFamily
    active: CounterMetricFamily
    last_run: GaugeMetricFamily
    threshold: GaugeMetricFamily
    floor: GaugeMetricFamily

    @classmethod
    def new(cls) -> _SuiteFamilies:
        suite = [names.LABEL_SUITE]
        return cls(
            latency=HistogramMetricFamily(
                names.SUITE_LATENCY_SECONDS, "Latency of suite operations.", labels=suite
            ),
            operations=CounterMetricFamily(
                names.SUITE_OPERATIONS,
                "Suite operations by outcome.",
                labels=[names.LABEL_SUITE, names.LABEL_OUTCOME],
            ),
            within=CounterMetricFamily(
                names.SUITE_WITHIN_SLO,
                "Suite operations at or under the suite's p95 latency threshold.",
                labels=suite,
            ),
            active=CounterMetricFamily(
                names.SUITE_ACTIVE_SECONDS,
                "Time the suite was generating load (throughput denominator).",
                labels=suite,
            ),
            last_run=GaugeMetricFamily(
                names.SUITE_LAST_RUN_TIMESTAMP_SECONDS,
                "Unix time the suite's last run finished.",
                labels=suite,
            ),
            threshold=GaugeMetricFamily(
                names.SLO_LATENCY_THRESHOLD_SECONDS,
                "The suite's p95 latency objective, in seconds.",
                labels=suite,
            ),
            floor=GaugeMetricFamily(
                names.SLO_THROUGHPUT_MIN,
                "The suite's minimum throughput, operations per second.",
                labels=suite,
            ),
        )

    def all(self) -> list[Metric]:
        return [
            self.latency,
            self.operations,
            self.within,
            self.active,
            self.last_run,
            self.threshold,
            self.floor,
        ]


def le_label(bound: float) -> str:
    """A bucket bound as the ``le`` label prometheus-client writes (Go float formatting)."""
    label: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return label


def _cumulative_buckets(bounds: Sequence[float], totals: _Cumulative) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    running = 0
    for bound, count in zip((*bounds, math.inf), totals.bucket_counts, strict=True):
        running += count
        out.append((le_label(bound), float(running)))
    return out


def now() -> float:
    """Wall-clock unix seconds (timestamps in metrics and packets)."""
    return time.time()
