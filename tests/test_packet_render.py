"""Packet rendering: canonical bytes, the digest rule of design.md, determinism, strict JSON."""

from __future__ import annotations

import hashlib
import json

import pytest

from cavra_prom.gate import evaluate_gate
from cavra_prom.packet.canonical import canonical_bytes, packet_digest, pretty_bytes, seal
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.spec.loader import default_spec
from tests.test_gate import evaluation

SPEC = default_spec()


def provenance() -> Provenance:
    return Provenance(
        source="embedded://reference-runtime",
        window_seconds=9.0,
        evaluated_at=1_780_000_000.0,
        tool_version="0.1.0",
        spec_digest=spec_digest(SPEC),
        git_commit=None,
    )


def test_digest_is_sha256_of_canonical_json_without_integrity() -> None:
    packet = {"b": 1, "a": "é", "integrity": {"digest": "old"}}
    expected = hashlib.sha256('{"a":"é","b":1}'.encode()).hexdigest()
    assert packet_digest(packet) == "sha256:" + expected
    assert seal(packet)["integrity"] == {"digest": "sha256:" + expected}


def test_non_finite_numbers_never_reach_a_packet() -> None:
    with pytest.raises(ValueError, match=r"\$\.x\[1\]"):
        canonical_bytes({"x": [1.0, float("nan")]})
    with pytest.raises(ValueError):
        pretty_bytes({"x": float("inf")})


def test_rendering_is_deterministic_and_sealed() -> None:
    ev = evaluation()
    gate = evaluate_gate(ev, SPEC)
    first = pretty_bytes(render_packet(ev, gate, SPEC, provenance()))
    second = pretty_bytes(render_packet(ev, gate, SPEC, provenance()))
    assert first == second
    packet = json.loads(first)
    assert packet["integrity"]["digest"] == packet_digest(packet)
    packet["benchmark_report"]["benchmark_suites"][0]["p95_latency_ms"] = 1.0
    assert packet["integrity"]["digest"] != packet_digest(packet)


def test_packet_keeps_every_v1_key_and_adds_v2_flags() -> None:
    ev = evaluation()
    packet = render_packet(ev, evaluate_gate(ev, SPEC), SPEC, provenance())
    for key in (
        "schema_version",
        "product",
        "evidence_mode",
        "benchmark_report",
        "slo_regression_gate",
        "operating_evidence",
    ):
        assert key in packet
    for key in ("benchmark_suites", "ha_slo_targets", "failure_mode_drills", "regression_gate"):
        assert key in packet["benchmark_report"]
    assert packet["status"] == "ready"
    assert packet["ready_for_live_benchmark_slo_gate"] is True
    assert packet["provenance"]["spec_digest"].startswith("sha256:")


def test_sample_evidence_refs_are_marked_sample() -> None:
    ev = evaluation(evidence_mode="sample")
    packet = render_packet(ev, evaluate_gate(ev, SPEC), SPEC, provenance())
    refs = [d["evidence_ref"] for d in packet["benchmark_report"]["failure_mode_drills"]]
    assert refs and all(r.startswith("sample://") for r in refs)
    assert packet["ready_for_live_benchmark_slo_gate"] is False
