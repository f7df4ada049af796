"""An event-loop load generator: closed and open loop on one asyncio loop, no coordinated omission.

Why not the runner's threads? One blocking request per thread costs a thread switch and the
GIL per operation; one event loop with an async client issues thousands of requests per second
from one core. The loop runs in a private daemon thread (uvloop when it is installed, else
asyncio's own), so the calling thread keeps the runner's shape: it waits for the phase and
reports progress, and targets can also offer blocking operations that submit to the same loop.

Closed loop: ``concurrency`` coroutines each issue operations back to back. Open loop, as in
the thread runner: operation *i* is due at ``start + i / rate``; each of ``concurrency``
coroutines claims the next due time, sleeps until it and runs the operation. Latency is
measured from the due time, so when the system is slow and every worker is busy, the next
operations start late and the backlog shows as latency instead of a quietly lower rate (no
coordinated omission). The scheduling lag (start minus due) is kept apart. ``concurrency`` is
thus the most operations in flight at once, as it is for threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from cavra_prom.phase import ErrorSink, PhaseOutcome, PhasePlan

AsyncOperation = Callable[[], Awaitable[bool]]
"""One async operation: True for ok, False (or raising) for error."""

Record = Callable[[float], None]
T = TypeVar("T")
TICK_SECONDS = 0.2
MIN_SLEEP_SECONDS = 0.0005
"""An open-loop worker never sleeps less than this: libuv keeps time in whole milliseconds, so
much shorter sleeps return at once and would spin the loop, taking CPU from the system under
test on a shared machine; the price is up to this much lag (figures: docs/benchmarks.md)."""
EVENT_LOOP_ENV = "CAVRA_EVENT_LOOP"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where installed (faster for HTTP: docs/benchmarks.md), else asyncio's.

    ``CAVRA_EVENT_LOOP=asyncio`` forces asyncio's own loop (to compare, or to rule uvloop out).
    """
    if os.environ.get(EVENT_LOOP_ENV, "auto") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop
    return asyncio.new_event_loop()


class LoopThread:
    """A private event loop running forever in a daemon thread until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (from any other thread)."""
        return self.submit(coroutine).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


async def _timed(op: AsyncOperation, on_error: ErrorSink) -> bool:
    try:
        return bool(await op())
    except Exception as exc:  # an operation's failure is an error outcome, never a crash
        on_error(exc)
        return False


class _PhaseState:
    """The phase's clock and budget (single-threaded: only the loop touches it)."""

    def __init__(self, plan: PhasePlan) -> None:
        self.start = time.perf_counter()
        self.deadline = None if plan.seconds is None else self.start + plan.seconds
        self.iterations = plan.iterations
        self.interval = 1.0 / (plan.arrival_rate_per_second or 1.0)
        self.issued = 0

    def take(self) -> bool:
        """Claim the next operation (closed loop); False once the iterations are used up."""
        if self.iterations is not None and self.issued >= self.iterations:
            return False
        self.issued += 1
        return True

    def next_due(self) -> float | None:
        """Claim the next operation's due time (open loop); None once the phase is over."""
        due = self.start + self.issued * self.interval
        if self.deadline is not None and due >= self.deadline:
            return None
        return due if self.take() else None

    def fraction(self, clock: float) -> float:
        if self.deadline is not None and self.deadline > self.start:
            return min(1.0, (clock - self.start) / (self.deadline - self.start))
        if self.iterations:
            return min(1.0, self.issued / self.iterations)
        return 0.0


async def _closed_worker(
    op: AsyncOperation, state: _PhaseState, record: Record, on_error: ErrorSink
) -> None:
    perf = time.perf_counter
    deadline = state.deadline
    while state.take():
        t0 = perf()
        if deadline is not None and t0 >= deadline:
            return
        ok = await _timed(op, on_error)
        dt = perf() - t0
        record(dt if ok else -dt)


async def _until(due: float) -> None:
    """Sleep until ``due`` (perf_counter time), never waking before it."""
    perf = time.perf_counter
    ahead = due - perf()
    while ahead > 0:  # timers may fire early (libuv keeps time in whole milliseconds)
        await asyncio.sleep(max(ahead, MIN_SLEEP_SECONDS))
        ahead = due - perf()


async def _open_worker(
    op: AsyncOperation,
    state: _PhaseState,
    sink: tuple[Record, ErrorSink],
    lags: list[float],
) -> None:
    """Take the next due time, wait for it, run: a busy worker makes the next start late,
    which the lag shows and the latency (from the due time) includes."""
    perf = time.perf_counter
    record, on_error = sink
    while (due := state.next_due()) is not None:
        await _until(due)
        lags.append(perf() - due)
        ok = await _timed(op, on_error)
        dt = perf() - due  # from the intended start: queueing delay is latency
        record(dt if ok else -dt)


async def run_async_phase(
    ops: Sequence[AsyncOperation],
    plan: PhasePlan,
    sink: tuple[Record, ErrorSink],
    state_out: list[_PhaseState],
) -> PhaseOutcome:
    """One phase on the running loop: one worker coroutine per operation in ``ops``."""
    state = _PhaseState(plan)
    state_out.append(state)
    record, on_error = sink
    lags: list[float] = []
    if plan.mode == "open":
        workers = [_open_worker(op, state, sink, lags) for op in ops]
    else:
        workers = [_closed_worker(op, state, record, on_error) for op in ops]
    await asyncio.gather(*workers)
    return PhaseOutcome(time.perf_counter() - state.start, tuple(lags), state.issued)


def drive_phase(
    loop: LoopThread,
    ops: Sequence[AsyncOperation],
    plan: PhasePlan,
    sink: tuple[Record, ErrorSink],
    on_tick: Callable[[float], None],
) -> PhaseOutcome:
    """Run a phase on ``loop`` from the calling thread, ticking progress while it runs."""
    states: list[_PhaseState] = []
    future = loop.submit(run_async_phase(ops, plan, sink, states))
    on_tick(0.0)
    while True:
        try:
            outcome = future.result(timeout=TICK_SECONDS)
        except concurrent.futures.TimeoutError:
            if states:
                on_tick(states[0].fraction(time.perf_counter()))
            continue
        on_tick(1.0)
        return outcome
