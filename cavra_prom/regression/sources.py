"""Reading packet baselines: a pinned packet (file or URL) and the packet store (rolling).

A baseline loosens or tightens the gate, so it is read as carefully as a packet the checker
judges: strict JSON (:mod:`cavra_prom.packet.reader`), the packet schema, a v2 packet (v1
carries no histogram to compare), and an intact digest. A pinned packet that fails any of this
is bad input (one line naming the file and what is wrong); in the store, a packet that fails is
skipped, as the store itself skips it.

URLs are fetched with a timeout and without proxies from the environment, like the PromQL
client; messages name the URL without credentials.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cavra_prom.http_call import display_url
from cavra_prom.packet.canonical import INTEGRITY_KEY, packet_digest
from cavra_prom.packet.parse import evaluation_from_packet
from cavra_prom.packet.reader import (
    MAX_PACKET_BYTES,
    PACKET_SCHEMAS,
    PacketError,
    parse_json_bytes,
    read_json_file,
    schema_version_of,
)
from cavra_prom.packet.schemas import packet_problems
from cavra_prom.regression.baseline import SuiteBaseline, from_suite
from cavra_prom.regression.model import KIND_PINNED, BaselineRef
from cavra_prom.serve.store import ID_PATTERN, PACKETS_DIR

DEFAULT_TIMEOUT_SECONDS: Final = 10.0


def is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def _fetch(url: str, timeout_seconds: float) -> bytes:
    where = display_url(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=timeout_seconds) as response:
            data: bytes = response.read(MAX_PACKET_BYTES + 1)
            return data
    except urllib.error.HTTPError as exc:
        raise PacketError(where, "", f"cannot fetch the baseline: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PacketError(where, "", f"cannot fetch the baseline: {reason}") from None


def checked_packet(packet: Any, source: str) -> tuple[dict[str, Any], str]:
    """A v2 packet that conforms to the schema and whose digest matches; and that digest."""
    version = schema_version_of(packet, source, PACKET_SCHEMAS, "readiness packet")
    if version != 2:
        raise PacketError(
            source, "schema_version", "a v1 packet has no histograms; a baseline must be v2"
        )
    problems = packet_problems(packet)
    if problems:
        raise PacketError(source, "", f"not a valid packet: {problems[0]}")
    integrity = packet.get(INTEGRITY_KEY)
    claimed = integrity.get("digest") if isinstance(integrity, Mapping) else None
    actual = packet_digest(packet)
    if claimed != actual:
        raise PacketError(
            source, "integrity.digest", "does not match the packet's content (edited?)"
        )
    return packet, actual


def read_pinned(ref: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> dict[str, Any]:
    """The pinned packet at a path or http(s) URL; :class:`PacketError` if it is not usable."""
    if is_url(ref):
        source = display_url(ref)
        packet = parse_json_bytes(_fetch(ref, timeout_seconds), source)
    else:
        source = ref
        packet = read_json_file(ref)
    return checked_packet(packet, source)[0]


def suites_of(packet: Mapping[str, Any], ref: BaselineRef) -> dict[str, SuiteBaseline]:
    """Every suite of a (checked) packet as a baseline."""
    return {s.suite_id: from_suite(s, ref) for s in evaluation_from_packet(packet).suites}


def pinned_baselines(
    ref: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> dict[str, SuiteBaseline]:
    """The suites of a pinned packet, each naming the packet and its digest."""
    packet = read_pinned(ref, timeout_seconds)
    shown = display_url(ref) if is_url(ref) else ref
    baseline_ref = BaselineRef(KIND_PINNED, shown, digest=packet_digest(packet))
    return suites_of(packet, baseline_ref)


def stored_packets(store_dir: str | Path, count: int) -> list[dict[str, Any]]:
    """The newest ``count`` usable packets of a packet store (``cavra serve --store-dir``),
    oldest first. Unusable ones (torn, edited, not v2) are skipped."""
    folder = Path(store_dir) / PACKETS_DIR
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.json") if ID_PATTERN.fullmatch(p.stem))
    found: list[dict[str, Any]] = []
    for path in reversed(paths):
        if len(found) >= count:
            break
        try:
            found.append(checked_packet(read_json_file(path), str(path))[0])
        except PacketError:
            continue
    return list(reversed(found))
