"""Drill verdicts and HA/DR values from PromQL results: pure, like the suite assembly.

A drill read from Prometheus is judged by its gauges: passed only if every instance's last run
passed (``min by (drill)``), and only while fresh. A drill that has not run within twice its
``schedule_seconds`` is stale: failed, with a problem naming it, because a drill that passed
last month says nothing about today's build. Its observations carry the raw gauge value under
``conventions.DRILL_PASSED_OBSERVATION``, which the readiness checker re-judges.

HA/DR values come from the spec's own PromQL (``ha_dr.queries``, ``ha_dr.availability``) so a
deployment points them at its real metrics; the defaults read what cavra-prom exports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.drills.model import Observation
from cavra_prom.evaluation import promql_plan as keys
from cavra_prom.evaluation.model import EVIDENCE_LIVE, EvaluationProblem, HaEvaluation
from cavra_prom.evaluation.promql_plan import QueryPlan, Results, by_label
from cavra_prom.gate import fmt
from cavra_prom.spec.model import DrillSpec, Spec

STALE_SCHEDULES = 2.0
"""A drill is stale once its last run is older than this many schedule periods."""
OBSERVED_PASSED = "passed"
OBSERVED_FAILED = "failed"
OBSERVED_STALE = "stale"


def evaluate_drills(
    spec: Spec, plan: QueryPlan, results: Results, at: float
) -> tuple[list[DrillResult], list[EvaluationProblem]]:
    passed = by_label(results.get(keys.DRILL_PASSED), names.LABEL_DRILL)
    last_run = by_label(results.get(keys.DRILL_LAST_RUN), names.LABEL_DRILL)
    recovery = by_label(results.get(keys.DRILL_RECOVERY), names.LABEL_DRILL)
    drills: list[DrillResult] = []
    problems: list[EvaluationProblem] = []
    for drill in spec.drills:
        if drill.id not in passed:
            problems.append(
                EvaluationProblem(
                    names.REASON_NO_DATA,
                    f"drill {drill.id}: no {names.DRILL_PASSED} series (has it run?)",
                )
            )
            continue
        result, problem = drill_result(
            drill, passed[drill.id], last_run.get(drill.id), recovery.get(drill.id), at
        )
        drills.append(result)
        if problem is not None:
            problems.append(problem)
    return drills, problems


def drill_result(
    drill: DrillSpec, passed: float, last_run: float | None, recovery: float | None, at: float
) -> tuple[DrillResult, EvaluationProblem | None]:
    """One drill's verdict from its gauges, and the problem that makes it untrusted, if any."""
    observations: dict[str, Observation] = {names.DRILL_PASSED_OBSERVATION: passed}
    ended = last_run if last_run is not None and math.isfinite(last_run) else 0.0
    problem: EvaluationProblem | None = None
    word, reason = OBSERVED_PASSED, None
    if last_run is None or not math.isfinite(last_run):
        word, reason = OBSERVED_STALE, f"no current {names.DRILL_LAST_RUN_TIMESTAMP_SECONDS}"
        problem = EvaluationProblem(names.REASON_STALE, f"drill {drill.id}: {reason}")
    else:
        age = at - last_run
        observations["last_run_timestamp_seconds"] = last_run
        observations["last_run_age_seconds"] = age
        limit = STALE_SCHEDULES * drill.schedule_seconds
        if age > limit:
            word = OBSERVED_STALE
            reason = f"last run {fmt(age, ' s')} ago, more than twice its schedule"
            problem = EvaluationProblem(
                names.REASON_STALE,
                f"drill {drill.id}: {reason} ({fmt(limit, ' s')})",
            )
    if problem is None and math.isnan(passed):
        word, reason = OBSERVED_FAILED, f"{names.DRILL_PASSED} is NaN"
        problem = EvaluationProblem(names.REASON_NAN, f"drill {drill.id}: {reason}")
    elif problem is None and passed != 1.0:
        word, reason = (
            OBSERVED_FAILED,
            f"{names.DRILL_PASSED} is {fmt(passed)}: the last run failed",
        )
    result = DrillResult(
        drill_id=drill.id,
        fault=drill.fault,
        injected_fault=drill.injected_fault,
        expected_behavior=drill.expected_behavior,
        observed_behavior=word,
        observations=observations,
        passed=word == OBSERVED_PASSED,
        failure_reason=reason,
        started_at=ended,
        ended_at=ended,
        recovery_seconds=recovery if recovery is not None and math.isfinite(recovery) else None,
    )
    return result, problem


