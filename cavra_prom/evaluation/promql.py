"""Evaluation from Prometheus (or a Prometheus-API-compatible store): live evidence.

:func:`evaluate_prometheus` sends a fixed set of grouped queries (:mod:`.promql_plan`), all
pinned to one instant, and turns the results into the same :class:`Evaluation` the embedded
run produces, so one gate judges both. It never raises for anything the source does: every
fault becomes an :class:`EvaluationProblem` naming its reason (the gate blocks on it, and
``cavra_evaluation_errors_total{reason}`` counts it). Fatal problems (unreachable, timeout,
TLS, auth, 4xx/5xx, a body that is not a query result, no cavra data at all) stop the queries
early and mark the evaluation as one that could not be made.

When a suite's numbers disagree with the histogram fetched beside them, a scrape committed a
sample inside the evaluated instant between two queries; the same instant is read once more,
when every sample up to it has landed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.model import (
    EVIDENCE_LIVE,
    Evaluation,
    EvaluationProblem,
    SuiteEvaluation,
)
from cavra_prom.evaluation.promql_outcomes import empty_ha, evaluate_drills, evaluate_ha
from cavra_prom.evaluation.promql_plan import SAMPLE_COUNT, QueryPlan, build_plan
from cavra_prom.evaluation.promql_suites import evaluate_suites
from cavra_prom.promql.client import PromQLClient, QueryResult
from cavra_prom.promql.faults import SourceFault
from cavra_prom.promql.source import PrometheusSource, source_problems
from cavra_prom.spec.model import Spec

__all__ = ["EvaluationMetrics", "PrometheusSource", "evaluate_prometheus", "source_problems"]

PARALLEL_QUERIES = 4
"""Queries in flight at once after the first (see :func:`fetch`)."""


@dataclass
class Fetched:
    """The raw results of one plan, and the problems met while fetching them."""

    results: dict[str, QueryResult | None] = field(default_factory=dict)
    problems: list[EvaluationProblem] = field(default_factory=list)
    queries_sent: int = 0

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)


def fetch(source: PrometheusSource, plan: QueryPlan, at: float) -> Fetched:
    """Run every query of ``plan`` at ``at``; stop at the first fatal fault.

    The first query goes alone, so a source that cannot answer at all fails once (with its
    retries) rather than once per worker; the rest run :data:`PARALLEL_QUERIES` at a time, which
    lets a Prometheus with several cores evaluate them side by side.
    """
    fetched = Fetched()
    try:
        client = PromQLClient(source)
    except SourceFault as fault:
        fetched.problems.append(EvaluationProblem(fault.reason, fault.message, fault.fatal))
        return fetched
    items = list(plan.all().items())
    with client, ThreadPoolExecutor(PARALLEL_QUERIES, "cavra-promql") as pool:
        first_key, first_expression = items[0]
        _record(fetched, first_key, lambda: client.query(first_expression, at))
        if fetched.fatal:
            return fetched
        futures = [(key, pool.submit(client.query, expr, at)) for key, expr in items[1:]]
        for index, (key, future) in enumerate(futures):
            _record(fetched, key, future.result)
            if fetched.fatal:
                for _, pending in futures[index + 1 :]:
                    pending.cancel()
                break
    warned = [
        f"{key}: {result.warnings[0]}"
        for key, result in fetched.results.items()
        if result is not None and result.warnings
    ]
    if warned:
        fetched.problems.append(
            EvaluationProblem(
                names.REASON_PARTIAL_RESPONSE,
                f"{source.display_url} warned that {len(warned)} of {fetched.queries_sent} "
                f"results may be partial ({'; '.join(warned[:3])})",
            )
        )
    return fetched


def _record(fetched: Fetched, key: str, run: Callable[[], QueryResult]) -> None:
    """One query's outcome into ``fetched``: its result, or the problem that replaced it."""
    fetched.queries_sent += 1
    try:
        fetched.results[key] = run()
    except SourceFault as fault:
        # A fatal fault is the source's, not one query's: no key in its message.
        message = fault.message if fault.fatal else f"{key}: {fault.message}"
        fetched.problems.append(EvaluationProblem(fault.reason, message, fault.fatal))
        fetched.results[key] = None


def assemble(
    spec: Spec,
    plan: QueryPlan,
    fetched: Fetched,
    source: PrometheusSource,
    *,
    window_seconds: float,
    at: float,
) -> Evaluation:
    """The evaluation from fetched results (pure: no I/O, no clock)."""
    problems = list(fetched.problems)
    suites: tuple[SuiteEvaluation, ...] = ()
    drills: tuple[DrillResult, ...] = ()
    ha = empty_ha()
    no_data = None if fetched.fatal else _nothing_to_evaluate(spec, plan, fetched, source)
    if no_data is not None:
        problems.append(no_data)
    elif not fetched.fatal:
        suite_list, suite_problems = evaluate_suites(spec, plan, fetched.results, window_seconds)
        drill_list, drill_problems = evaluate_drills(spec, plan, fetched.results, at)
        ha, ha_problems = evaluate_ha(plan, fetched.results)
        suites, drills = tuple(suite_list), tuple(drill_list)
        problems += suite_problems + drill_problems + ha_problems
    return Evaluation(
        source=source.display_url,
        evidence_mode=EVIDENCE_LIVE,
        evaluated_at=at,
        suites=suites,
        drills=drills,
        ha=ha,
        window_seconds=window_seconds,
        problems=tuple(problems),
    )


def _nothing_to_evaluate(
    spec: Spec, plan: QueryPlan, fetched: Fetched, source: PrometheusSource
) -> EvaluationProblem | None:
    """A fatal problem when not one suite of the spec can be evaluated, else None."""
    count = fetched.results.get(SAMPLE_COUNT)
    if count is None:
        message = "the sample-count query failed, so no suite can be evaluated"
    elif not {s.labels.get(names.LABEL_SUITE) for s in count.samples} & {
        suite.id for suite in spec.suites
    }:
        message = (
            f"no suite of the spec has series at {source.display_url} over the {plan.window} "
            "window: is Prometheus scraping cavra-prom (and is the tenant header right)?"
        )
    else:
        return None
    return EvaluationProblem(names.REASON_NO_DATA, message, fatal=True)


def evaluate_prometheus(
    spec: Spec,
    source: PrometheusSource,
    window_seconds: float,
    *,
    at: float | None = None,
    metrics: EvaluationMetrics | None = None,
) -> Evaluation:
    """Evaluate ``spec``'s SLIs, drills and HA/DR over ``window_seconds`` ending at ``at``.

    ``at`` defaults to now. Never raises for a source fault (see the module docstring).
    """
    instant = time.time() if at is None else at
    plan = build_plan(spec, window_seconds)

    def once() -> Evaluation:
        fetched = fetch(source, plan, instant)
        return assemble(spec, plan, fetched, source, window_seconds=window_seconds, at=instant)

    evaluation = once()
    if any(p.reason == names.REASON_INCONSISTENT for p in evaluation.problems):
        evaluation = once()
    if metrics is not None:
        metrics.record(evaluation.problems)
    return evaluation
