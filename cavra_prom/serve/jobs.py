"""The scheduler of ``cavra serve``: APScheduler 3 with failure counting.

Every job runs with ``max_instances=1`` (a slow burst or evaluation is never run twice at
once), ``coalesce`` (runs missed while it was busy collapse into one) and a misfire grace of
one period (a run that is late, say after a long garbage collection or a suspended VM, still
happens rather than being dropped). A job that raises is logged, counted in
``cavra_job_failures_total{job}`` and simply runs again at its next time: one failure never
stops the schedule.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cavra_prom.serve.metrics import ServeMetrics

LOG = logging.getLogger(__name__)

Job = Callable[[], Any]


class JobScheduler:
    """A background APScheduler whose jobs are guarded (see the module docstring)."""

    def __init__(self, metrics: ServeMetrics, max_workers: int) -> None:
        self._metrics = metrics
        self._scheduler: Any = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max_workers)},
            job_defaults={"max_instances": 1, "coalesce": True},
            timezone=UTC,
        )

    def guarded(self, name: str, func: Job) -> Callable[[], None]:
        """``func`` with its failures logged and counted instead of propagated."""

        def run() -> None:
            try:
                func()
            except Exception:
                LOG.exception("job %s failed; it runs again at its next time", name)
                self._metrics.job_failed(name)

        return run

    def every(self, name: str, func: Job, seconds: float, *, first_in: float = 0.0) -> None:
        """Run ``func`` every ``seconds``, the first time ``first_in`` seconds from now."""
        self._scheduler.add_job(
            self.guarded(name, func),
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=name,
            name=name,
            next_run_time=datetime.now(UTC) + timedelta(seconds=first_in),
            misfire_grace_time=max(1, math.ceil(seconds)),
        )

    def once(self, name: str, func: Job) -> None:
        """Run ``func`` once, now (a continuous load loop that runs until stopped)."""
        self._scheduler.add_job(
            self.guarded(name, func),
            DateTrigger(datetime.now(UTC)),
            id=name,
            name=name,
            misfire_grace_time=None,  # however late the scheduler starts, it must run
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait``, let running jobs (a packet write) finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def job_names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