def _one(
    key: str, plan: QueryPlan, results: Results, pick: Callable[[Iterable[float]], float]
) -> tuple[float | None, EvaluationProblem | None]:
    """A single HA value (the worst series when the query returns several)."""
    result = results.get(key)
    if result is None:
        return None, None  # the query itself failed; its problem is already recorded
    values = [s.value for s in result.samples]
    if not values:
        return None, EvaluationProblem(
            names.REASON_NO_DATA, f"HA/DR {key}: no data for {plan.ha[key]}"
        )
    if any(math.isnan(v) for v in values):
        return None, EvaluationProblem(names.REASON_NAN, f"HA/DR {key}: {plan.ha[key]} is NaN")
    return pick(values), None


def evaluate_ha(plan: QueryPlan, results: Results) -> tuple[HaEvaluation, list[EvaluationProblem]]:
    """HA/DR values beside the queries they came from (the availability ratio over the window
    is judged against the spec's objective by the gate)."""
    problems: list[EvaluationProblem] = []
    measured: dict[str, float | None] = {}
    for key, pick in (
        (keys.RTO, max),
        (keys.RPO, max),
        (keys.API_REPLICAS, min),
        (keys.WORKER_REPLICAS, min),
        (keys.AVAILABILITY, min),
    ):
        measured[key], problem = _one(key, plan, results, pick)
        if problem is not None:
            problems.append(problem)
    event_bus, bus_problem = _event_bus(plan, results)
    if bus_problem is not None:
        problems.append(bus_problem)
    methods = dict(plan.ha)
    availability = measured[keys.AVAILABILITY]
    methods[keys.AVAILABILITY] = f"{plan.ha[keys.AVAILABILITY]} = {fmt(availability)}"
    ha = HaEvaluation(
        evidence_mode=EVIDENCE_LIVE,
        rto_minutes=measured[keys.RTO],
        rpo_minutes=measured[keys.RPO],
        api_replicas=_count(measured[keys.API_REPLICAS]),
        worker_replicas=_count(measured[keys.WORKER_REPLICAS]),
        event_bus=event_bus,
        methods=methods,
        availability_ratio=availability,
    )
    return ha, problems


def _count(value: float | None) -> int | None:
    return None if value is None or not math.isfinite(value) else round(value)


def _event_bus(
    plan: QueryPlan, results: Results
) -> tuple[dict[str, bool | None], EvaluationProblem | None]:
    result = results.get(keys.EVENT_BUS)
    if result is None:
        return {}, None
    shown = by_label(result, names.LABEL_CAPABILITY)
    if not shown:
        return {}, EvaluationProblem(
            names.REASON_NO_DATA,
            f"HA/DR {keys.EVENT_BUS}: no series with a {names.LABEL_CAPABILITY} label for "
            f"{plan.ha[keys.EVENT_BUS]}",
        )
    return {name: (None if math.isnan(v) else v >= 1.0) for name, v in sorted(shown.items())}, None


def empty_ha() -> HaEvaluation:
    """HA/DR with nothing measured (the source could not be read at all)."""
    return HaEvaluation(
        evidence_mode=EVIDENCE_LIVE,
        rto_minutes=None,
        rpo_minutes=None,
        api_replicas=None,
        worker_replicas=None,
        event_bus={},
    )
