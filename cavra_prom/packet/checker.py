"""``cavra benchmark readiness``: re-check a packet and say whether release may rely on it.

The checker reuses the gate. It reads the packet's raw values into the evaluation model,
recomputes what the raw data determines (quantiles and within-SLO from the histogram, drill
verdicts from their observations), and runs :func:`cavra_prom.gate.evaluate_gate` with the
spec's thresholds (the built-in spec unless another is given). Around that it adds the checks
only a reader of a stored packet needs: schema, digest, signature, thresholds not looser than
the spec's, the packet's own verdicts not more optimistic than the evidence, and, with
``require_live``, live proof (Prometheus provenance, no ``sample://`` reference, freshness).
No embedded ``passed`` flag or gate is used to reach any verdict.

A pure function of the packet, the options and the clock reading passed in.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EVIDENCE_LIVE, Evaluation
from cavra_prom.gate import (
    CHECK_LIVE_EVIDENCE,
    STATUS_BLOCKED,
    STATUS_READY,
    STATUS_READY_WITH_WARNINGS,
    GateCheck,
    GateResult,
    evaluate_gate,
)
from cavra_prom.packet import checks_claims as claims
from cavra_prom.packet import checks_live as live
from cavra_prom.packet.checker_v1 import check_v1, v1_gate_checks
from cavra_prom.packet.checks_evidence import derive_evidence
from cavra_prom.packet.checks_integrity import (
    digest_check,
    passed,
    schema_check,
    signature_check,
)
from cavra_prom.packet.parse import (
    evaluation_from_packet,
    evaluation_from_report,
    report_evidence_mode,
)
from cavra_prom.packet.render import iso, spec_digest
from cavra_prom.packet.schemas import packet_problems, report_problems
from cavra_prom.regression.render import rederive_regressions
from cavra_prom.spec.model import Spec


@dataclass(frozen=True)
class CheckOptions:
    """How strictly to check. ``max_age_seconds`` None means the default (1 h) under
    ``require_live`` and no freshness check otherwise; ``now`` is for reproducible checks."""

    spec: Spec
    require_live: bool = False
    max_age_seconds: float | None = None
    verify_key: Ed25519PublicKey | None = None
    require_signature: bool = False
    now: float | None = None


@dataclass(frozen=True)
class ReadinessResult:
    """The checker's verdict: every check, and the two ready flags derived from them."""

    packet_schema_version: str
    evidence_mode: str
    require_live: bool
    checks: tuple[GateCheck, ...]
    live_proven: bool
    packet_digest: str | None
    spec_digest: str
    checked_at: float

    @property
    def gate(self) -> GateResult:
        return GateResult(self.checks)

    @property
    def blocker_count(self) -> int:
        return self.gate.blocker_count

    @property
    def warning_count(self) -> int:
        return self.gate.warning_count

    @property
    def status(self) -> str:
        return self.gate.status

    @property
    def ready_for_contract(self) -> bool:
        return self.blocker_count == 0

    @property
    def ready_for_live(self) -> bool:
        return self.ready_for_contract and self.live_proven

    def as_dict(self) -> dict[str, Any]:
        """The readiness result JSON (``cavra.benchmark-slo.readiness-result.v2``)."""
        return {
            "schema_version": names.READINESS_RESULT_SCHEMA_V2,
            "product": names.PRODUCT,
            "packet_schema_version": self.packet_schema_version,
            "evidence_mode": self.evidence_mode,
            "require_live": self.require_live,
            "ready_for_benchmark_slo_contract": self.ready_for_contract,
            "ready_for_live_benchmark_slo_gate": self.ready_for_live,
            "status": self.status,
            "blocker_count": self.blocker_count,
            "warning_count": self.warning_count,
            "checks": [
                {"name": c.name, "status": c.status, "message": c.message} for c in self.checks
            ],
            "packet_digest": self.packet_digest,
            "spec_digest": self.spec_digest,
            "checked_at": iso(self.checked_at),
        }


_SPEC_DIGESTS: dict[int, tuple[Spec, str]] = {}


def _spec_digest(spec: Spec) -> str:
    """The spec's digest, remembered per spec object (a checker sees few specs, many packets)."""
    known = _SPEC_DIGESTS.get(id(spec))
    if known is None or known[0] is not spec:
        known = (spec, spec_digest(spec))
        if len(_SPEC_DIGESTS) > 16:
            _SPEC_DIGESTS.clear()
        _SPEC_DIGESTS[id(spec)] = known
    return known[1]


def _now(options: CheckOptions) -> float:
    return time.time() if options.now is None else options.now


def _result(
    packet: Mapping[str, Any],
    options: CheckOptions,
    checks: list[GateCheck],
    live_proven: bool,
    digest: str | None,
) -> ReadinessResult:
    return ReadinessResult(
        packet_schema_version=str(packet.get("schema_version")),
        evidence_mode=str(packet.get("evidence_mode", "unknown")),
        require_live=options.require_live,
        checks=tuple(checks),
        live_proven=live_proven,
        packet_digest=digest,
        spec_digest=_spec_digest(options.spec),
        checked_at=_now(options),
    )


