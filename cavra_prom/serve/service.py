"""Wiring of ``cavra serve``: one registry, the suites, drills, evaluation, store and server.

:class:`Service` builds everything without starting a thread; :meth:`Service.start` opens the
store, binds the server and starts the scheduler; :meth:`Service.stop` stops in the order that
keeps every promise of the design: continuous load is told to stop, the scheduler is shut down
*waiting* for running jobs (so a packet write in flight completes; a write cut short by a
kill is discarded whole by the store's atomic rename), then the server closes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client.registry import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.errors import TargetError
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.promql import PrometheusSource
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.outcome_metrics import DrillMetrics, GateMetrics, HaMetrics
from cavra_prom.regression.metrics import RegressionMetrics
from cavra_prom.serve.drill_state import DrillState
from cavra_prom.serve.endpoints import App, AppParts
from cavra_prom.serve.evaluate import (
    EvaluationJob,
    EvaluationParts,
    EvaluationSettings,
    Signer,
)
from cavra_prom.serve.http import HttpServer
from cavra_prom.serve.jobs import JobScheduler
from cavra_prom.serve.load import SuiteLoad
from cavra_prom.serve.metrics import ServeMetrics, register_process_metrics
from cavra_prom.serve.store import DEFAULT_KEEP_COUNT, DEFAULT_KEEP_SECONDS, PacketStore
from cavra_prom.spec.model import DrillSpec, Spec

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``cavra serve`` is told on its command line, parsed."""

    spec: Spec
    store_dir: str | os.PathLike[str]
    listen: tuple[str, int] = ("127.0.0.1", 9464)
    window_seconds: float = 300.0
    evaluation_interval_seconds: float = 60.0
    source: PrometheusSource | None = None
    allow_fault_injection: bool = False
    keep_count: int = DEFAULT_KEEP_COUNT
    keep_seconds: float = DEFAULT_KEEP_SECONDS
    git_commit: str | None = None
    sign: Signer | None = None


def job_names(spec: Spec) -> list[str]:
    """The ``job`` label values of cavra_job_failures_total, known before anything runs."""
    return [
        *(names.JOB_SUITE_PREFIX + s.id for s in spec.suites),
        *(names.JOB_DRILL_PREFIX + d.id for d in spec.drills),
        names.JOB_EVALUATION,
    ]


class Service:
    """The running service; see the module docstring for the start and stop order."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        spec = config.spec
        self.registry = CollectorRegistry()
        register_process_metrics(self.registry)
        self.metrics = ServeMetrics(self.registry, job_names(spec))
        suite_metrics = SuiteMetrics(self.registry)
        # Embedded evaluation reads the runs inside the window; PromQL needs none kept.
        keep = config.window_seconds if config.source is None else 0.0
        self.loads = [SuiteLoad(s, suite_metrics, keep) for s in spec.suites]
        self.drills = DrillState(DrillMetrics(self.registry), HaMetrics(self.registry))
        self.store = PacketStore(config.store_dir, config.keep_count, config.keep_seconds)
        self.evaluation = EvaluationJob(
            EvaluationParts(
                spec,
                self.loads,
                self.drills,
                self.store,
                GateMetrics(self.registry),
                self.metrics,
                _evaluation_metrics(self.registry, config),
                RegressionMetrics(self.registry),
            ),
            EvaluationSettings(
                config.window_seconds, config.source, config.git_commit, config.sign
            ),
        )
        self.stopping = threading.Event()
        self.scheduler = JobScheduler(self.metrics, max_workers=len(job_names(spec)) + 1)
        self.server: HttpServer | None = None

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the service is not started")
        return self.server.url

    def app(self) -> App:
        inject = self.inject_latency if self.config.allow_fault_injection else None
        return App(AppParts(self.registry, self.store, self.evaluation.readiness, inject))

    def start(self) -> str:
        """Open the store, bind the server, schedule the jobs; returns the base URL."""
        self.store.open()
        self.server = HttpServer(self.config.listen, self.app())
        self.server.start()
        self._schedule()
        self.scheduler.start()
        LOG.info("cavra serve listening on %s", self.server.url)
        return self.server.url

    def _schedule(self) -> None:
        for load in self.loads:
            name = names.JOB_SUITE_PREFIX + load.suite.id
            serve = load.suite.serve
            if serve.mode == "continuous":
                self.scheduler.once(name, self._continuous(load, name))
            else:
                self.scheduler.every(name, load.burst, serve.every_seconds)
        for drill in self.config.spec.drills:
            run = _bind_drill(self.drills, drill)
            self.scheduler.every(names.JOB_DRILL_PREFIX + drill.id, run, drill.schedule_seconds)
        interval = self.config.evaluation_interval_seconds
        self.scheduler.every(names.JOB_EVALUATION, self.evaluation, interval, first_in=interval)

    def _continuous(self, load: SuiteLoad, name: str) -> Callable[[], None]:
        def run() -> None:
            load.run_continuous(self.stopping, lambda: self.metrics.job_failed(name))

        return run

    def inject_latency(self, suite_id: str, seconds: float) -> None:
        """The latency fault of ``POST /-/faults/latency``: real delay on every operation."""
        load = next((x for x in self.loads if x.suite.id == suite_id), None)
        if load is None:
            known = ", ".join(x.suite.id for x in self.loads)
            raise TargetError(f"unknown suite {suite_id!r}; known: {known}")
        load.set_latency(seconds)
        LOG.warning("latency fault on suite %s set to %gs", suite_id, seconds)

    def stop(self) -> None:
        """Stop load, wait for running jobs (a packet write completes), close the server."""
        self.stopping.set()
        self.scheduler.shutdown(wait=True)
        if self.server is not None:
            self.server.stop()
        for load in self.loads:
            load.close()
        self.drills.close()
        LOG.info("cavra serve stopped")


def _bind_drill(state: DrillState, drill: DrillSpec) -> Callable[[], object]:
    return lambda: state.run(drill)


def _evaluation_metrics(
    registry: CollectorRegistry, config: ServeConfig
) -> EvaluationMetrics | None:
    """``cavra_evaluation_errors_total{reason}``, counted by the PromQL evaluator.

    Only exported when evaluating from Prometheus: embedded evaluation has no source that
    can fail, and a family of zeros would suggest otherwise.
    """
    return None if config.source is None else EvaluationMetrics(registry)
