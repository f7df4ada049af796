"""Canonical JSON and the packet digest, exactly as design.md defines them.

``integrity.digest`` is ``"sha256:"`` + the hex SHA-256 of the packet without its
``integrity`` key, serialised with sorted keys, no whitespace and ``ensure_ascii=False``,
encoded as UTF-8. Anyone can recompute it; it proves the bytes were not changed after sealing,
not who sealed them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

INTEGRITY_KEY = "integrity"
DIGEST_PREFIX = "sha256:"


def _reject_non_finite(obj: Any, path: str = "$") -> None:
    """Packets are strict JSON: NaN or Infinity anywhere is a bug, not a value."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"{path}: non-finite number {obj!r} cannot appear in a packet")
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            _reject_non_finite(value, f"{path}.{key}")
    elif isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            _reject_non_finite(value, f"{path}[{index}]")


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """The bytes the digest (and a signature) are computed over."""
    _reject_non_finite(obj)
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def packet_digest(packet: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the packet without its ``integrity`` key."""
    body = {k: v for k, v in packet.items() if k != INTEGRITY_KEY}
    return DIGEST_PREFIX + hashlib.sha256(canonical_bytes(body)).hexdigest()


def seal(packet: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``packet`` with ``integrity.digest`` set (any old integrity block replaced)."""
    body = {k: v for k, v in packet.items() if k != INTEGRITY_KEY}
    return {**body, INTEGRITY_KEY: {"digest": packet_digest(body)}}


def pretty_bytes(obj: Mapping[str, Any]) -> bytes:
    """Human-readable yet deterministic file form: sorted keys, two-space indent, final newline."""
    _reject_non_finite(obj)
    text = json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
