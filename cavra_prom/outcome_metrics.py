"""Drill and gate gauges, exposed by collect-on-scrape collectors.

The collectors hold the latest results and build the families when scraped, so a scrape
always sees one consistent set of drill (or gate) values, never a half-updated mix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.model import HaEvaluation
from cavra_prom.gate import GateResult


class DrillMetrics(Collector):
    """``cavra_drill_passed``, ``..._last_run_timestamp_seconds``, ``..._recovery_seconds``."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, DrillResult] = {}
        if registry is not None:
            registry.register(self)

    def update(self, results: Sequence[DrillResult]) -> None:
        with self._lock:
            for result in results:
                self._latest[result.drill_id] = result

    def describe(self) -> Iterable[Metric]:
        return list(self._families())

    def collect(self) -> Iterable[Metric]:
        passed, last_run, recovery = families = self._families()
        with self._lock:
            latest = sorted(self._latest.values(), key=lambda r: r.drill_id)
        for result in latest:
            label = [result.drill_id]
            passed.add_metric(label, 1.0 if result.passed else 0.0)
            last_run.add_metric(label, result.ended_at)
            if result.recovery_seconds is not None:
                recovery.add_metric(label, result.recovery_seconds)
        return list(families)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        drill = [names.LABEL_DRILL]
        return (
            GaugeMetricFamily(
                names.DRILL_PASSED, "1 when the drill's last run passed, else 0.", labels=drill
            ),
            GaugeMetricFamily(
                names.DRILL_LAST_RUN_TIMESTAMP_SECONDS,
                "Unix time the drill last finished.",
                labels=drill,
            ),
            GaugeMetricFamily(
                names.DRILL_RECOVERY_SECONDS,
                "Seconds from clearing the fault until the system served normally again.",
                labels=drill,
            ),
        )


class GateMetrics(Collector):
    """``cavra_gate_ready`` and ``cavra_gate_blockers`` from the latest gate result."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._lock = threading.Lock()
        self._latest: GateResult | None = None
        if registry is not None:
            registry.register(self)

    def update(self, result: GateResult) -> None:
        with self._lock:
            self._latest = result

    def describe(self) -> Iterable[Metric]:
        return list(self._families())

    def collect(self) -> Iterable[Metric]:
        ready, blockers = families = self._families()
        with self._lock:
            latest = self._latest
        if latest is not None:
            ready.add_metric([], 1.0 if latest.passed else 0.0)
            blockers.add_metric([], float(latest.blocker_count))
        return list(families)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(names.GATE_READY, "1 when the latest gate had no blocker, else 0."),
            GaugeMetricFamily(names.GATE_BLOCKERS, "Blockers in the latest gate result."),
        )


class HaMetrics(Collector):
    """HA/DR gauges the default HA PromQL of the spec reads (see ``HaQueries``).

    ``cavra_ha_replicas{role}``, ``cavra_ha_rpo_seconds`` and
    ``cavra_event_bus_capability{capability}`` are exported from the latest HA evaluation, so
    a Prometheus scraping cavra-prom can evaluate HA/DR the way it would for a real system.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._lock = threading.Lock()
        self._latest: HaEvaluation | None = None
        if registry is not None:
            registry.register(self)

    def update(self, ha: HaEvaluation) -> None:
        with self._lock:
            self._latest = ha

    def describe(self) -> Iterable[Metric]:
        return list(self._families())

    def collect(self) -> Iterable[Metric]:
        replicas, rpo, capability = families = self._families()
        with self._lock:
            ha = self._latest
        if ha is not None:
            for role, value in (
                (names.ROLE_API, ha.api_replicas),
                (names.ROLE_WORKER, ha.worker_replicas),
            ):
                if value is not None:
                    replicas.add_metric([role], float(value))
            if ha.rpo_minutes is not None:
                rpo.add_metric([], ha.rpo_minutes * 60.0)
            for name, shown in sorted(ha.event_bus.items()):
                if shown is not None:
                    capability.add_metric([name], 1.0 if shown else 0.0)
        return list(families)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                names.HA_REPLICAS, "Replicas running, by role.", labels=[names.LABEL_ROLE]
            ),
            GaugeMetricFamily(
                names.HA_RPO_SECONDS,
                "Age of the oldest event not yet replicated at the last bus failure (RPO).",
            ),
            GaugeMetricFamily(
                names.EVENT_BUS_CAPABILITY,
                "1 when the event bus showed the capability when exercised, else 0.",
                labels=[names.LABEL_CAPABILITY],
            ),
        )
