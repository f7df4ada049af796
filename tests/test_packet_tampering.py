"""The tampering matrix: every edit to a real packet is blocked, naming the check it broke.

Each case edits a packet, then *re-seals* it (a fresh, matching digest: anyone can compute
one), so the digest check passes and the deeper check has to catch the lie. The digest and
signature rows show what catches an edit that was not re-sealed, and what only a signature
can prove.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cavra_prom.drills import run_drill
from cavra_prom.packet.signing import sign_packet
from cavra_prom.runtime import RuntimeConfig
from tests.test_packet_checker import (
    FAST_SPEC,
    blockers,
    check,
    evaluated_at,
    live_evaluation,
    live_packet,
    render,
    resealed,
    sample_packet,
    statuses,
)

Packet = dict[str, Any]
RDL = 0  # index of runtime_decision_latency in benchmark_suites


def suite(packet: Packet, index: int = RDL) -> dict[str, Any]:
    entry: dict[str, Any] = packet["benchmark_report"]["benchmark_suites"][index]
    return entry


def drill(packet: Packet, index: int = 0) -> dict[str, Any]:
    entry: dict[str, Any] = packet["benchmark_report"]["failure_mode_drills"][index]
    return entry


def lower_p95(p: Packet) -> None:
    suite(p)["p95_latency_ms"] = suite(p)["p95_latency_ms"] / 2


def raise_throughput(p: Packet) -> None:
    suite(p)["throughput_per_second"] *= 10


def shrink_sample_count(p: Packet) -> None:
    suite(p)["sample_count"] -= 1


def move_histogram_counts(p: Packet) -> None:
    counts = suite(p)["histogram"]["cumulative_counts"]
    counts[:-1] = [0.0] * (len(counts) - 1)  # everything above the last finite bound


def edit_within_ratio(p: Packet) -> None:
    suite(p)["within_slo_ratio"] = 0.5


def loosen_threshold(p: Packet) -> None:
    suite(p)["slo"]["p95_latency_ms_max"] = 5000


def loosen_throughput_floor(p: Packet) -> None:
    suite(p)["slo"]["throughput_per_second_min"] = 0


def loosen_ha_target(p: Packet) -> None:
    p["benchmark_report"]["ha_slo_targets"]["rto_minutes"] = 600


def flip_drill_flag(p: Packet) -> None:
    drill(p)["passed"] = False


def edit_drill_observation(p: Packet) -> None:
    drill(p)["observations"]["events_lost"] = 3


def drop_drill_observations(p: Packet) -> None:
    drill(p)["observations"] = {}


def remove_suite(p: Packet) -> None:
    del p["benchmark_report"]["benchmark_suites"][RDL]


def remove_drill(p: Packet) -> None:
    del p["benchmark_report"]["failure_mode_drills"][1]


def remove_histogram(p: Packet) -> None:
    del suite(p)["histogram"]


def duplicate_suite(p: Packet) -> None:
    p["benchmark_report"]["benchmark_suites"].append(copy.deepcopy(suite(p)))


def relabel_live(p: Packet) -> None:
    p["evidence_mode"] = "live"


def add_sample_ref(p: Packet) -> None:
    drill(p)["evidence_ref"] = "sample://reference-runtime/failure-mode/event-bus-unavailable"


def drop_window(p: Packet) -> None:
    p["provenance"]["window_seconds"] = None


def credentials_in_source(p: Packet) -> None:
    p["provenance"]["source"] = "http://admin:secret@127.0.0.1:9090"


def file_source(p: Packet) -> None:
    p["provenance"]["source"] = "file:///tmp/made-up.json"


def forge_live_flag(p: Packet) -> None:
    p["ready_for_live_benchmark_slo_gate"] = True


def forge_status(p: Packet) -> None:
    p["status"] = "ready"


def drop_operating_ref(p: Packet) -> None:
    p["operating_evidence"]["ha_evidence_ref"] = ""


def unmeasure_rto(p: Packet) -> None:
    p["benchmark_report"]["ha_slo_targets"]["measured"]["rto_minutes"] = None


def break_drill_timestamps(p: Packet) -> None:
    drill(p)["ended_at"] = "2000-01-01T00:00:00+00:00"


# (case, packet kind, edit, check that must block, require_live)
MATRIX: list[tuple[str, str, Callable[[Packet], None], str, bool]] = [
    ("suite p95 value", "live", lower_p95, "suite_evidence", True),
    ("suite throughput (embedded identities)", "sample", raise_throughput, "suite_evidence", False),
    ("suite sample count", "live", shrink_sample_count, "suite_evidence", True),
    ("histogram counts", "live", move_histogram_counts, "suite_evidence", True),
    ("within-SLO ratio", "live", edit_within_ratio, "suite_evidence", True),
    ("histogram removed", "live", remove_histogram, "suite_evidence", True),
    ("suite listed twice", "live", duplicate_suite, "suite_evidence", True),
    ("p95 threshold loosened", "live", loosen_threshold, "spec_thresholds", True),
    ("throughput floor loosened", "live", loosen_throughput_floor, "spec_thresholds", True),
    ("HA target loosened", "live", loosen_ha_target, "spec_thresholds", True),
    ("HA value unmeasured", "live", unmeasure_rto, "ha_slo_targets", True),
    ("drill flag flipped", "live", flip_drill_flag, "drill_evidence", True),
    ("drill observation edited", "live", edit_drill_observation, "drill_evidence", True),
    ("drill observations removed", "live", drop_drill_observations, "drill_evidence", True),
    ("drill timestamps", "live", break_drill_timestamps, "drill_evidence", True),
    ("suite removed", "live", remove_suite, "benchmark_suites", True),
    ("drill removed", "live", remove_drill, "failure_mode_drills", True),
    ("sample relabelled live", "sample", relabel_live, "evidence_mode", False),
    ("sample relabelled live, --require-live", "sample", relabel_live, "live_provenance", True),
    ("sample:// reference", "live", add_sample_ref, "sample_refs", True),
    ("window missing", "live", drop_window, "live_provenance", True),
    ("credentials in source", "live", credentials_in_source, "live_provenance", True),
    ("source not Prometheus", "live", file_source, "live_provenance", True),
    ("live flag forged", "sample", forge_live_flag, "embedded_verdicts", False),
    ("status forged", "sample", forge_status, "embedded_verdicts", False),
    ("operating evidence ref", "live", drop_operating_ref, "operating_evidence", True),
]


@pytest.mark.parametrize(
    ("kind", "edit", "expected", "require_live"),
    [pytest.param(k, e, x, r, id=case) for case, k, e, x, r in MATRIX],
)
def test_resealed_edit_is_blocked_by_the_named_check(
    kind: str, edit: Callable[[Packet], None], expected: str, require_live: bool
) -> None:
    original = live_packet() if kind == "live" else sample_packet()
    if kind == "live" or not require_live:  # a sample packet is blocked under --require-live
        assert check(original, require_live=require_live).blocker_count == 0
    packet = copy.deepcopy(original)
    edit(packet)
    result = check(resealed(packet), require_live=require_live)
    assert statuses(result)["integrity_digest"] == "pass"
    assert expected in blockers(result), [c for c in result.checks if c.status != "pass"]
    assert result.status == "blocked" and not result.ready_for_contract


def test_an_edit_that_is_not_resealed_breaks_the_digest() -> None:
    packet = copy.deepcopy(live_packet())
    lower_p95(packet)
    result = check(packet, require_live=True)
    assert "integrity_digest" in blockers(result)
    assert (
        "changed after it was sealed"
        in {c.name: c.message for c in result.checks}["integrity_digest"]
    )


def test_a_missing_integrity_block_is_a_digest_blocker() -> None:
    packet = copy.deepcopy(live_packet())
    del packet["integrity"]
    assert "integrity_digest" in blockers(check(packet))


def test_a_stale_packet_is_blocked_by_freshness() -> None:
    packet = live_packet()
    two_hours_later = evaluated_at(packet) + 7200
    result = check(packet, require_live=True, now=two_hours_later)
    assert blockers(result) == {"freshness"}
    assert check(
        packet, require_live=True, now=two_hours_later, max_age_seconds=3 * 3600
    ).ready_for_live


def test_a_packet_from_the_future_is_blocked_by_freshness() -> None:
    packet = live_packet()
    assert "freshness" in blockers(
        check(packet, require_live=True, now=evaluated_at(packet) - 3600)
    )


def test_a_wrong_key_and_an_altered_signed_packet_are_blocked_by_signature() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    signed = sign_packet(live_packet(), key)
    assert check(signed, require_live=True, verify_key=key.public_key()).ready_for_live
    wrong = check(signed, require_live=True, verify_key=other.public_key())
    assert blockers(wrong) == {"signature"}
    altered = copy.deepcopy(signed)
    lower_p95(altered)
    altered = sign_packet(resealed(altered), other)  # re-sealed and re-signed by someone else
    assert "signature" in blockers(check(altered, verify_key=key.public_key()))
    forged = copy.deepcopy(signed)
    forged["provenance"]["git_commit"] = "f" * 40
    forged = resealed(forged)  # a matching digest, and the genuine signature copied over
    forged["integrity"]["signature"] = signed["integrity"]["signature"]
    assert blockers(check(forged, verify_key=key.public_key())) == {"signature"}


def test_unsigned_packet_under_require_signature_is_blocked() -> None:
    key = Ed25519PrivateKey.generate()
    assert "signature" in blockers(check(live_packet(), verify_key=key.public_key()))
    assert "signature" in blockers(check(live_packet(), require_signature=True))


def test_a_drill_that_really_failed_cannot_be_flagged_passed() -> None:
    """A real failing drill (safety off), its flag flipped to passed and the packet re-sealed."""
    failing = run_drill(FAST_SPEC.drills[1], RuntimeConfig(fail_closed=False))
    assert not failing.passed
    evaluation = live_evaluation()
    drills = tuple(failing if d.drill_id == failing.drill_id else d for d in evaluation.drills)
    packet = render(dataclasses.replace(evaluation, drills=drills), "http://127.0.0.1:9090", 300.0)
    honest = check(packet)
    assert blockers(honest) == {"failure_mode_drills"}
    lied = copy.deepcopy(packet)
    drill(lied, 1)["passed"] = True
    drill(lied, 1)["observed_behavior"] = "blocker_evidence_emitted"
    drill(lied, 1)["failure_reason"] = None
    result = check(resealed(lied))
    assert {"drill_evidence", "failure_mode_drills"} <= blockers(result)
    message = {c.name: c.message for c in result.checks}["failure_mode_drills"]
    assert "unsafe_approval" in message
