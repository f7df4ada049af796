"""``cavra_suite_regression_ratio{suite}``: current p95 / baseline p95, for rules and boards.

A collect-on-scrape collector holding the latest result per suite, registered in the registry
the caller passes (never the global one). A suite whose comparison could not be made (no
baseline, nothing measured) has no sample rather than a made-up one; a value of 1.0 means
unchanged, 1.25 means 25 % slower. The verdict stays with the gate: the ratio alone knows
nothing of noise or sample sizes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.regression.model import RegressionResult


class RegressionMetrics(Collector):
    """The latest regression ratio per suite."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._lock = threading.Lock()
        self._ratios: dict[str, float] = {}
        if registry is not None:
            registry.register(self)

    def update(self, results: Sequence[RegressionResult]) -> None:
        """Replace a suite's ratio with its newest result; drop it when that has none."""
        with self._lock:
            for result in results:
                ratio = result.ratio
                if ratio is None or not math.isfinite(ratio):
                    self._ratios.pop(result.suite_id, None)
                else:
                    self._ratios[result.suite_id] = ratio

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterable[Metric]:
        family = self._family()
        with self._lock:
            ratios = sorted(self._ratios.items())
        for suite_id, ratio in ratios:
            family.add_metric([suite_id], ratio)
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            names.SUITE_REGRESSION_RATIO,
            "Current p95 latency / baseline p95 latency of the suite (1 = unchanged).",
            labels=[names.LABEL_SUITE],
        )
