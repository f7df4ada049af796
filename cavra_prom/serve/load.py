"""Suite load for ``cavra serve``: bursts or continuous segments, run in a worker process.

Each suite has one :class:`~cavra_prom.serve.worker.SuiteWorker` (a process that keeps the
suite's target for the life of the service) and one
:class:`~cavra_prom.instruments.SuiteSeries` here, in the service. Every burst is an
ordinary :func:`cavra_prom.runner.run_suite` call in the worker; its signed durations are
folded into the series when it ends, so the exported histogram and counters accumulate
across bursts exactly as a real service's would, and the active-seconds counter advances by
the burst's measured time at the same moment as the operations it covers.

Continuous load runs back-to-back segments of ``serve.burst_seconds`` (warm-up only before
the first); each segment is folded in when it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence

from cavra_prom.benchmark import suite_buckets
from cavra_prom.errors import TargetError
from cavra_prom.instruments import SuiteMetrics, SuiteSeries
from cavra_prom.runner import SuiteRun
from cavra_prom.runtime.faults import check_latency
from cavra_prom.serve.worker import SuiteWorker, with_burst_shape
from cavra_prom.spec.model import SuiteSpec

LOG = logging.getLogger(__name__)
RETRY_PAUSE_SECONDS = 1.0
"""Pause after a failed continuous segment, so a broken target does not spin."""


class SuiteLoad:
    """One suite's worker, live series and recent runs (for embedded evaluation)."""

    def __init__(self, suite: SuiteSpec, metrics: SuiteMetrics, keep_seconds: float) -> None:
        self.suite = suite
        self.bounds = suite_buckets(suite)
        self.series: SuiteSeries = metrics.add_suite(
            suite.id,
            self.bounds,
            suite.slo.p95_latency_seconds_max,
            suite.slo.throughput_per_second_min,
        )
        self.worker = SuiteWorker(suite)
        self.keep_seconds = keep_seconds
        self._runs: deque[SuiteRun] = deque()
        self._lock = threading.Lock()
        self._segments = 0

    def burst(self, *, warmup: bool = True) -> SuiteRun:
        """One measured phase of ``serve.burst_seconds`` (after the suite's warm-up)."""
        run = self.worker.burst(with_burst_shape(self.suite, warmup))
        self.series.pending.extend(run.signed_durations)  # the series' own hot-path buffer
        self.series.end_capture(run.active_seconds, run.finished_at)
        self._keep(run)
        return run

    def run_continuous(self, stop: threading.Event, on_failure: Callable[[], None]) -> None:
        """Segments back to back until ``stop`` is set; a failed segment is counted, not fatal."""
        while not stop.is_set():
            try:
                self.burst(warmup=self._segments == 0)
                self._segments += 1
            except Exception:
                LOG.exception("suite %s: a continuous segment failed", self.suite.id)
                on_failure()
                stop.wait(RETRY_PAUSE_SECONDS)

    def set_latency(self, seconds: float) -> None:
        """The latency fault: real delay on every operation of the suite's reference runtime."""
        if self.suite.target.kind != "reference":
            raise TargetError(f"suite {self.suite.id!r} does not drive the reference runtime")
        self.worker.set_latency(check_latency(seconds))

    @property
    def latency_seconds(self) -> float:
        return self.worker.latency_seconds

    def _keep(self, run: SuiteRun) -> None:
        with self._lock:
            self._runs.append(run)
            horizon = time.time() - self.keep_seconds
            while len(self._runs) > 1 and self._runs[0].finished_at < horizon:
                self._runs.popleft()

    def runs_since(self, since: float) -> list[SuiteRun]:
        """Runs that finished at or after ``since`` (unix seconds), oldest first."""
        with self._lock:
            return [r for r in self._runs if r.finished_at >= since]

    def close(self) -> None:
        self.worker.close()


def merge_runs(runs: Sequence[SuiteRun]) -> SuiteRun:
    """Several runs of one suite as one: durations joined, active seconds summed.

    Throughput over the merged run is operations per *active* second, as in PromQL, so idle
    time between bursts does not count against the suite.
    """
    if not runs:
        raise ValueError("merge_runs needs at least one run")
    first = runs[0]
    return SuiteRun(
        suite_id=first.suite_id,
        mode=first.mode,
        concurrency=first.concurrency,
        arrival_rate_per_second=first.arrival_rate_per_second,
        signed_durations=tuple(d for r in runs for d in r.signed_durations),
        started_at=min(r.started_at for r in runs),
        finished_at=max(r.finished_at for r in runs),
        active_seconds=sum(r.active_seconds for r in runs),
        warmup_operations=sum(r.warmup_operations for r in runs),
        schedule_lag_seconds=tuple(x for r in runs for x in r.schedule_lag_seconds),
        error_samples=tuple(e for r in runs for e in r.error_samples)[:5],
        error_classes=dict(sum((Counter(r.error_classes) for r in runs), Counter())),
    )
