"""Evaluate, gate, render and store a packet: the ``evaluation`` job of ``cavra serve``.

With a Prometheus source the values come from PromQL over the window (live evidence); without
one they come from the suites' own runs that finished inside the window (sample evidence),
through the same embedded evaluation ``cavra benchmark run`` uses. Either way the gate, the
packet renderer and the store are the ones every other command uses.

:class:`Readiness` is what ``/readyz`` reports: ready once a first evaluation has run and the
last one did not fail to run. An evaluation whose source could not be evaluated (Prometheus
unreachable, a garbage answer) still renders a blocked packet naming the reason, but it did
fail to run, so the service is not ready until a later one succeeds.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cavra_prom import __version__
from cavra_prom.benchmark import embedded_source
from cavra_prom.evaluation.embedded import availability_from_suites, evaluate_suite_run
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.model import (
    EVIDENCE_SAMPLE,
    Evaluation,
    HaEvaluation,
    SuiteEvaluation,
)
from cavra_prom.evaluation.promql import PrometheusSource, evaluate_prometheus
from cavra_prom.gate import evaluate_gate
from cavra_prom.outcome_metrics import GateMetrics
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.regression.metrics import RegressionMetrics
from cavra_prom.regression.resolve import BaselineSettings, compare_with_baselines
from cavra_prom.serve.drill_state import DrillState
from cavra_prom.serve.load import SuiteLoad, merge_runs
from cavra_prom.serve.metrics import ServeMetrics
from cavra_prom.serve.store import PacketStore, StoredPacket
from cavra_prom.spec.model import Spec


@dataclass(frozen=True)
class ReadinessState:
    ready: bool
    reason: str
    evaluations: int
    last_evaluated_at: float | None


class Readiness:
    """Thread-safe record of the evaluation job's outcomes, for ``/readyz``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ReadinessState(False, "no evaluation has run yet", 0, None)

    def succeeded(self, at: float) -> None:
        with self._lock:
            self._state = ReadinessState(True, "ok", self._state.evaluations + 1, at)

    def failed(self, at: float, reason: str) -> None:
        with self._lock:
            self._state = ReadinessState(False, reason, self._state.evaluations + 1, at)

    def state(self) -> ReadinessState:
        with self._lock:
            return self._state


class EmbeddedSuites:
    """Suite evaluations from runs, recomputed only when the runs in the window change.

    Exact quantiles sort every duration of the window; between bursts nothing changes, so an
    evaluation every few seconds would redo the same sort for nothing.
    """

    def __init__(self) -> None:
        self._memo: dict[str, tuple[tuple[tuple[float, float, int], ...], SuiteEvaluation]] = {}

    def evaluate(self, load: SuiteLoad, since: float) -> SuiteEvaluation | None:
        runs = load.runs_since(since)
        if not runs:
            return None
        key = tuple((r.started_at, r.finished_at, r.sample_count) for r in runs)
        memo = self._memo.get(load.suite.id)
        if memo is not None and memo[0] == key:
            return memo[1]
        evaluation = evaluate_suite_run(merge_runs(runs), load.bounds, load.suite.slo)
        self._memo[load.suite.id] = (key, evaluation)
        return evaluation


def embedded_evaluation(
    spec: Spec,
    loads: Sequence[SuiteLoad],
    drills: DrillState,
    window: float,
    at: float,
    *,
    memo: EmbeddedSuites | None = None,
) -> Evaluation:
    """Sample evidence from the runs that finished within ``window`` seconds before ``at``."""
    evaluator = memo or EmbeddedSuites()
    suites = [s for load in loads if (s := evaluator.evaluate(load, at - window)) is not None]
    ha = dataclasses.replace(
        drills.ha() or HaEvaluation(EVIDENCE_SAMPLE, None, None, None, None, {}),
        availability_ratio=availability_from_suites(suites),
    )
    return Evaluation(
        source=embedded_source(spec),
        evidence_mode=EVIDENCE_SAMPLE,
        evaluated_at=at,
        suites=tuple(suites),
        drills=drills.results(),
        ha=ha,
        window_seconds=window,
    )


Signer = Callable[[dict[str, Any]], dict[str, Any]]
"""Adds ``integrity.signature`` to a sealed packet (``packet.signing.sign_packet`` bound)."""


@dataclass(frozen=True)
class EvaluationSettings:
    window_seconds: float
    source: PrometheusSource | None = None
    git_commit: str | None = None
    sign: Signer | None = None


@dataclass(frozen=True)
class EvaluationParts:
    """What the evaluation job reads from and writes to."""

    spec: Spec
    loads: Sequence[SuiteLoad]
    drills: DrillState
    store: PacketStore
    gate_metrics: GateMetrics
    serve_metrics: ServeMetrics
    evaluation_metrics: EvaluationMetrics | None = None
    regression_metrics: RegressionMetrics | None = None


class EvaluationJob:
    """Callable run by the scheduler: evaluate, gate, render, store, publish."""

    def __init__(
        self,
        parts: EvaluationParts,
        settings: EvaluationSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.parts = parts
        self.settings = settings
        self.readiness = Readiness()
        self._clock = clock
        self._spec_digest = spec_digest(parts.spec)
        self._embedded = EmbeddedSuites()

    def __call__(self) -> StoredPacket:
        try:
            return self._run()
        except Exception as exc:
            self.readiness.failed(self._clock(), f"the last evaluation raised: {exc}")
            raise

    def _run(self) -> StoredPacket:
        parts = self.parts
        evaluation = self._with_regressions(self.evaluate())
        gate = evaluate_gate(evaluation, parts.spec)
        packet = render_packet(evaluation, gate, parts.spec, self._provenance(evaluation))
        if self.settings.sign is not None:
            packet = self.settings.sign(packet)
        stored = parts.store.save(packet)
        parts.gate_metrics.update(gate)
        parts.serve_metrics.packet_rendered(stored.created_at)
        if evaluation.could_not_evaluate:
            reasons = ", ".join(sorted({p.reason for p in evaluation.problems if p.fatal}))
            self.readiness.failed(evaluation.evaluated_at, f"could not evaluate: {reasons}")
        else:
            self.readiness.succeeded(evaluation.evaluated_at)
        return stored

    def evaluate(self) -> Evaluation:
        parts, settings = self.parts, self.settings
        if settings.source is None:
            return embedded_evaluation(
                parts.spec,
                parts.loads,
                parts.drills,
                settings.window_seconds,
                self._clock(),
                memo=self._embedded,
            )
        return evaluate_prometheus(
            parts.spec,
            settings.source,
            settings.window_seconds,
            metrics=parts.evaluation_metrics,
        )

    def _with_regressions(self, evaluation: Evaluation) -> Evaluation:
        """Each suite against its baseline (pinned packet, the store's recent packets, or
        Prometheus an offset earlier), before gating; the new packet is not stored yet, so
        a rolling baseline is made of earlier packets only."""
        settings = BaselineSettings(
            store_dir=self.parts.store.directory, source=self.settings.source, strict=False
        )
        return compare_with_baselines(
            evaluation, self.parts.spec, settings, self.parts.regression_metrics
        )

    def _provenance(self, evaluation: Evaluation) -> Provenance:
        return Provenance(
            source=evaluation.source,
            window_seconds=evaluation.window_seconds or self.settings.window_seconds,
            evaluated_at=evaluation.evaluated_at,
            tool_version=__version__,
            spec_digest=self._spec_digest,
            git_commit=self.settings.git_commit,
        )
