"""The suite runner: warm-up, then a measured phase, in closed or open loop.

Closed loop: ``concurrency`` workers issue operations back to back; latency is service time.
Open loop: operation *i* is due at ``start + i / rate`` whatever happened before; latency is
measured from that due time, so when the system stalls the queueing delay it causes shows up in
the numbers instead of being hidden by a loop that simply waited (coordinated omission). The
time a worker started late is recorded separately as scheduling lag.

A target that implements :class:`~cavra_prom.phase.PhaseDriver` (the HTTP target, async Python
callables) runs each phase on its own event loop instead of the worker threads, recording
through the same ``series.record`` and reporting exceptions to the same error sampler. Errors
are counted by class (:func:`~cavra_prom.target_errors.error_class_of`: timeout, connection,
status, ...), with ``failed`` for operations that returned False.

Every measured operation goes through the suite's :class:`~cavra_prom.instruments.SuiteSeries`
hot path; warm-up operations are run the same way but recorded nowhere that counts.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from cavra_prom.instruments import Record, SuiteSeries, is_error, now
from cavra_prom.phase import PhaseDriver, PhasePlan
from cavra_prom.spec.model import SuiteSpec, WorkloadSpec
from cavra_prom.target_errors import ERROR_FAILED, error_class_of
from cavra_prom.targets import Operation, Target

MAX_ERROR_SAMPLES = 5
PROGRESS_INTERVAL_SECONDS = 0.2


@dataclass(frozen=True)
class Progress:
    """What the runner reports while a suite runs (for a progress bar or log lines)."""

    suite_id: str
    phase: str  # "warmup" | "measure" | "done"
    fraction: float


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SuiteRun:
    """The raw outcome of one measured phase: every signed duration and its timing."""

    suite_id: str
    mode: str
    concurrency: int
    arrival_rate_per_second: float | None
    signed_durations: tuple[float, ...]
    started_at: float
    finished_at: float
    active_seconds: float
    warmup_operations: int
    schedule_lag_seconds: tuple[float, ...]
    error_samples: tuple[str, ...]
    error_classes: Mapping[str, int] = field(default_factory=dict)
    """Measured errors by class (timeout, connection, status, exit_code, failed, ...)."""

    @property
    def sample_count(self) -> int:
        return len(self.signed_durations)

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.signed_durations if is_error(d))

    @property
    def ok_count(self) -> int:
        return self.sample_count - self.error_count

    def latencies_seconds(self) -> list[float]:
        """Durations without their outcome sign, unsorted."""
        return [abs(d) for d in self.signed_durations]


class _ErrorSampler:
    """Keeps the first few exception summaries and counts every exception by class."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: list[str] = []
        self.classes: dict[str, int] = {}

    def add(self, exc: BaseException) -> None:
        error_class = error_class_of(exc)
        with self._lock:
            self.classes[error_class] = self.classes.get(error_class, 0) + 1
            if len(self.samples) < MAX_ERROR_SAMPLES:
                self.samples.append(f"{type(exc).__name__}: {exc}"[:200])

    def by_class(self, error_count: int) -> dict[str, int]:
        """Counts by class; errors no exception explains returned False (``failed``)."""
        counts = dict(self.classes)
        unexplained = error_count - sum(counts.values())
        if unexplained > 0:
            counts[ERROR_FAILED] = counts.get(ERROR_FAILED, 0) + unexplained
        return counts


class _Budget:
    """Bounds a phase by iterations or by time; ``next_index`` hands out operation slots."""

    def __init__(self, start: float, seconds: float | None, iterations: int | None) -> None:
        self.start = start
        self.deadline = None if seconds is None else start + seconds
        self.iterations = iterations
        self._counter: Iterator[int] = itertools.count()

    def next_index(self) -> int | None:
        index = next(self._counter)  # atomic under the GIL
        if self.iterations is not None and index >= self.iterations:
            return None
        return index

    def fraction(self, clock: float) -> float:
        if self.deadline is not None and self.deadline > self.start:
            return min(1.0, (clock - self.start) / (self.deadline - self.start))
        return 0.0


def _run_op(op: Operation, errors: _ErrorSampler) -> bool:
    try:
        return bool(op())
    except Exception as exc:  # an operation's failure is an error outcome, never a crash
        errors.add(exc)
        return False


@dataclass
class _Phase:
    """What every worker of one phase shares: where to record, the budget, the pacing."""

    record: Record
    budget: _Budget
    errors: _ErrorSampler
    interval: float | None  # open loop: seconds between due times; None: closed loop
    lags: list[float]


def _closed_worker(op: Operation, phase: _Phase) -> None:
    perf = time.perf_counter
    record, budget, errors = phase.record, phase.budget, phase.errors
    deadline = budget.deadline
    while budget.next_index() is not None:
        t0 = perf()
        if deadline is not None and t0 >= deadline:
            return
        ok = _run_op(op, errors)
        dt = perf() - t0
        record(dt if ok else -dt)


