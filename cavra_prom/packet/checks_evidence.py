"""Turn a packet's raw evidence into the evaluation the gate judges, and name what disagrees.

Suites: histogram-derived numbers are recomputed from the histogram
(:mod:`cavra_prom.packet.recompute`); the gate sees the recomputed values and the within-SLO
verdict at the *spec's* threshold. Drills: the verdict is re-judged from the observations
(:mod:`cavra_prom.packet.drill_rules`); the ``passed`` flag is only compared with it.
Where the raw evidence is missing, the reported value is passed on unverified and the
``suite_evidence`` / ``drill_evidence`` blocker says so; the gate never sees a flag it has to
trust.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cavra_prom import conventions as names
from cavra_prom.drills import DrillResult
from cavra_prom.evaluation.model import Evaluation, SuiteEvaluation
from cavra_prom.gate import GateCheck
from cavra_prom.packet.checks_claims import mapping, sequence
from cavra_prom.packet.checks_integrity import blocker, listing, passed
from cavra_prom.packet.drill_hook_rules import judge_hook_drill
from cavra_prom.packet.drill_rules import STALE_SCHEDULES, DrillJudgement, judge_drill
from cavra_prom.packet.parse import drill_from_entry, parse_timestamp, suite_from_entry
from cavra_prom.packet.recompute import SuiteRecompute, recompute_suite
from cavra_prom.spec.model import Spec


@dataclass(frozen=True)
class DerivedEvidence:
    """The gate's input built from raw evidence, and the two evidence checks."""

    evaluation: Evaluation
    suite_check: GateCheck
    drill_check: GateCheck
    unbound_suites: tuple[str, ...]


def _gate_suite(
    reported: SuiteEvaluation, rc: SuiteRecompute, whole_counts: bool
) -> SuiteEvaluation:
    if rc.buckets is None:
        return reported
    error_ratio = reported.error_ratio
    if whole_counts and reported.sample_count > 0:
        error_ratio = reported.error_count / reported.sample_count
    return dataclasses.replace(
        reported,
        p50_latency_ms=rc.quantiles_ms.get("p50_latency_ms"),
        p95_latency_ms=rc.quantiles_ms.get("p95_latency_ms"),
        p99_latency_ms=rc.quantiles_ms.get("p99_latency_ms"),
        p95_bucket_ms=rc.p95_bucket_ms,
        within_slo_ratio=rc.within_at_spec,
        error_ratio=error_ratio,
    )


def _suites(
    report: Mapping[str, Any], spec: Spec, whole_counts: bool
) -> tuple[list[SuiteEvaluation], list[str], list[str]]:
    spec_ids = {s.id: s for s in spec.suites}
    suites, problems, unbound = [], [], []
    seen: set[str] = set()
    for raw in sequence(report.get("benchmark_suites")):
        entry = mapping(raw)
        suite_id = str(entry.get("suite_id"))
        if suite_id in seen:
            problems.append(f"{suite_id}: appears more than once")
            continue
        seen.add(suite_id)
        suite_spec = spec_ids.get(suite_id)
        threshold = suite_spec.slo.p95_latency_ms_max if suite_spec else None
        rc = recompute_suite(entry, threshold, whole_counts)
        problems += [f"{suite_id}: {p}" for p in rc.problems]
        if rc.buckets is not None and not rc.spec_threshold_is_bound:
            unbound.append(suite_id)
        suites.append(_gate_suite(suite_from_entry(entry), rc, whole_counts))
    return suites, problems, unbound


def _drill_problems(entry: Mapping[str, Any], claimed: DrillResult, judged: bool) -> list[str]:
    problems = []
    if not mapping(entry.get("observations")):
        problems.append("carries no observations")
    if entry.get("passed") is not judged:
        problems.append(
            f"claims passed={str(entry.get('passed')).lower()} but its observations show "
            f"{'a pass' if judged else 'a failure'}"
        )
    started, ended = (
        parse_timestamp(entry.get("started_at")),
        parse_timestamp(entry.get("ended_at")),
    )
    if started is None or ended is None:
        problems.append("started_at/ended_at missing or not ISO 8601 with an offset")
    elif ended < started:
        problems.append("ended_at is before started_at")
    if judged and claimed.recovery_seconds is None:
        problems.append("passed without a measured recovery time")
    return problems


def _judge(claimed: DrillResult, spec: Spec) -> DrillJudgement:
    """Hook drills by the spec's assertions; built-in faults by their count rules."""
    drill_spec = next((d for d in spec.drills if d.id == claimed.drill_id), None)
    from_prometheus = names.DRILL_PASSED_OBSERVATION in claimed.observations
    if drill_spec is not None and drill_spec.hooks is not None and not from_prometheus:
        return judge_hook_drill(drill_spec.hooks, claimed.observations)
    stale_after = None if drill_spec is None else STALE_SCHEDULES * drill_spec.schedule_seconds
    return judge_drill(claimed.fault, claimed.observations, stale_after)


def _drills(report: Mapping[str, Any], spec: Spec) -> tuple[list[DrillResult], list[str]]:
    drills, problems = [], []
    seen: set[str] = set()
    for raw in sequence(report.get("failure_mode_drills")):
        entry = mapping(raw)
        claimed = drill_from_entry(entry)
        if claimed.drill_id in seen:
            problems.append(f"{claimed.drill_id}: appears more than once")
            continue
        seen.add(claimed.drill_id)
        judgement = _judge(claimed, spec)
        problems += [
            f"{claimed.drill_id}: {p}" for p in _drill_problems(entry, claimed, judgement.passed)
        ]
        drills.append(
            dataclasses.replace(
                claimed,
                passed=judgement.passed,
                observed_behavior=claimed.observed_behavior
                if judgement.passed
                else judgement.observed_behavior,
                failure_reason=judgement.reason,
            )
        )
    return drills, problems


def derive_evidence(
    report: Mapping[str, Any], reported: Evaluation, spec: Spec, whole_counts: bool
) -> DerivedEvidence:
    """The gate's evaluation from raw evidence, plus ``suite_evidence`` and ``drill_evidence``."""
    suites, suite_problems, unbound = _suites(report, spec, whole_counts)
    drills, drill_problems = _drills(report, spec)
    evaluation = dataclasses.replace(reported, suites=tuple(suites), drills=tuple(drills))
    if suite_problems:
        suite_check = blocker(
            names.CHECK_SUITE_EVIDENCE,
            f"Suite numbers disagree with their raw data: {listing(suite_problems)}.",
        )
    else:
        suite_check = passed(
            names.CHECK_SUITE_EVIDENCE,
            f"Every suite's p50/p95/p99, p95 bucket and within-SLO ratio were recomputed from its "
            f"histogram and match ({len(suites)} suites).",
        )
    if drill_problems:
        drill_check = blocker(
            names.CHECK_DRILL_EVIDENCE,
            f"Drill evidence does not hold up: {listing(drill_problems)}.",
        )
    else:
        drill_check = passed(
            names.CHECK_DRILL_EVIDENCE,
            f"Every drill's verdict was re-judged from its observations and matches "
            f"({len(drills)} drills).",
        )
    return DerivedEvidence(evaluation, suite_check, drill_check, tuple(unbound))
