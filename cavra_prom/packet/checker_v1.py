"""The v1 rules: how an R6.1 (``cavra.benchmark-slo.readiness.v1``) packet is still checked.

A v1 packet carries summary numbers, drill flags and declared HA/DR targets, nothing raw.
It is checked by R6.1's rules with R6.1's check names, with R6.1's flaws fixed where the
packet allows it: thresholds come from the spec (not from the report being judged), the
embedded gate and ``passed`` flags are recomputed or compared, never trusted. What v1 cannot
carry (histograms, drill observations, measured HA/DR values, provenance, a digest) cannot be
checked, which is why a v1 packet can satisfy the contract flag but never ``--require-live``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EVIDENCE_LIVE, EVIDENCE_SAMPLE
from cavra_prom.gate import GateCheck, fmt
from cavra_prom.packet.checks_claims import (
    ha_looser,
    mapping,
    operating_evidence_check,
    sequence,
    slo_looser,
)
from cavra_prom.packet.checks_integrity import blocker, listing, passed, warning
from cavra_prom.packet.checks_live import V1_NEVER_LIVE, sample_refs_check
from cavra_prom.packet.parse import opt_float
from cavra_prom.spec.model import Spec, SuiteSpec


def _suite_problems(entry: Mapping[str, Any], suite: SuiteSpec, min_samples: int) -> list[str]:
    slo, problems = suite.slo, []
    samples = opt_float(entry, "sample_count") or 0.0
    if samples < min_samples:
        problems.append(f"{fmt(samples)} samples < minimum {min_samples}")
    p95 = opt_float(entry, "p95_latency_ms")
    if p95 is None or p95 > slo.p95_latency_ms_max:
        problems.append(f"p95 {fmt(p95, ' ms')} > max {fmt(slo.p95_latency_ms_max, ' ms')}")
    throughput = opt_float(entry, "throughput_per_second")
    if throughput is None or throughput < slo.throughput_per_second_min:
        problems.append(
            f"throughput {fmt(throughput, '/s')} < min {fmt(slo.throughput_per_second_min, '/s')}"
        )
    if slo.p99_latency_ms_max is not None:
        problems.append("p99 objective set but a v1 packet carries no p99")
    if slo.error_ratio_max is not None:
        problems.append("error-ratio objective set but a v1 packet carries no error ratio")
    return problems


def v1_gate_checks(report: Mapping[str, Any], spec: Spec) -> list[GateCheck]:
    """R6.1's four gate checks, re-derived from the v1 numbers with the spec's thresholds."""
    suites = {
        str(mapping(e).get("suite_id")): mapping(e)
        for e in sequence(report.get("benchmark_suites"))
    }
    required = spec.gate.required_suites or tuple(s.id for s in spec.suites)
    missing = [s for s in required if (opt_float(suites.get(s, {}), "sample_count") or 0) <= 0]
    checks = [
        blocker(names.CHECK_BENCHMARK_SUITES, f"Missing benchmark suites: {', '.join(missing)}.")
        if missing
        else passed(
            names.CHECK_BENCHMARK_SUITES,
            f"Required benchmark suites are present ({len(required)}).",
        )
    ]
    for suite in sorted(spec.suites, key=lambda s: s.id):
        name = names.suite_slo_check_name(suite.id)
        if suite.id not in suites:
            checks.append(blocker(name, f"{suite.id} was not evaluated."))
            continue
        problems = _suite_problems(suites[suite.id], suite, spec.gate.min_samples_per_suite)
        checks.append(
            blocker(name, f"{suite.id} misses its SLO: {'; '.join(problems)}.")
            if problems
            else passed(name, f"{suite.id} meets latency and throughput SLO (v1 summary numbers).")
        )
    checks.append(_drills(report, spec))
    ha_problems = ha_looser(mapping(report.get("ha_slo_targets")), spec.ha_dr)
    checks.append(
        blocker(
            names.CHECK_HA_SLO_TARGETS, f"HA/DR targets are incomplete: {listing(ha_problems)}."
        )
        if ha_problems
        else passed(
            names.CHECK_HA_SLO_TARGETS,
            "HA/DR targets cover RTO, RPO, replica floors and event-bus resilience (v1 declares "
            "targets only; nothing was measured).",
        )
    )
    return checks


def _drills(report: Mapping[str, Any], spec: Spec) -> GateCheck:
    drills = {
        str(mapping(e).get("drill_id")): mapping(e)
        for e in sequence(report.get("failure_mode_drills"))
    }
    required = list(dict.fromkeys([*spec.gate.required_drills, *(d.id for d in spec.drills)]))
    gaps = [d for d in required if d not in drills]
    gaps += [f"{d} failed" for d in required if d in drills and drills[d].get("passed") is not True]
    if gaps:
        return blocker(
            names.CHECK_FAILURE_MODE_DRILLS, f"Failure-mode drill gaps: {', '.join(gaps)}."
        )
    return passed(
        names.CHECK_FAILURE_MODE_DRILLS,
        f"Required failure-mode drills passed ({len(required)}; a v1 drill carries only a flag).",
    )


def _embedded(packet: Mapping[str, Any], derived: Sequence[GateCheck]) -> GateCheck:
    report = mapping(packet.get("benchmark_report"))
    gate = mapping(packet.get("slo_regression_gate"))
    blockers = {c.name for c in derived if c.status == names.STATUS_BLOCKER}
    problems = []
    if "regression_gate" in report and report.get("regression_gate") != packet.get(
        "slo_regression_gate"
    ):
        problems.append("slo_regression_gate differs from benchmark_report.regression_gate")
    if gate.get("passed") is True and blockers:
        problems.append(
            f"the embedded gate claims passed, re-derived blockers: {', '.join(sorted(blockers))}"
        )
    for entry in sequence(report.get("benchmark_suites")):
        suite = mapping(entry)
        if (
            suite.get("passed") is True
            and names.suite_slo_check_name(str(suite.get("suite_id"))) in blockers
        ):
            problems.append(f"suite {suite.get('suite_id')} claims passed, re-derived: blocked")
    if problems:
        return blocker(
            names.CHECK_EMBEDDED_VERDICTS,
            f"The packet's own verdicts cannot be right: {listing(problems)}.",
        )
    return passed(
        names.CHECK_EMBEDDED_VERDICTS,
        "The embedded v1 gate claims no more than the re-derived checks.",
    )


def _evidence_mode(packet: Mapping[str, Any], require_live: bool) -> GateCheck:
    mode = packet.get("evidence_mode")
    if mode == EVIDENCE_SAMPLE:
        message = "Sample benchmark/SLO packet validates contract shape only."
        return (blocker if require_live else warning)(names.CHECK_EVIDENCE_MODE, message)
    if mode == EVIDENCE_LIVE:
        message = f"Labelled live, but {V1_NEVER_LIVE}."
        return (blocker if require_live else warning)(names.CHECK_EVIDENCE_MODE, message)
    return blocker(names.CHECK_EVIDENCE_MODE, f"evidence_mode {mode!r} is neither sample nor live.")


def check_v1(packet: Mapping[str, Any], spec: Spec, require_live: bool) -> list[GateCheck]:
    """Every check a v1 packet gets (after its schema passed), in R6.1's order."""
    report = mapping(packet.get("benchmark_report"))
    derived = v1_gate_checks(report, spec)
    threshold_problems = [
        p
        for entry in sequence(report.get("benchmark_suites"))
        if (sid := str(mapping(entry).get("suite_id"))) in {s.id for s in spec.suites}
        for p in slo_looser(sid, mapping(mapping(entry).get("slo")), spec.suite(sid).slo)
    ]
    checks = [
        warning(
            names.CHECK_INTEGRITY_DIGEST,
            "A v1 packet carries no digest; its bytes cannot be verified.",
        ),
        _evidence_mode(packet, require_live),
        operating_evidence_check(packet),
        blocker(
            names.CHECK_SPEC_THRESHOLDS,
            f"The packet's thresholds are looser than the spec's: {listing(threshold_problems)}.",
        )
        if threshold_problems
        else passed(
            names.CHECK_SPEC_THRESHOLDS,
            "Thresholds stated in the v1 packet are not looser than the spec's.",
        ),
        *derived,
        _embedded(packet, derived),
    ]
    if require_live:
        checks.append(
            blocker(
                names.CHECK_LIVE_PROVENANCE, V1_NEVER_LIVE[:1].upper() + V1_NEVER_LIVE[1:] + "."
            )
        )
        checks.append(sample_refs_check(packet, names.STATUS_BLOCKER))
    return checks