def _open_worker(op: Operation, phase: _Phase) -> None:
    perf = time.perf_counter
    record, budget, errors, lags = phase.record, phase.budget, phase.errors, phase.lags
    interval = phase.interval or 0.0
    while (index := budget.next_index()) is not None:
        due = budget.start + index * interval
        if budget.deadline is not None and due >= budget.deadline:
            return
        ahead = due - perf()
        if ahead > 0:
            time.sleep(ahead)
        started = perf()
        ok = _run_op(op, errors)
        dt = perf() - due  # from the intended start: queueing delay is latency
        record(dt if ok else -dt)
        lags.append(started - due)


@dataclass(frozen=True)
class _Bounds:
    """How long a phase lasts: seconds or iterations (exactly one is set)."""

    seconds: float | None
    iterations: int | None


def _run_phase(
    workload: WorkloadSpec,
    operations: list[Operation],
    record: Record,
    bounds: _Bounds,
    *,
    errors: _ErrorSampler,
    on_tick: Callable[[float], None],
) -> tuple[float, tuple[float, ...]]:
    """Run one phase with one thread per operation; returns active seconds and lags."""
    start = time.perf_counter()
    budget = _Budget(start, bounds.seconds, bounds.iterations)
    is_open = workload.mode == "open"
    interval = 1.0 / (workload.arrival_rate_per_second or 1.0) if is_open else None
    phase = _Phase(record, budget, errors, interval, [])
    worker = _open_worker if is_open else _closed_worker
    threads = [threading.Thread(target=worker, args=(op, phase), daemon=True) for op in operations]
    on_tick(0.0)
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(PROGRESS_INTERVAL_SECONDS)
            on_tick(budget.fraction(time.perf_counter()))
    active = time.perf_counter() - start
    on_tick(1.0)
    return active, tuple(phase.lags)


PhaseFunction = Callable[
    [Record, _Bounds, _ErrorSampler, Callable[[float], None]], tuple[float, tuple[float, ...]]
]


def _phase_function(target: Target, workload: WorkloadSpec) -> PhaseFunction:
    """How this target's phases run: driven by the target itself, or by worker threads."""
    if isinstance(target, PhaseDriver):
        driver = target

        def drive(
            record: Record, bounds: _Bounds, errors: _ErrorSampler, tick: Callable[[float], None]
        ) -> tuple[float, tuple[float, ...]]:
            plan = PhasePlan(
                workload.mode,
                workload.concurrency,
                workload.arrival_rate_per_second,
                bounds.seconds,
                bounds.iterations,
                workload.seed,
            )
            outcome = driver.run_phase(plan, record, errors.add, tick)
            return outcome.active_seconds, outcome.lags

        return drive
    operations = [
        target.operation_for_worker(i, workload.seed) for i in range(workload.concurrency)
    ]

    def threads(
        record: Record, bounds: _Bounds, errors: _ErrorSampler, tick: Callable[[float], None]
    ) -> tuple[float, tuple[float, ...]]:
        return _run_phase(workload, operations, record, bounds, errors=errors, on_tick=tick)

    return threads


def run_suite(
    suite: SuiteSpec,
    target: Target,
    series: SuiteSeries,
    progress: ProgressCallback | None = None,
) -> SuiteRun:
    """Warm up, then measure one suite against ``target``, recording into ``series``."""
    workload = suite.workload
    report = progress or (lambda _p: None)
    run_phase = _phase_function(target, workload)
    errors = _ErrorSampler()

    warmup: list[float] = []
    if workload.warmup_iterations is not None:
        warmup_bounds = _Bounds(None, workload.warmup_iterations)
    else:
        warmup_bounds = _Bounds(workload.warmup_seconds, None)
    if warmup_bounds.iterations or warmup_bounds.seconds:
        run_phase(
            warmup.append,
            warmup_bounds,
            _ErrorSampler(),
            lambda f: report(Progress(suite.id, "warmup", f)),
        )

    series.begin_capture()
    started_at = now()
    measured = (
        _Bounds(None, workload.iterations)
        if workload.iterations is not None
        else _Bounds(workload.duration_seconds, None)
    )
    active_seconds, lags = run_phase(
        series.record,
        measured,
        errors,
        lambda f: report(Progress(suite.id, "measure", f)),
    )
    finished_at = now()
    captured = series.end_capture(active_seconds, finished_at)
    report(Progress(suite.id, "done", 1.0))
    return SuiteRun(
        suite_id=suite.id,
        mode=workload.mode,
        concurrency=workload.concurrency,
        arrival_rate_per_second=workload.arrival_rate_per_second,
        signed_durations=tuple(captured),
        started_at=started_at,
        finished_at=finished_at,
        active_seconds=active_seconds,
        warmup_operations=len(warmup),
        schedule_lag_seconds=lags,
        error_samples=tuple(errors.samples),
        error_classes=errors.by_class(sum(1 for d in captured if is_error(d))),
    )