def check_packet(packet: Mapping[str, Any], version: int, options: CheckOptions) -> ReadinessResult:
    """Check a packet already known to be one (:func:`cavra_prom.packet.reader.read_packet`)."""
    checks = [
        passed(names.CHECK_SCHEMA_VERSION, f"Readiness packet {packet.get('schema_version')}."),
        schema_check(packet_problems(packet), "packet"),
    ]
    if checks[-1].status != names.STATUS_PASS:
        if version == 1:
            return _result(packet, options, checks, False, None)
        digest, actual = digest_check(packet)  # still worth knowing: changed after sealing?
        return _result(packet, options, [*checks, digest], False, actual)
    if version == 1:
        return _result(
            packet,
            options,
            checks + check_v1(packet, options.spec, options.require_live),
            False,
            None,
        )
    return _check_v2(packet, options, checks)


def _escalate(check: GateCheck, require_live: bool) -> GateCheck:
    """Under --require-live the gate's sample-evidence warning is a blocker."""
    if require_live and check.name == CHECK_LIVE_EVIDENCE and check.status == names.STATUS_WARN:
        return dataclasses.replace(
            check, status=names.STATUS_BLOCKER, message="--require-live: " + check.message
        )
    return check


def _check_v2(
    packet: Mapping[str, Any], options: CheckOptions, checks: list[GateCheck]
) -> ReadinessResult:
    digest, actual = digest_check(packet)
    checks.append(digest)
    signature = signature_check(packet, options.verify_key, options.require_signature)
    if signature is not None:
        checks.append(signature)
    report = claims.mapping(packet.get("benchmark_report"))
    source = str(claims.mapping(packet.get("provenance")).get("source", ""))
    whole_counts = source.startswith(claims.EMBEDDED_SCHEME)
    derived = derive_evidence(report, evaluation_from_packet(packet), options.spec, whole_counts)
    gate = evaluate_gate(_with_regressions(report, derived.evaluation, options.spec), options.spec)
    provenance, refs, freshness = _live_checks(packet, options)
    proven = packet.get("evidence_mode") == EVIDENCE_LIVE and _passes(provenance, refs)
    checks += [
        claims.evidence_mode_check(packet),
        claims.operating_evidence_check(packet),
        claims.thresholds_check(report, options.spec, derived.unbound_suites),
        derived.suite_check,
        derived.drill_check,
        *(_escalate(c, options.require_live) for c in gate.checks),
        *claims.carried_checks(packet, gate),
        claims.embedded_verdicts_check(packet, gate, proven),
    ]
    freshness_asked = options.require_live or options.max_age_seconds is not None
    if options.require_live or packet.get("evidence_mode") == EVIDENCE_LIVE:
        checks += [provenance, refs]
    if freshness_asked:
        checks.append(freshness)
        proven = proven and _passes(freshness)
    return _result(packet, options, checks, proven, actual)


def _with_regressions(report: Mapping[str, Any], evaluation: Evaluation, spec: Spec) -> Evaluation:
    """Re-judge the packet's regression entries from its histograms and the spec's tolerances,
    so a regression check edited to "pass" still blocks."""
    return dataclasses.replace(
        evaluation, regressions=rederive_regressions(report, evaluation, spec)
    )


def _passes(*checks: GateCheck) -> bool:
    return all(c.status == names.STATUS_PASS for c in checks)


def _live_checks(
    packet: Mapping[str, Any], options: CheckOptions
) -> tuple[GateCheck, GateCheck, GateCheck]:
    """Live proof; failures are blockers under --require-live, warnings otherwise."""
    status = names.STATUS_BLOCKER if options.require_live else names.STATUS_WARN
    max_age = (
        live.DEFAULT_MAX_AGE_SECONDS if options.max_age_seconds is None else options.max_age_seconds
    )
    return (
        live.provenance_check(packet, 2, status),
        live.sample_refs_check(packet, status),
        live.freshness_check(packet, _now(options), max_age),
    )


def check_report(report: Mapping[str, Any], version: int, spec: Spec) -> GateResult:
    """Re-derive the regression gate of a bare benchmark report (``--report``).

    A report has no provenance, digest or signature; its verdicts are re-derived from its raw
    values and the spec exactly as a packet's are (v1 reports by the v1 rules).
    """
    problems = report_problems(report, version)
    if problems:
        return GateResult((schema_check(problems, "report"),))
    if version == 1:
        return GateResult(tuple(v1_gate_checks(report, spec)))
    mode = report_evidence_mode(report)
    reported = evaluation_from_report(report, "report", mode, 0.0)
    derived = derive_evidence(report, reported, spec, whole_counts=mode != EVIDENCE_LIVE)
    gate = evaluate_gate(_with_regressions(report, derived.evaluation, spec), spec)
    return GateResult(
        (
            claims.thresholds_check(report, spec, derived.unbound_suites),
            derived.suite_check,
            derived.drill_check,
            *gate.checks,
        )
    )


__all__ = [
    "STATUS_BLOCKED",
    "STATUS_READY",
    "STATUS_READY_WITH_WARNINGS",
    "CheckOptions",
    "ReadinessResult",
    "check_packet",
    "check_report",
]
