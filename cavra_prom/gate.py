"""The gate: a pure function from measured values and the spec to named checks.

Thresholds come from the spec only, never from the measured data or a packet's own copy of
them (R6.1 read thresholds from the report it judged). Anything not measured, too few samples,
or evidence that contradicts itself is a blocker: the gate fails closed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EVIDENCE_SAMPLE, Evaluation, HaEvaluation, SuiteEvaluation
from cavra_prom.spec.model import GatePolicy, HaDrSpec, Spec, SuiteSpec

P95_QUANTILE = 0.95
STATUS_READY = "ready"
STATUS_READY_WITH_WARNINGS = "ready_with_warnings"
STATUS_BLOCKED = "blocked"
CHECK_LIVE_EVIDENCE = "live_evidence"
CHECK_EVALUATION = "evaluation_source"


@dataclass(frozen=True)
class GateCheck:
    name: str
    status: str  # pass | warn | blocker
    message: str


@dataclass(frozen=True)
class GateResult:
    checks: tuple[GateCheck, ...]

    @property
    def blocker_count(self) -> int:
        return sum(1 for c in self.checks if c.status == names.STATUS_BLOCKER)

    @property
    def warning_count(self) -> int:
        return sum(1 for c in self.checks if c.status == names.STATUS_WARN)

    @property
    def passed(self) -> bool:
        return self.blocker_count == 0

    @property
    def status(self) -> str:
        if self.blocker_count:
            return STATUS_BLOCKED
        return STATUS_READY_WITH_WARNINGS if self.warning_count else STATUS_READY

    def blockers(self) -> list[GateCheck]:
        return [c for c in self.checks if c.status == names.STATUS_BLOCKER]


def fmt(value: float | None, unit: str = "") -> str:
    """A number for a message: about four significant digits, no exponent; None is 'unmeasured'.

    Sub-millisecond recoveries and 12,000/s throughputs both stay readable this way.
    """
    if value is None:
        return "unmeasured"
    if value == 0 or not math.isfinite(value):
        return f"{value:g}{unit}"
    decimals = min(6, max(0, 3 - math.floor(math.log10(abs(value)))))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{unit}"


def evaluate_gate(evaluation: Evaluation, spec: Spec) -> GateResult:
    """All checks, in R6.1 order: suites present, each suite's SLO, drills, HA/DR, evidence."""
    checks = [_suites_present(evaluation, spec.gate, spec)]
    checks += [
        _suite_slo(evaluation.suite(suite.id), suite, spec.gate)
        for suite in sorted(spec.suites, key=lambda s: s.id)
    ]
    checks += regression_checks(evaluation)
    checks.append(_drills(evaluation, spec))
    checks.append(_ha_targets(evaluation.ha, spec.ha_dr))
    checks.append(_evidence(evaluation, spec.gate))
    if evaluation.problems:
        checks.append(_evaluation_problems(evaluation))
    return GateResult(tuple(checks))


def regression_checks(evaluation: Evaluation) -> list[GateCheck]:
    """``<suite_id>_regression`` checks from the evaluation's baseline comparisons (none
    without a baseline). The verdicts were reached by :mod:`cavra_prom.regression.compare`
    with the spec's tolerances; the message builder lives beside it and builds on
    :class:`GateCheck`, hence the import here rather than at the top (an import cycle)."""
    from cavra_prom.regression.checks import regression_checks as build

    return build(evaluation.regressions)


def _evaluation_problems(evaluation: Evaluation) -> GateCheck:
    """Anything the evaluator could not measure, named: the gate fails closed on it."""
    reasons = "; ".join(f"{p.reason}: {p.message}" for p in evaluation.problems)
    return GateCheck(
        CHECK_EVALUATION,
        names.STATUS_BLOCKER,
        f"Evaluation from {evaluation.source} is incomplete: {reasons}.",
    )


def _required_suites(policy: GatePolicy, spec: Spec) -> Sequence[str]:
    return policy.required_suites or tuple(s.id for s in spec.suites)


