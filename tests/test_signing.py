"""Ed25519 packet signatures: key files, signing, verification, and keys never printed."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cavra_prom.errors import InputError
from cavra_prom.packet.canonical import packet_digest
from cavra_prom.packet.signing import (
    generate_key_pair,
    load_private_key,
    load_public_key,
    parse_private_key,
    sign_packet,
    verify_packet,
)
from tests.conftest import CliRunner
from tests.test_packet_checker import live_packet, write_test_spec


def make_keys(cli: CliRunner, directory: Path, name: str = "cavra") -> tuple[Path, Path]:
    private, public = directory / f"{name}.key", directory / f"{name}.pub"
    result = cli("keys", "generate", "--private-key", str(private), "--public-key", str(public))
    assert result.code == 0, result.stderr
    return private, public


def test_keys_generate_writes_pem_files_and_never_prints_the_key(
    cli: CliRunner, tmp_path: Path
) -> None:
    private, public = make_keys(cli, tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    result = cli(
        "keys", "generate", "--private-key", str(tmp_path / "b.key"),
        "--public-key", str(tmp_path / "b.pub"),
    )  # fmt: skip
    body = (tmp_path / "b.key").read_text().splitlines()[1]
    assert body not in result.stdout and "PRIVATE KEY-----" not in result.stdout
    assert "key id:      sha256:" in result.stdout


def test_keys_generate_refuses_to_overwrite(cli: CliRunner, tmp_path: Path) -> None:
    private, public = make_keys(cli, tmp_path)
    before = private.read_bytes()
    again = cli("keys", "generate", "--private-key", str(private), "--public-key", str(public))
    assert again.code == 2 and "exists; pass --force" in again.stderr
    assert private.read_bytes() == before
    forced = cli(
        "keys", "generate", "--private-key", str(private), "--public-key", str(public), "--force"
    )
    assert forced.code == 0 and private.read_bytes() != before


def test_sign_and_verify_round_trip_and_one_altered_byte() -> None:
    pair = generate_key_pair()
    packet = live_packet()
    key = load_private_key_bytes(pair.private_pem)
    signed = sign_packet(packet, key)
    assert signed["integrity"]["digest"] == packet_digest(packet)
    assert signed["integrity"]["signature"]["key_id"] == pair.key_id
    public = key.public_key()
    assert verify_packet(signed, public).valid
    for field in ("value",):
        raw = bytearray(base64.b64decode(signed["integrity"]["signature"][field]))
        raw[0] ^= 1
        bad = copy.deepcopy(signed)
        bad["integrity"]["signature"][field] = base64.b64encode(bytes(raw)).decode()
        outcome = verify_packet(bad, public)
        assert not outcome.valid and "does not match the packet bytes" in outcome.message
    edited = copy.deepcopy(signed)
    edited["benchmark_report"]["benchmark_suites"][0]["sample_count"] += 1
    assert not verify_packet(edited, public).valid


def load_private_key_bytes(pem: bytes) -> Ed25519PrivateKey:
    return parse_private_key(pem, "test key")


def test_sign_needs_a_sealed_packet() -> None:
    key = load_private_key_bytes(generate_key_pair().private_pem)
    with pytest.raises(ValueError, match="seal the packet"):
        sign_packet({"schema_version": "x"}, key)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an unencrypted PEM private key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not an unencrypted"),
        (b"\x00" * 100, "not an unencrypted PEM private key"),
    ],
)
def test_bad_private_key_files_are_one_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.key"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        load_private_key(path)
    assert "AAAA" not in str(caught.value) and str(path) in str(caught.value)


def test_a_public_key_is_not_a_private_key_and_missing_files_are_named(
    cli: CliRunner, tmp_path: Path
) -> None:
    _, public = make_keys(cli, tmp_path)
    with pytest.raises(InputError, match="not an unencrypted PEM private key"):
        load_private_key(public)
    with pytest.raises(InputError, match="no such public key file"):
        load_public_key(tmp_path / "missing.pub")


def test_an_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "rsa.pub"
    path.write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(InputError, match="not an Ed25519 key"):
        load_public_key(path)


def test_openssl_generated_keys_work() -> None:
    """Keys from `openssl genpkey -algorithm ed25519` are the same standard PEM files."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is part of the base system the tests run on"
    pem = subprocess.run(
        [openssl, "genpkey", "-algorithm", "ed25519"], capture_output=True, check=True, timeout=30
    ).stdout
    key = load_private_key_bytes(pem)
    signed = sign_packet(live_packet(), key)
    assert verify_packet(signed, key.public_key()).valid


def test_run_signs_and_readiness_verifies_end_to_end(cli: CliRunner, tmp_path: Path) -> None:
    spec = write_test_spec(tmp_path)
    private, public = make_keys(cli, tmp_path)
    _, other_public = make_keys(cli, tmp_path, "other")
    out = tmp_path / "out"
    run = cli(
        "benchmark", "run", "--spec", str(spec), "--quiet", "--output-dir", str(out),
        "--signing-key", str(private),
    )  # fmt: skip
    assert run.code == 0
    packet_path = out / "benchmark-slo-readiness-packet.json"
    assert "signature" in json.loads(packet_path.read_text())["integrity"]
    ok = cli(
        "benchmark", "readiness", str(packet_path), "--spec", str(spec),
        "--verify-key", str(public), "--require-signature",
    )  # fmt: skip
    assert ok.code == 0, ok.stdout
    wrong = cli(
        "benchmark", "readiness", str(packet_path), "--spec", str(spec),
        "--verify-key", str(other_public),
    )  # fmt: skip
    checks = {c["name"]: c for c in json.loads(wrong.stdout)["checks"]}
    assert wrong.code == 1 and checks["signature"]["status"] == "blocker"
    assert "not by the verify key" in checks["signature"]["message"]


def test_a_bad_signing_key_fails_before_the_run(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    result = cli("benchmark", "run", "--quiet", "--signing-key", str(bad))
    assert result.code == 2 and result.stderr.count("\n") == 1 and "not a key" not in result.stderr
