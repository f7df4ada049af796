"""Checker checks on the packet as bytes and shape: schema, digest, signature.

Each returns a :class:`~cavra_prom.gate.GateCheck` named from ``conventions`` so a pipeline
(and the tampering tests) can tell exactly which promise a packet broke.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cavra_prom import conventions as names
from cavra_prom.gate import GateCheck
from cavra_prom.packet.canonical import INTEGRITY_KEY, packet_digest
from cavra_prom.packet.signing import SIGNATURE_KEY, verify_packet


def passed(name: str, message: str) -> GateCheck:
    return GateCheck(name, names.STATUS_PASS, message)


def blocker(name: str, message: str) -> GateCheck:
    return GateCheck(name, names.STATUS_BLOCKER, message)


def warning(name: str, message: str) -> GateCheck:
    return GateCheck(name, names.STATUS_WARN, message)


def listing(problems: Sequence[str], limit: int = 6) -> str:
    """``a; b; c`` with a count of the rest, so one message stays one readable line."""
    shown = "; ".join(problems[:limit])
    rest = len(problems) - limit
    return f"{shown}; and {rest} more" if rest > 0 else shown


def schema_check(problems: Sequence[str], what: str) -> GateCheck:
    if problems:
        return blocker(
            names.CHECK_PACKET_SCHEMA, f"The {what} does not match its schema: {listing(problems)}."
        )
    return passed(names.CHECK_PACKET_SCHEMA, f"The {what} matches the shipped JSON Schema.")


def digest_check(packet: Mapping[str, Any]) -> tuple[GateCheck, str]:
    """Recompute the digest; returns the check and the recomputed digest."""
    actual = packet_digest(packet)
    integrity = packet.get(INTEGRITY_KEY)
    claimed = integrity.get("digest") if isinstance(integrity, Mapping) else None
    if claimed is None:
        check = blocker(
            names.CHECK_INTEGRITY_DIGEST, f"No integrity.digest; the bytes hash to {actual}."
        )
    elif claimed != actual:
        check = blocker(
            names.CHECK_INTEGRITY_DIGEST,
            f"integrity.digest {claimed} does not match the packet, which hashes to {actual}: "
            "the packet was changed after it was sealed.",
        )
    else:
        check = passed(names.CHECK_INTEGRITY_DIGEST, f"integrity.digest {actual} matches.")
    return check, actual


def signature_check(
    packet: Mapping[str, Any], verify_key: Ed25519PublicKey | None, required: bool
) -> GateCheck | None:
    """The signature verdict; None when nothing was asked and nothing is there to report."""
    integrity = packet.get(INTEGRITY_KEY)
    present = isinstance(integrity, Mapping) and SIGNATURE_KEY in integrity
    if verify_key is None:
        if required:
            return blocker(
                names.CHECK_SIGNATURE,
                "--require-signature needs --verify-key: a signature can only be verified "
                "against the evaluator's public key.",
            )
        if present:
            return warning(
                names.CHECK_SIGNATURE,
                "The packet is signed but no --verify-key was given, so the signature was not "
                "verified.",
            )
        return None
    outcome = verify_packet(packet, verify_key)
    if outcome.valid:
        return passed(names.CHECK_SIGNATURE, outcome.message + ".")
    return blocker(names.CHECK_SIGNATURE, outcome.message[:1].upper() + outcome.message[1:] + ".")