def _suites_present(evaluation: Evaluation, policy: GatePolicy, spec: Spec) -> GateCheck:
    required = _required_suites(policy, spec)
    missing = [s for s in required if (ev := evaluation.suite(s)) is None or ev.sample_count == 0]
    if missing:
        return GateCheck(
            names.CHECK_BENCHMARK_SUITES,
            names.STATUS_BLOCKER,
            f"Required benchmark suites have no measurements: {', '.join(missing)}.",
        )
    return GateCheck(
        names.CHECK_BENCHMARK_SUITES,
        names.STATUS_PASS,
        f"Required benchmark suites are present ({len(required)}).",
    )


def suite_slo_problems(ev: SuiteEvaluation, suite: SuiteSpec, policy: GatePolicy) -> list[str]:
    """Every reason a measured suite misses its SLO; empty when it meets it."""
    slo = suite.slo
    problems: list[str] = []
    if ev.sample_count < policy.min_samples_per_suite:
        problems.append(f"{ev.sample_count} samples < minimum {policy.min_samples_per_suite}")
    problems += _latency_problems(ev, slo.p95_latency_ms_max)
    if ev.throughput_per_second is None or ev.throughput_per_second < slo.throughput_per_second_min:
        problems.append(
            f"throughput {fmt(ev.throughput_per_second, '/s')} < min "
            f"{fmt(slo.throughput_per_second_min, '/s')}"
        )
    if slo.p99_latency_ms_max is not None and (
        ev.p99_latency_ms is None or ev.p99_latency_ms > slo.p99_latency_ms_max
    ):
        problems.append(
            f"p99 {fmt(ev.p99_latency_ms, ' ms')} > max {fmt(slo.p99_latency_ms_max, ' ms')}"
        )
    if slo.error_ratio_max is not None and (
        ev.error_ratio is None or ev.error_ratio > slo.error_ratio_max
    ):
        problems.append(f"error ratio {fmt(ev.error_ratio)} > max {fmt(slo.error_ratio_max)}")
    return problems


def _latency_problems(ev: SuiteEvaluation, p95_max_ms: float) -> list[str]:
    """p95 verdict, plus a consistency check between the three forms of the same statement.

    With the threshold as a bucket bound, "histogram p95 <= T", "within-SLO ratio >= 0.95" and
    "exact p95 <= T" must agree; when they do not, the evidence has been altered or mis-built.
    """
    p95, within, exact = ev.p95_latency_ms, ev.within_slo_ratio, ev.p95_exact_latency_ms
    if p95 is None or within is None:
        missing = "p95 latency" if p95 is None else "within-SLO ratio"
        return [f"{missing} unmeasured"]
    problems = []
    if p95 > p95_max_ms:
        problems.append(f"p95 {fmt(p95, ' ms')} > max {fmt(p95_max_ms, ' ms')}")
    verdicts = {p95 <= p95_max_ms, within >= P95_QUANTILE}
    if exact is not None:
        verdicts.add(exact <= p95_max_ms)
    if len(verdicts) > 1:
        problems.append(
            f"inconsistent latency evidence: histogram p95 {fmt(p95, ' ms')}, within-SLO ratio "
            f"{fmt(within)}, exact p95 {fmt(exact, ' ms')} disagree about {fmt(p95_max_ms, ' ms')}"
        )
    return problems


def _suite_slo(ev: SuiteEvaluation | None, suite: SuiteSpec, policy: GatePolicy) -> GateCheck:
    name = names.suite_slo_check_name(suite.id)
    if ev is None:
        return GateCheck(name, names.STATUS_BLOCKER, f"{suite.id} was not evaluated.")
    problems = suite_slo_problems(ev, suite, policy)
    if problems:
        return GateCheck(
            name, names.STATUS_BLOCKER, f"{suite.id} misses its SLO: {'; '.join(problems)}."
        )
    return GateCheck(
        name,
        names.STATUS_PASS,
        f"{suite.id} meets latency and throughput SLO: p95 {fmt(ev.p95_latency_ms, ' ms')} <= "
        f"{fmt(suite.slo.p95_latency_ms_max, ' ms')}, throughput "
        f"{fmt(ev.throughput_per_second, '/s')} >= {fmt(suite.slo.throughput_per_second_min, '/s')}"
        f", {ev.sample_count} samples.",
    )


