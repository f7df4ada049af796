"""Live proof: "live" is something a packet shows, not a label it gives itself.

A live packet was evaluated from Prometheus (its provenance names the server, without
credentials, and the window), carries no ``sample://`` reference anywhere, and is fresh. Each
part is its own named check, so a pipeline sees which part of the proof is missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import EVIDENCE_LIVE
from cavra_prom.gate import GateCheck, fmt
from cavra_prom.packet.checks_claims import mapping
from cavra_prom.packet.checks_integrity import listing
from cavra_prom.packet.parse import opt_float, parse_timestamp

CLOCK_SKEW_SECONDS: Final = 300.0
DEFAULT_MAX_AGE_SECONDS: Final = 3600.0
V1_NEVER_LIVE: Final = (
    "a v1 packet can never satisfy --require-live: it carries no provable evidence (no "
    "provenance, window, digest or raw values)"
)


def _check(name: str, problems: list[str], ok: str, failed_status: str) -> GateCheck:
    if problems:
        return GateCheck(name, failed_status, listing(problems) + ".")
    return GateCheck(name, names.STATUS_PASS, ok)


def provenance_problems(packet: Mapping[str, Any], version: int) -> list[str]:
    """Why the packet's provenance does not show a Prometheus evaluation (empty if it does)."""
    if version == 1:
        return [V1_NEVER_LIVE]
    problems = []
    if packet.get("evidence_mode") != EVIDENCE_LIVE:
        problems.append(f"evidence_mode is {packet.get('evidence_mode')}, not live")
    prov = mapping(packet.get("provenance"))
    source = str(prov.get("source", ""))
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"provenance.source {source or 'missing'} is not a Prometheus URL")
    elif parts.username is not None or parts.password is not None:
        problems.append("provenance.source carries credentials")
    window = opt_float(prov, "window_seconds")
    if window is None or window <= 0:
        problems.append("provenance.window_seconds missing: no evaluation window")
    if parse_timestamp(prov.get("evaluated_at")) is None:
        problems.append("provenance.evaluated_at missing")
    return problems


def provenance_check(packet: Mapping[str, Any], version: int, failed_status: str) -> GateCheck:
    prov = mapping(packet.get("provenance"))
    return _check(
        names.CHECK_LIVE_PROVENANCE,
        provenance_problems(packet, version),
        f"Evaluated from Prometheus at {prov.get('source')} over a "
        f"{fmt(opt_float(prov, 'window_seconds'), ' s')} window.",
        failed_status,
    )


def _strings(obj: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _strings(value, f"{path}[{index}]")


def sample_ref_paths(packet: Mapping[str, Any]) -> list[str]:
    """Every place a ``sample://`` reference appears (any string value, case-insensitive)."""
    scheme = names.SAMPLE_REF_SCHEME
    return [path for path, text in _strings(packet) if text.strip().lower().startswith(scheme)]


def sample_refs_check(packet: Mapping[str, Any], failed_status: str) -> GateCheck:
    paths = sample_ref_paths(packet)
    problems = (
        [f"{len(paths)} {names.SAMPLE_REF_SCHEME} references, at {listing(paths, 4)}"]
        if paths
        else []
    )
    return _check(
        names.CHECK_SAMPLE_REFS,
        problems,
        f"No {names.SAMPLE_REF_SCHEME} references.",
        failed_status,
    )


def freshness_check(packet: Mapping[str, Any], now: float, max_age_seconds: float) -> GateCheck:
    """Evaluated no longer than ``max_age_seconds`` ago (and not in the future)."""
    evaluated = parse_timestamp(mapping(packet.get("provenance")).get("evaluated_at"))
    problems = []
    if evaluated is None:
        problems.append("provenance.evaluated_at missing, so the packet's age is unknown")
    elif evaluated - now > CLOCK_SKEW_SECONDS:
        problems.append(f"evaluated {fmt(evaluated - now, ' s')} in the future")
    elif now - evaluated > max_age_seconds:
        problems.append(
            f"stale: evaluated {fmt(now - evaluated, ' s')} ago, more than --max-age "
            f"{fmt(max_age_seconds, ' s')}"
        )
    age = 0.0 if evaluated is None else now - evaluated
    return _check(
        names.CHECK_FRESHNESS,
        problems,
        f"Evaluated {fmt(max(age, 0.0), ' s')} ago, within --max-age {fmt(max_age_seconds, ' s')}.",
        names.STATUS_BLOCKER,
    )
