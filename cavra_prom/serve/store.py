"""The packet store: every rendered packet on disk, a ``latest`` pointer, retention.

Layout of ``--store-dir``::

    packets/<id>.json    one sealed packet per evaluation (pretty, deterministic JSON)
    latest.json          a symlink to packets/<id>.json: the packet release tooling gets

Crash safety is the point of the layout. A packet is written to a temporary sibling, fsynced
and renamed (:func:`cavra_prom.fileio.write_atomic`); only then is ``latest.json`` swapped, by
renaming a fresh symlink over it. Each step is atomic, so after ``kill -9`` at any moment
``latest.json`` names a complete packet whose digest verifies: the old one or the new one,
never a torn one. Retention deletes only after the pointer has moved, and never the latest.
Left-over temporary files from a killed write are removed at the next start.

Ids sort by time (``20240501T120000.123456Z-<digest prefix>``) so the index needs no clock
other than the one that named the file, and an id can be checked by a pattern before it is
ever turned into a path (no traversal through ``/packets/<id>``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import fsync_dir, write_atomic
from cavra_prom.packet.canonical import INTEGRITY_KEY, packet_digest, pretty_bytes
from cavra_prom.packet.reader import PacketError, parse_json_bytes

LOG = logging.getLogger(__name__)

PACKETS_DIR: Final = "packets"
LATEST_LINK: Final = "latest.json"
ID_PATTERN: Final = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}")
DEFAULT_KEEP_COUNT: Final = 100
DEFAULT_KEEP_SECONDS: Final = 7 * 86400.0
_TIME_FORMAT: Final = "%Y%m%dT%H%M%S.%fZ"


@dataclass(frozen=True)
class StoredPacket:
    """One packet as the endpoints serve it: its bytes, digest and a few index fields."""

    packet_id: str
    digest: str
    body: bytes
    created_at: float
    status: str
    ready: bool
    live_ready: bool
    evidence_mode: str

    def index_entry(self) -> dict[str, Any]:
        return {
            "id": self.packet_id,
            "digest": self.digest,
            "created_at": datetime.fromtimestamp(self.created_at, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "status": self.status,
            "ready_for_benchmark_slo_contract": self.ready,
            "ready_for_live_benchmark_slo_gate": self.live_ready,
            "evidence_mode": self.evidence_mode,
        }


def packet_id(created_at: float, digest: str) -> str:
    """A time-sortable, URL-safe id: render time (UTC, microseconds) and a digest prefix."""
    stamp = datetime.fromtimestamp(created_at, tz=UTC).strftime(_TIME_FORMAT)
    return f"{stamp}-{digest.removeprefix('sha256:')[:12]}"


def id_time(pid: str) -> float:
    """The render time an id carries (unix seconds)."""
    stamp = pid.split("-", 1)[0]
    return datetime.strptime(stamp, _TIME_FORMAT).replace(tzinfo=UTC).timestamp()


def verify_packet_bytes(body: bytes, source: str) -> tuple[dict[str, Any], str]:
    """Parse a stored packet and check its digest; :class:`PacketError` if either fails."""
    packet = parse_json_bytes(body, source)
    if not isinstance(packet, dict):
        raise PacketError(source, "", "not a JSON object")
    integrity = packet.get(INTEGRITY_KEY)
    claimed = integrity.get("digest") if isinstance(integrity, dict) else None
    actual = packet_digest(packet)
    if claimed != actual:
        raise PacketError(source, "integrity.digest", "does not match the packet's content")
    return packet, actual


def _stored(pid: str, body: bytes, packet: Mapping[str, Any], digest: str) -> StoredPacket:
    return StoredPacket(
        packet_id=pid,
        digest=digest,
        body=body,
        created_at=id_time(pid),
        status=str(packet.get("status", "")),
        ready=packet.get("ready_for_benchmark_slo_contract") is True,
        live_ready=packet.get("ready_for_live_benchmark_slo_gate") is True,
        evidence_mode=str(packet.get("evidence_mode", "")),
    )


class PacketStore:
    """Packets in a directory (see the module docstring); safe for one writer, many readers.

    Readers get the latest packet from memory (one reference read), so serving it never
    touches the disk or waits for a write in progress.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        keep_count: int = DEFAULT_KEEP_COUNT,
        keep_seconds: float = DEFAULT_KEEP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if keep_count < 1 or keep_seconds <= 0:
            raise ValueError("a store keeps at least one packet for a positive time")
        self.directory = Path(directory)
        self.packets_dir = self.directory / PACKETS_DIR
        self.keep_count = keep_count
        self.keep_seconds = keep_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}  # retained, oldest first
        self._latest: StoredPacket | None = None

    # --- start-up ------------------------------------------------------------------------
    def open(self) -> None:
        """Create the layout, remove debris of killed writes, index what is retained.

        Every retained packet is read and its digest checked once here; one that fails is
        left on disk (it may be evidence of a fault) but never indexed or served.
        """
        try:
            self.packets_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                [Problem(str(self.directory), "", f"cannot create store: {exc.strerror}")]
            ) from None
        self._remove_debris()
        entries: dict[str, dict[str, Any]] = {}
        for path in sorted(self.packets_dir.glob("*.json")):
            stored = self._read_verified(path.stem)
            if stored is not None:
                entries[stored.packet_id] = stored.index_entry()
        with self._lock:
            self._entries = entries
            self._latest = self._load_latest()
        self._prune()

    def _remove_debris(self) -> None:
        for folder in (self.directory, self.packets_dir):
            for tmp in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    LOG.info("removed an interrupted write: %s", tmp)

    def _load_latest(self) -> StoredPacket | None:
        """The packet ``latest.json`` names; else the newest packet that verifies."""
        link = self.directory / LATEST_LINK
        target = os.readlink(link) if link.is_symlink() else None
        candidates = [Path(target).stem] if target else []
        candidates += [i for i in reversed(self._entries) if i not in candidates]
        for pid in candidates:
            stored = self._read_verified(pid) if pid in self._entries else None
            if stored is not None:
                if pid != (Path(target).stem if target else None):
                    self._point_latest(pid)
                return stored
        return None

    def _read_verified(self, pid: str) -> StoredPacket | None:
        if not ID_PATTERN.fullmatch(pid):
            return None
        path = self._path(pid)
        try:
            body = path.read_bytes()
            packet, digest = verify_packet_bytes(body, str(path))
        except (OSError, PacketError) as exc:
            LOG.warning("ignoring stored packet %s: %s", path, exc)
            return None
        return _stored(pid, body, packet, digest)

    # --- writing -------------------------------------------------------------------------
    def save(self, packet: Mapping[str, Any]) -> StoredPacket:
        """Store a sealed packet, move ``latest`` to it, apply retention; returns it."""
        digest = packet_digest(packet)
        claimed = packet.get(INTEGRITY_KEY)
        if not isinstance(claimed, Mapping) or claimed.get("digest") != digest:
            raise ValueError("refusing to store a packet whose integrity.digest does not match")
        body = pretty_bytes(packet)
        with self._lock:
            created = self._unique_time()
            pid = packet_id(created, digest)
            write_atomic(self._path(pid), body)
            self._point_latest(pid)
            stored = _stored(pid, body, packet, digest)
            self._entries[pid] = stored.index_entry()
            self._latest = stored
        self._prune()
        return stored

    def _unique_time(self) -> float:
        """Now, nudged past the newest id so two renders in one microsecond stay ordered."""
        created = self._clock()
        if self._entries:
            newest = next(reversed(self._entries))
            created = max(created, id_time(newest) + 1e-6)
        return created

    def _point_latest(self, pid: str) -> None:
        """Swap ``latest.json`` to ``packets/<pid>.json`` by renaming a new symlink over it."""
        link = self.directory / LATEST_LINK
        tmp = self.directory / f".{LATEST_LINK}.{os.getpid()}.{threading.get_ident()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(f"{PACKETS_DIR}/{pid}.json", tmp)
        os.replace(tmp, link)
        fsync_dir(self.directory)

    def _prune(self) -> None:
        """Keep at most ``keep_count`` packets younger than ``keep_seconds``, and the latest."""
        with self._lock:
            latest = self._latest.packet_id if self._latest else None
            oldest_kept = self._clock() - self.keep_seconds
            ids = list(self._entries)
            doomed = [
                pid
                for index, pid in enumerate(ids)
                if pid != latest
                and (len(ids) - index > self.keep_count or id_time(pid) < oldest_kept)
            ]
            for pid in doomed:
                del self._entries[pid]
        for pid in doomed:
            with contextlib.suppress(FileNotFoundError):
                self._path(pid).unlink()

    # --- reading -------------------------------------------------------------------------
    def latest(self) -> StoredPacket | None:
        return self._latest

    def index(self) -> list[dict[str, Any]]:
        """Retained packets, newest first."""
        with self._lock:
            return [dict(entry) for entry in reversed(self._entries.values())]

    def get(self, pid: str) -> StoredPacket | None:
        """A retained packet by id, digest checked; None for an unknown or pruned id."""
        latest = self._latest
        if latest is not None and latest.packet_id == pid:
            return latest
        with self._lock:
            known = pid in self._entries
        return self._read_verified(pid) if known else None

    def _path(self, pid: str) -> Path:
        return self.packets_dir / f"{pid}.json"