def _drills(evaluation: Evaluation, spec: Spec) -> GateCheck:
    expected = spec.gate.required_drills or tuple(d.id for d in spec.drills)
    ids = list(dict.fromkeys([*expected, *(d.id for d in spec.drills)]))
    problems = []
    for drill_id in ids:
        result = evaluation.drill(drill_id)
        if result is None:
            problems.append(f"{drill_id} did not run")
        elif not result.passed:
            reason = result.failure_reason or "expected behaviour not observed"
            problems.append(f"{drill_id} failed ({result.observed_behavior}): {reason}")
    if problems:
        return GateCheck(
            names.CHECK_FAILURE_MODE_DRILLS,
            names.STATUS_BLOCKER,
            f"Failure-mode drills did not pass: {'; '.join(problems)}.",
        )
    return GateCheck(
        names.CHECK_FAILURE_MODE_DRILLS,
        names.STATUS_PASS,
        f"Required failure-mode drills passed ({len(ids)}).",
    )


def ha_problems(ha: HaEvaluation, targets: HaDrSpec) -> list[str]:
    """Every HA/DR target the measured values miss (unmeasured counts as missed)."""
    problems = []
    if ha.rto_minutes is None or ha.rto_minutes > targets.rto_minutes:
        problems.append(f"RTO {fmt(ha.rto_minutes, ' min')} > {fmt(targets.rto_minutes, ' min')}")
    if ha.rpo_minutes is None or ha.rpo_minutes > targets.rpo_minutes:
        problems.append(f"RPO {fmt(ha.rpo_minutes, ' min')} > {fmt(targets.rpo_minutes, ' min')}")
    for label, value, floor in (
        ("API replicas", ha.api_replicas, targets.min_api_replicas),
        ("worker replicas", ha.worker_replicas, targets.min_worker_replicas),
    ):
        if value is None or value < floor:
            problems.append(f"{label} {'unmeasured' if value is None else value} < {floor}")
    objective = targets.availability.objective
    if ha.availability_ratio is None or ha.availability_ratio < objective:
        shown = "unmeasured" if ha.availability_ratio is None else f"{ha.availability_ratio:.4%}"
        problems.append(f"availability {shown} < objective {objective:.4%}")
    required = targets.event_bus
    for capability in ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics"):
        if getattr(required, capability) and ha.event_bus.get(capability) is not True:
            problems.append(f"event bus {capability.replace('_', ' ')} not shown")
    return problems


def _ha_targets(ha: HaEvaluation, targets: HaDrSpec) -> GateCheck:
    problems = ha_problems(ha, targets)
    if problems:
        return GateCheck(
            names.CHECK_HA_SLO_TARGETS,
            names.STATUS_BLOCKER,
            f"HA/DR targets missed: {'; '.join(problems)}.",
        )
    return GateCheck(
        names.CHECK_HA_SLO_TARGETS,
        names.STATUS_PASS,
        f"HA/DR targets met: RTO {fmt(ha.rto_minutes, ' min')} <= "
        f"{fmt(targets.rto_minutes, ' min')}, RPO {fmt(ha.rpo_minutes, ' min')} <= "
        f"{fmt(targets.rpo_minutes, ' min')}, availability {ha.availability_ratio or 0:.4%} >= "
        f"{targets.availability.objective:.4%}, replicas {ha.api_replicas} API / "
        f"{ha.worker_replicas} worker, event bus durable with DLQ, replay and lag metrics.",
    )


def _evidence(evaluation: Evaluation, policy: GatePolicy) -> GateCheck:
    if evaluation.evidence_mode != EVIDENCE_SAMPLE:
        return GateCheck(
            CHECK_LIVE_EVIDENCE, names.STATUS_PASS, f"Evidence is live ({evaluation.source})."
        )
    status = names.STATUS_WARN if policy.allow_sample_evidence else names.STATUS_BLOCKER
    return GateCheck(
        CHECK_LIVE_EVIDENCE,
        status,
        "Evidence is sample evidence from the embedded reference run, not a live deployment "
        f"evaluated from Prometheus ({evaluation.source}).",
    )
