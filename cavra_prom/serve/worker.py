"""Each suite's load runs in its own worker process, driven over a pipe.

Why a process: the load threads are CPU-bound Python, and in one interpreter every thread
queues for the same lock. Sharing it, the endpoints answered in seconds during a burst (each
socket call gave the lock away behind six busy workers), and the suites' own latencies would
carry whatever the server and the evaluator were doing. In a worker the suite has an
interpreter to itself and the operating system, not the interpreter lock, shares the CPUs.

The worker keeps the suite's target (for the reference kind: one ReferenceRuntime) for its
whole life and runs :func:`cavra_prom.runner.run_suite` for each burst; the parent folds the
returned durations into the suite's exported series. The latency fault travels on a second
pipe that a small thread in the worker reads, so it takes effect at once, mid-burst too. A
worker exits when its parent goes away (its pipe reaches end of file), so a ``kill -9`` of
the service leaves no load running behind it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Final

from cavra_prom.benchmark import suite_buckets
from cavra_prom.drills import DrillResult, run_drill
from cavra_prom.errors import TargetError
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import SuiteRun, run_suite
from cavra_prom.runtime import RuntimeConfig
from cavra_prom.spec.model import DrillSpec, SuiteSpec
from cavra_prom.targets import ReferenceTarget, Target, build_target

CALL_TIMEOUT_MARGIN_SECONDS: Final = 60.0
PARENT_CHECK_SECONDS: Final = 0.5
WORKER_NICENESS: Final = 10
"""Workers yield the CPU to the service itself: when load saturates every core, the
endpoints and the evaluator still get scheduled first (see docs/serve.md)."""
_CONTEXT: Final = multiprocessing.get_context("spawn")  # never fork a threaded process


# --- in the worker process ---------------------------------------------------------------
def _exit_with_parent(parent_pid: int) -> None:
    """Worker thread: end the process once its parent is gone, even in the middle of work."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(0)


def serve_requests(commands: Connection, parent_pid: int, handle: Callable[[Any], Any]) -> None:
    """The worker's loop: answer each request with ``("ok", result)`` or ``("error", text)``."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    while True:
        try:
            request = commands.recv()
        except EOFError:  # the parent closed the pipe or is gone
            return
        try:
            reply: tuple[str, Any] = ("ok", handle(request))
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            commands.send(reply)
        except OSError:
            return


def _apply_latency(control: Connection, target: Target) -> None:
    """Worker thread: apply latency settings from the parent until the pipe closes."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            seconds = control.recv()
            if isinstance(target, ReferenceTarget):
                target.runtime.faults.set_latency(seconds)


def suite_worker_main(
    commands: Connection, parent_pid: int, control: Connection, suite: SuiteSpec
) -> None:
    """A suite's worker: keep its target, run a burst (a SuiteSpec copy) per request."""
    target = build_target(suite.target, suite.workload.seed)
    series = SuiteMetrics(None).add_suite(
        suite.id,
        suite_buckets(suite),
        suite.slo.p95_latency_seconds_max,
        suite.slo.throughput_per_second_min,
    )
    threading.Thread(target=_apply_latency, args=(control, target), daemon=True).start()
    try:
        serve_requests(commands, parent_pid, lambda burst: run_suite(burst, target, series))
    finally:
        target.close()


def drill_worker_main(commands: Connection, parent_pid: int, control: Connection) -> None:
    """The drills' worker: run each DrillSpec on a fresh reference runtime."""
    serve_requests(
        commands, parent_pid, lambda drill: run_drill(drill, RuntimeConfig(seed=drill.seed))
    )


# --- in the service ----------------------------------------------------------------------
class ProcessWorker:
    """A worker process answering one request at a time over a pipe (started on first use).

    A worker that dies or overruns its time is replaced at the next call; the last control
    message (the latency fault) is sent to the replacement too.
    """

    def __init__(self, name: str, main: Callable[..., None], *args: Any) -> None:
        self.name = name
        self._main = main
        self._args = args
        self._lock = threading.Lock()  # one request at a time
        self._process: Any = None
        self._commands: Connection | None = None
        self._control: Connection | None = None
        self._last_control: Any = None

    def _started(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._commands:
            return self._commands
        self.close()
        commands, child_commands = _CONTEXT.Pipe()
        control, child_control = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=self._main,
            args=(child_commands, os.getpid(), child_control, *self._args),
            name=self.name,
            daemon=True,
        )
        process.start()
        child_commands.close()
        child_control.close()
        self._process, self._commands, self._control = process, commands, control
        if self._last_control is not None:
            control.send(self._last_control)
        return commands

    def call(self, request: Any, timeout: float) -> Any:
        """Send ``request``, wait up to ``timeout`` seconds; TargetError if it fails."""
        with self._lock:
            commands = self._started()
            try:
                commands.send(request)
                answered = commands.poll(timeout)
                reply = commands.recv() if answered else None
            except (EOFError, OSError):
                reply = None
            if reply is None:
                self.close()
                raise TargetError(f"{self.name}: the worker died or did not answer in time")
        status, value = reply
        if status != "ok":
            raise TargetError(f"{self.name}: {value}")
        return value

    def control(self, message: Any) -> None:
        """Send a message to the worker's control thread now (and to any replacement)."""
        self._last_control = message
        if self._control is not None:
            with contextlib.suppress(OSError):
                self._control.send(message)

    def close(self) -> None:
        """End the worker: its pipes close (it exits), and it is terminated if it lingers."""
        for conn in (self._commands, self._control):
            if conn is not None:
                conn.close()
        process, self._process = self._process, None
        self._commands = self._control = None
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)


class SuiteWorker:
    """One suite's worker: bursts on request; the latency fault on the control pipe."""

    def __init__(self, suite: SuiteSpec) -> None:
        self.suite = suite
        self._worker = ProcessWorker(f"cavra-suite-{suite.id}", suite_worker_main, suite)
        self._latency = 0.0

    def burst(self, suite: SuiteSpec) -> SuiteRun:
        """Run ``suite`` (a burst-shaped copy of this worker's suite) and return the run."""
        workload = suite.workload
        budget = (workload.warmup_seconds or 0.0) + (workload.duration_seconds or 0.0)
        run: SuiteRun = self._worker.call(suite, budget * 2 + CALL_TIMEOUT_MARGIN_SECONDS)
        return run

    @property
    def latency_seconds(self) -> float:
        return self._latency

    def set_latency(self, seconds: float) -> None:
        """Forward the latency fault; applied at once, even while a burst runs."""
        self._latency = seconds
        self._worker.control(seconds)

    def close(self) -> None:
        self._worker.close()


class DrillWorker:
    """The drills' worker: one drill at a time, each on a fresh reference runtime."""

    def __init__(self) -> None:
        self._worker = ProcessWorker("cavra-drills", drill_worker_main)

    def run(self, drill: DrillSpec) -> DrillResult:
        timeout = drill.recovery_timeout_seconds * 2 + CALL_TIMEOUT_MARGIN_SECONDS
        result: DrillResult = self._worker.call(drill, timeout)
        return result

    def close(self) -> None:
        self._worker.close()


def with_burst_shape(suite: SuiteSpec, warmup: bool) -> SuiteSpec:
    """The suite with its measured phase set to ``serve.burst_seconds`` (and no warm-up)."""
    workload = dataclasses.replace(
        suite.workload, duration_seconds=suite.serve.burst_seconds, iterations=None
    )
    if not warmup:
        workload = dataclasses.replace(workload, warmup_seconds=0.0, warmup_iterations=None)
    return dataclasses.replace(suite, workload=workload)
