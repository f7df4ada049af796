"""Drills on their own schedule, and the HA/DR values that follow from their results.

Every drill run updates the drill gauges and recomputes the HA/DR gauges (replicas, RPO,
event-bus capabilities), so a Prometheus scraping ``cavra serve`` can evaluate drills and HA/DR
with the spec's default PromQL, and the embedded evaluation reads the same latest values.

A drill is CPU-bound work on a fresh reference runtime, so it runs in a worker process (one,
reused; replaced if it dies), for the same reason suites do (:mod:`.worker`): the endpoints
and the drill's own recovery timing must not queue behind each other for one interpreter.
"""

from __future__ import annotations

import threading

from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.embedded import evaluate_ha_embedded
from cavra_prom.evaluation.model import HaEvaluation
from cavra_prom.outcome_metrics import DrillMetrics, HaMetrics
from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.serve.worker import DrillWorker
from cavra_prom.spec.model import DrillSpec


class DrillState:
    """The latest result of each drill and the HA/DR evaluation derived from them."""

    def __init__(self, drill_metrics: DrillMetrics, ha_metrics: HaMetrics) -> None:
        self._drill_metrics = drill_metrics
        self._ha_metrics = ha_metrics
        self._lock = threading.Lock()
        self._latest: dict[str, DrillResult] = {}
        self._ha: HaEvaluation | None = None
        self._capabilities: dict[str, bool] | None = None
        self._one_at_a_time = threading.Lock()
        self._worker = DrillWorker()

    def run(self, drill: DrillSpec) -> DrillResult:
        """Run one drill on a fresh reference runtime and publish its result.

        Drills due together run one after another: each injects a fault and times recovery,
        and two at once would only compete for the CPU the suites are being measured on.
        """
        with self._one_at_a_time:
            result = self._worker.run(drill)
        with self._lock:
            self._latest[drill.id] = result
            results = list(self._latest.values())
        self._drill_metrics.update([result])
        self._publish_ha(results)
        return result

    def _publish_ha(self, results: list[DrillResult]) -> None:
        config = RuntimeConfig()
        if self._capabilities is None:  # measured once: a property of the bus, not of a run
            self._capabilities = ReferenceRuntime(config).event_bus_capabilities()
        ha = evaluate_ha_embedded(
            results,
            api_replicas=config.api_replicas,
            worker_replicas=config.worker_replicas,
            event_bus=self._capabilities,
        )
        with self._lock:
            self._ha = ha
        self._ha_metrics.update(ha)

    def results(self) -> tuple[DrillResult, ...]:
        with self._lock:
            return tuple(sorted(self._latest.values(), key=lambda r: r.drill_id))

    def ha(self) -> HaEvaluation | None:
        with self._lock:
            return self._ha

    def close(self) -> None:
        self._worker.close()
