"""Ed25519 signatures over a packet's canonical bytes.

Anyone can recompute a digest, so a digest only shows the bytes were not changed *after*
sealing. A signature shows who sealed them: the evaluator holds the private key, release
tooling only the public key. The signed bytes are exactly the digest's bytes (the packet
without its ``integrity`` key, canonical JSON, see :mod:`cavra_prom.packet.canonical`), so a
packet is verified without any knowledge of how it was rendered.

Keys are standard PEM files (PKCS#8 private key, SubjectPublicKeyInfo public key), the same
``openssl genpkey -algorithm ed25519`` writes. Key material is never put in an error message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cavra_prom import conventions as names
from cavra_prom.errors import InputError, Problem
from cavra_prom.packet.canonical import INTEGRITY_KEY, canonical_bytes

MAX_KEY_FILE_BYTES: Final = 64 * 1024
SIGNATURE_KEY: Final = "signature"


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of verifying one packet's signature."""

    valid: bool
    present: bool
    message: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """``sha256:<hex>`` of the raw 32-byte public key: names a key without revealing anything."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    public_pem: bytes
    key_id: str


def generate_key_pair() -> KeyPair:
    """A new key pair as PEM bytes, with the public key's id."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = private.public_key()
    return KeyPair(private_pem, public_pem(public), key_id(public))


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _read_key_file(path: str | os.PathLike[str], what: str) -> bytes:
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem(source, "", f"no such {what} file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, "", f"cannot read {what}: {exc.strerror}")]) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InputError([Problem(source, "", f"too large to be a {what}")])
    return data


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """An unencrypted PKCS#8 PEM Ed25519 private key; InputError (no key bytes) otherwise."""
    return parse_private_key(_read_key_file(path, "private key"), str(path))


def parse_private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, binascii.Error):
        message = "not an unencrypted PEM private key (expected PKCS#8 Ed25519)"
        raise InputError([Problem(source, "", message)]) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError([Problem(source, "", "not an Ed25519 key")])
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """A PEM SubjectPublicKeyInfo Ed25519 public key; InputError otherwise."""
    return parse_public_key(_read_key_file(path, "public key"), str(path))


def parse_public_key(data: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, binascii.Error):
        message = "not a PEM public key (expected an Ed25519 SubjectPublicKeyInfo)"
        raise InputError([Problem(source, "", message)]) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError([Problem(source, "", "not an Ed25519 key")])
    return key


def _body(packet: Mapping[str, Any]) -> bytes:
    return canonical_bytes({k: v for k, v in packet.items() if k != INTEGRITY_KEY})


def sign_packet(packet: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of a sealed packet with ``integrity.signature`` added (the digest is kept)."""
    integrity = packet.get(INTEGRITY_KEY)
    if not isinstance(integrity, Mapping) or "digest" not in integrity:
        raise ValueError("seal the packet (integrity.digest) before signing it")
    signature = {
        "algorithm": names.SIGNATURE_ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "value": base64.b64encode(private_key.sign(_body(packet))).decode("ascii"),
    }
    return {**packet, INTEGRITY_KEY: {**integrity, SIGNATURE_KEY: signature}}


def verify_packet(packet: Mapping[str, Any], public_key: Ed25519PublicKey) -> SignatureCheck:
    """Does ``public_key`` vouch for exactly these bytes?"""
    integrity = packet.get(INTEGRITY_KEY)
    signature = integrity.get(SIGNATURE_KEY) if isinstance(integrity, Mapping) else None
    if not isinstance(signature, Mapping):
        return SignatureCheck(False, False, "the packet is not signed")
    expected_id = key_id(public_key)
    if signature.get("key_id") != expected_id:
        return SignatureCheck(
            False,
            True,
            f"signed by key {signature.get('key_id')}, not by the verify key {expected_id}",
        )
    try:
        raw = base64.b64decode(str(signature.get("value", "")), validate=True)
        public_key.verify(raw, _body(packet))
    except (InvalidSignature, binascii.Error, ValueError):
        return SignatureCheck(
            False, True, f"the Ed25519 signature by {expected_id} does not match the packet bytes"
        )
    return SignatureCheck(True, True, f"Ed25519 signature by {expected_id} verifies")
