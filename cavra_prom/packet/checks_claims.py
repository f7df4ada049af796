"""Checker checks on what a packet claims: labels, references, thresholds, its own verdicts.

None of these claims is used to reach a verdict. They are compared with the spec and with the
re-derived checks, and a claim that is looser or more optimistic than the evidence is a
blocker named here, so a reader learns *which* claim was false.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EVIDENCE_LIVE, EVIDENCE_SAMPLE
from cavra_prom.gate import (
    STATUS_BLOCKED,
    STATUS_READY,
    STATUS_READY_WITH_WARNINGS,
    GateCheck,
    GateResult,
    fmt,
)
from cavra_prom.packet.checks_integrity import blocker, listing, passed, warning
from cavra_prom.packet.parse import opt_float
from cavra_prom.spec.model import HaDrSpec, SloSpec, Spec

OPERATING_REFS: Final = (
    "ci_run_ref",
    "benchmark_report_ref",
    "ha_evidence_ref",
    "failure_drill_ref",
)
EMBEDDED_SCHEME: Final = "embedded://"


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def evidence_mode_check(packet: Mapping[str, Any]) -> GateCheck:
    """The packet's evidence labels agree with each other and with where it came from."""
    mode = packet.get("evidence_mode")
    report = mapping(packet.get("benchmark_report"))
    ha_mode = mapping(mapping(report.get("ha_slo_targets")).get("measured")).get("evidence_mode")
    source = str(mapping(packet.get("provenance")).get("source", ""))
    problems = []
    if (report.get("mode") == EVIDENCE_LIVE) != (mode == EVIDENCE_LIVE):
        problems.append(
            f"evidence_mode is {mode} but benchmark_report.mode is {report.get('mode')}"
        )
    if mode == EVIDENCE_LIVE and ha_mode not in (None, EVIDENCE_LIVE):
        problems.append(f"evidence_mode is live but the HA/DR values are {ha_mode} evidence")
    if mode == EVIDENCE_LIVE and source.startswith(EMBEDDED_SCHEME):
        problems.append(f"evidence_mode is live but the packet was evaluated from {source}")
    if problems:
        return blocker(
            names.CHECK_EVIDENCE_MODE,
            f"The evidence labels contradict each other: {listing(problems)}.",
        )
    if mode == EVIDENCE_SAMPLE:
        return passed(
            names.CHECK_EVIDENCE_MODE,
            f"Sample evidence ({source or 'unknown source'}), labelled consistently; it proves "
            "the contract shape, not a deployment.",
        )
    return passed(names.CHECK_EVIDENCE_MODE, f"Live evidence labels agree ({source}).")


def operating_evidence_check(packet: Mapping[str, Any]) -> GateCheck:
    """R6.1's rule: the four operating-evidence references are all present."""
    refs = mapping(packet.get("operating_evidence"))
    missing = [key for key in OPERATING_REFS if not str(refs.get(key, "")).strip()]
    if missing:
        return blocker(
            names.CHECK_OPERATING_EVIDENCE, f"Operating evidence is missing: {', '.join(missing)}."
        )
    return passed(
        names.CHECK_OPERATING_EVIDENCE,
        "Benchmark, HA and failure-drill operating evidence references are present.",
    )


def slo_looser(suite_id: str, claimed: Mapping[str, Any], spec: SloSpec) -> list[str]:
    """Every way one suite's packet SLO is looser than (or missing from) the spec's."""
    problems = []
    pairs: list[tuple[str, float | None, bool]] = [
        ("p95_latency_ms_max", spec.p95_latency_ms_max, True),
        ("throughput_per_second_min", spec.throughput_per_second_min, False),
        ("p99_latency_ms_max", spec.p99_latency_ms_max, True),
        ("error_ratio_max", spec.error_ratio_max, True),
    ]
    for key, required, is_max in pairs:
        if required is None:
            continue
        value = opt_float(claimed, key)
        if value is None:
            problems.append(f"{suite_id}.{key} missing (spec: {fmt(required)})")
        elif (value > required) if is_max else (value < required):
            problems.append(f"{suite_id}.{key} {fmt(value)} looser than the spec's {fmt(required)}")
    return problems


def ha_looser(claimed: Mapping[str, Any], spec: HaDrSpec) -> list[str]:
    """Every way the packet's HA/DR targets are looser than the spec's."""
    problems = []
    for key, required, is_max in (
        ("rto_minutes", spec.rto_minutes, True),
        ("rpo_minutes", spec.rpo_minutes, True),
        ("min_api_replicas", float(spec.min_api_replicas), False),
        ("min_worker_replicas", float(spec.min_worker_replicas), False),
    ):
        value = opt_float(claimed, key)
        if value is None or ((value > required) if is_max else (value < required)):
            problems.append(
                f"ha_slo_targets.{key} {fmt(value)} looser than the spec's {fmt(required)}"
            )
    bus = mapping(claimed.get("event_bus_required"))
    for capability in ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics"):
        if getattr(spec.event_bus, capability) and bus.get(capability) is not True:
            problems.append(f"ha_slo_targets.event_bus_required.{capability} not required")
    return problems


