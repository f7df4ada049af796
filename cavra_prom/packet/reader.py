"""Read a readiness packet (or report) file as strict JSON, refusing anything that is not one.

A checker is fed files from pipelines, downloads and hand edits, so every way a file can fail
to be a packet becomes one :class:`PacketError` line naming the file, where and what (the CLI
exits 2), never a traceback: a missing or unreadable file, empty or binary content, a UTF-8
byte-order mark (packets are written without one, and the digest is over exact bytes), text
that is not JSON, NaN/Infinity or numbers that overflow to infinity (``1e999``), duplicate keys
(two parsers could read two different packets from them), nesting deeper than any packet has
(hundreds of thousands of brackets would otherwise exhaust the parser's recursion) and files
larger than any packet.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cavra_prom import conventions as names
from cavra_prom.errors import InputError, Problem

MAX_PACKET_BYTES: Final = 32 * 1024 * 1024
MAX_DEPTH: Final = 64
PACKET_SCHEMAS: Final = {names.PACKET_SCHEMA_V1: 1, names.PACKET_SCHEMA_V2: 2}
REPORT_SCHEMAS: Final = {names.REPORT_SCHEMA_V1: 1, names.REPORT_SCHEMA_V2: 2}


class PacketError(InputError):
    """The input is not a packet (or report) at all: the CLI exits 2 with one line."""

    def __init__(self, source: str, path: str, message: str) -> None:
        super().__init__([Problem(source, path, message)])


def read_json_file(path: str | os.PathLike[str]) -> Any:
    """Read ``path`` and parse it strictly (see the module docstring)."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PACKET_BYTES + 1)
    except FileNotFoundError:
        raise PacketError(source, "", "no such file") from None
    except IsADirectoryError:
        raise PacketError(source, "", "is a directory, not a file") from None
    except OSError as exc:
        raise PacketError(source, "", f"cannot read: {exc.strerror or exc}") from None
    return parse_json_bytes(data, source)


def parse_json_bytes(data: bytes, source: str) -> Any:
    """Strict JSON from bytes; raises :class:`PacketError` naming what is wrong."""
    if len(data) > MAX_PACKET_BYTES:
        raise PacketError(source, "", f"larger than {MAX_PACKET_BYTES // (1024 * 1024)} MiB")
    if not data.strip():
        raise PacketError(source, "", "empty file, expected a JSON object")
    if data.startswith(b"\xef\xbb\xbf"):
        raise PacketError(source, "", "starts with a UTF-8 byte-order mark; save it without one")
    if b"\x00" in data:
        raise PacketError(source, "", "binary content (NUL bytes), not a JSON text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PacketError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    try:
        obj = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise PacketError(source, "", f"not valid JSON: {exc.msg} ({where})") from None
    except _Refused as exc:
        raise PacketError(source, "", str(exc)) from None
    except RecursionError:  # the C scanner guards its recursion; deeper than any packet
        raise PacketError(source, "", _too_deep()) from None
    except ValueError as exc:  # e.g. an integer with 5,000 digits
        raise PacketError(source, "", f"not a usable JSON value: {exc}") from None
    if _depth(obj) > MAX_DEPTH:
        raise PacketError(source, "", _too_deep())
    return obj


def schema_version_of(obj: Any, source: str, known: Mapping[str, int], what: str) -> int:
    """The major version (1 or 2) of a packet or report; anything else is not one."""
    if not isinstance(obj, dict):
        raise PacketError(source, "", f"expected a JSON object ({what}), got {_kind(obj)}")
    version = obj.get("schema_version")
    if not isinstance(version, str):
        raise PacketError(source, "schema_version", f"missing; not a {what}")
    if version not in known:
        expected = " or ".join(sorted(known))
        raise PacketError(source, "schema_version", f"{version!r} is not {expected}")
    return known[version]


def read_packet(path: str | os.PathLike[str]) -> tuple[dict[str, Any], int]:
    """A packet file and its major version; :class:`PacketError` when it is not a packet."""
    packet = read_json_file(path)
    return packet, schema_version_of(packet, str(path), PACKET_SCHEMAS, "readiness packet")


def read_report(path: str | os.PathLike[str]) -> tuple[dict[str, Any], int]:
    """A benchmark report file and its major version."""
    report = read_json_file(path)
    return report, schema_version_of(report, str(path), REPORT_SCHEMAS, "benchmark report")


def load_packet_path(path: Path) -> dict[str, Any]:
    """Convenience for tools and tests: the packet dict only."""
    return read_packet(path)[0]


class _Refused(ValueError):
    pass


def _reject_constant(token: str) -> float:
    raise _Refused(f"{token} is not a JSON number; packets are strict JSON")


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Refused(f"number {token[:40]} overflows to infinity; packets are strict JSON")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {key!r} in one object")
        result[key] = value
    return result


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels; no packet is"


def _depth(obj: Any) -> int:
    """Deepest nesting of arrays and objects, walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level) for child in children)
    return deepest


def _kind(obj: Any) -> str:
    if obj is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(
        type(obj), "a number" if isinstance(obj, int | float) else type(obj).__name__
    )
