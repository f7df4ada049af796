"""The service's own metrics: job failures, the last packet render, process and platform.

Everything goes into the registry the service owns (never prometheus-client's global one), so
two services in one process (tests, the load benchmark) never share a counter.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import CollectorRegistry

from cavra_prom import conventions as names


class ServeMetrics:
    """``cavra_job_failures_total{job}`` and ``cavra_packet_last_render_timestamp_seconds``.

    The job label values are known up front (one per suite, drill and the evaluation) and are
    initialised to 0, so a rule can alert on ``increase(...) > 0`` from the first scrape.
    """

    def __init__(self, registry: CollectorRegistry, jobs: Iterable[str] = ()) -> None:
        self.job_failures = Counter(
            names.JOB_FAILURES,
            "Scheduled jobs of cavra serve that raised, by job (retried at their next time).",
            [names.LABEL_JOB],
            registry=registry,
        )
        self.last_render = Gauge(
            names.PACKET_LAST_RENDER_TIMESTAMP_SECONDS,
            "Unix time the latest readiness packet was rendered and stored.",
            registry=registry,
        )
        for job in jobs:
            self.job_failures.labels(job)

    def job_failed(self, job: str) -> None:
        self.job_failures.labels(job).inc()

    def packet_rendered(self, timestamp: float) -> None:
        self.last_render.set(timestamp)


def register_process_metrics(registry: CollectorRegistry) -> None:
    """process_* (CPU, memory, file descriptors) and python_info, on this registry only."""
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