def thresholds_check(
    report: Mapping[str, Any], spec: Spec, unbound_suites: Sequence[str]
) -> GateCheck:
    """Thresholds the packet states must not be looser than the spec's (R6.1 read them from
    the report it judged); the spec's p95 threshold must be a bucket bound of the histogram."""
    problems = []
    spec_ids = {s.id for s in spec.suites}
    for entry in sequence(report.get("benchmark_suites")):
        suite_id = str(mapping(entry).get("suite_id"))
        if suite_id in spec_ids:
            problems += slo_looser(
                suite_id, mapping(mapping(entry).get("slo")), spec.suite(suite_id).slo
            )
    problems += ha_looser(mapping(report.get("ha_slo_targets")), spec.ha_dr)
    for suite_id in unbound_suites:
        problems.append(
            f"{suite_id}: the spec's p95 threshold "
            f"{fmt(spec.suite(suite_id).slo.p95_latency_ms_max, ' ms')} is not a bucket bound of "
            "the histogram (the run was recorded for another spec), so p95 within SLO cannot be "
            "decided exactly"
        )
    if problems:
        return blocker(
            names.CHECK_SPEC_THRESHOLDS,
            f"The packet's thresholds are looser than the spec's: {listing(problems)}.",
        )
    return passed(
        names.CHECK_SPEC_THRESHOLDS,
        "Thresholds stated in the packet are not looser than the spec's; verdicts use the spec's.",
    )


def _own_gate_problems(packet: Mapping[str, Any]) -> list[str]:
    """The packet's verdict fields must agree with each other."""
    report = mapping(packet.get("benchmark_report"))
    gate = mapping(packet.get("slo_regression_gate"))
    problems = []
    if report.get("regression_gate") != packet.get("slo_regression_gate"):
        problems.append("slo_regression_gate differs from benchmark_report.regression_gate")
    checks = [mapping(c) for c in sequence(gate.get("checks"))]
    blockers = sum(c.get("status") == names.STATUS_BLOCKER for c in checks)
    warnings = sum(c.get("status") == names.STATUS_WARN for c in checks)
    status = (
        STATUS_BLOCKED if blockers else (STATUS_READY_WITH_WARNINGS if warnings else STATUS_READY)
    )
    claimed = {
        "slo_regression_gate.passed": gate.get("passed"),
        "slo_regression_gate.blocker_count": gate.get("blocker_count"),
        "status": packet.get("status"),
        "blocker_count": packet.get("blocker_count"),
        "warning_count": packet.get("warning_count"),
        "ready_for_benchmark_slo_contract": packet.get("ready_for_benchmark_slo_contract"),
    }
    expected = {
        "slo_regression_gate.passed": blockers == 0,
        "slo_regression_gate.blocker_count": blockers,
        "status": status,
        "blocker_count": blockers,
        "warning_count": warnings,
        "ready_for_benchmark_slo_contract": blockers == 0,
    }
    for key, value in claimed.items():
        if value != expected[key]:
            problems.append(f"{key} is {value} but the packet's own checks give {expected[key]}")
    if packet.get("ready_for_live_benchmark_slo_gate") is True and (
        blockers or packet.get("evidence_mode") != EVIDENCE_LIVE
    ):
        problems.append("ready_for_live_benchmark_slo_gate is true for a blocked or sample packet")
    return problems


def _overstated(packet: Mapping[str, Any], derived: GateResult, live_proven: bool) -> list[str]:
    """Claims more optimistic than the re-derived verdicts."""
    problems = []
    derived_blockers = {c.name for c in derived.blockers()}
    if packet.get("ready_for_benchmark_slo_contract") is True and derived_blockers:
        problems.append(
            f"claims ready_for_benchmark_slo_contract, re-derived blockers: "
            f"{', '.join(sorted(derived_blockers))}"
        )
    if packet.get("ready_for_live_benchmark_slo_gate") is True and not live_proven:
        problems.append("claims ready_for_live_benchmark_slo_gate, but live evidence is not proven")
    report = mapping(packet.get("benchmark_report"))
    for entry in sequence(report.get("benchmark_suites")):
        suite = mapping(entry)
        name = names.suite_slo_check_name(str(suite.get("suite_id")))
        if suite.get("passed") is True and name in derived_blockers:
            problems.append(f"suite {suite.get('suite_id')} claims passed, re-derived: blocked")
    for check in sequence(mapping(packet.get("slo_regression_gate")).get("checks")):
        claim = mapping(check)
        if claim.get("status") == names.STATUS_PASS and claim.get("name") in derived_blockers:
            problems.append(f"gate check {claim.get('name')} claims pass, re-derived: blocker")
    return problems


def embedded_verdicts_check(
    packet: Mapping[str, Any], derived: GateResult, live_proven: bool
) -> GateCheck:
    """The packet's own verdicts are consistent and no more optimistic than the evidence."""
    problems = _own_gate_problems(packet) + _overstated(packet, derived, live_proven)
    if problems:
        return blocker(
            names.CHECK_EMBEDDED_VERDICTS,
            f"The packet's own verdicts cannot be right: {listing(problems)}.",
        )
    return passed(
        names.CHECK_EMBEDDED_VERDICTS,
        "The packet's own verdicts agree with each other and claim no more than the re-derived "
        "checks (they were not used to reach any verdict).",
    )


def carried_checks(packet: Mapping[str, Any], derived: GateResult) -> list[GateCheck]:
    """Checks in the packet's own gate that this checker does not re-derive (for example a
    ``<suite>_regression`` comparison with a baseline the packet does not carry, or the
    evaluator's ``evaluation_source`` problems). Failing closed, a blocker among them stands;
    anything else is listed in one ``not_rederived`` warning, since it is taken on trust."""
    known = {c.name for c in derived.checks}
    carried, trusted = [], []
    for raw in sequence(mapping(packet.get("slo_regression_gate")).get("checks")):
        claim = mapping(raw)
        name = str(claim.get("name"))
        if name in known:
            continue
        known.add(name)
        if claim.get("status") == names.STATUS_BLOCKER:
            message = f"From the packet (not re-derived here): {claim.get('message')}"
            carried.append(blocker(name, message))
        else:
            trusted.append(name)
    if trusted:
        carried.append(
            warning(
                names.CHECK_NOT_REDERIVED,
                f"Taken from the packet without re-derivation: {', '.join(trusted)}.",
            )
        )
    return carried
