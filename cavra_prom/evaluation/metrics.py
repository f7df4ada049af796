"""``cavra_evaluation_errors_total{reason}``: every reason an evaluation from Prometheus failed.

An evaluator that silently reports "blocked" looks the same on a board as a release that
really is blocked; counting each problem by reason lets an alert tell "Prometheus is
unreachable" from "the suite is slow". Every known reason starts at 0, so ``increase()`` sees
the first error instead of a series appearing from nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter
from prometheus_client.registry import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EvaluationProblem


class EvaluationMetrics:
    """The evaluation-error counter, registered with the registry the caller passes.

    ``None`` keeps it unregistered (never the global registry).
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self._errors = Counter(
            names.EVALUATION_ERRORS,
            "Problems found while evaluating SLIs from Prometheus, by reason.",
            [names.LABEL_REASON],
            registry=registry,
        )
        for reason in names.EVALUATION_REASONS:
            self._errors.labels(reason)

    def record(self, problems: Iterable[EvaluationProblem]) -> None:
        """Count each problem once under its reason."""
        for problem in problems:
            self._errors.labels(problem.reason).inc()
