"""The packet store: atomic writes, the latest pointer, retention, recovery after a crash."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from cavra_prom.packet.canonical import packet_digest, seal
from cavra_prom.serve.store import (
    LATEST_LINK,
    PacketStore,
    id_time,
    packet_id,
    verify_packet_bytes,
)


def packet(n: int, status: str = "ready") -> dict[str, Any]:
    """A sealed packet-shaped dict (the store checks the digest, not the verdicts)."""
    return seal(
        {
            "schema_version": "cavra.benchmark-slo.readiness.v2",
            "status": status,
            "evidence_mode": "sample",
            "ready_for_benchmark_slo_contract": status != "blocked",
            "ready_for_live_benchmark_slo_gate": False,
            "n": n,
            "padding": "x" * 20_000,  # about a real packet's size, so writes take a moment
        }
    )


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def latest_on_disk(directory: Path) -> dict[str, Any]:
    """What a reader who only has the directory sees: latest.json, digest checked."""
    link = directory / LATEST_LINK
    assert link.is_symlink()
    body = link.read_bytes()
    parsed, _ = verify_packet_bytes(body, str(link))
    return parsed


def test_save_writes_the_packet_and_points_latest_at_it(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    assert store.latest() is None and store.index() == []
    stored = store.save(packet(1))
    assert stored.digest == packet_digest(packet(1))
    assert store.latest() == stored
    assert os.readlink(tmp_path / LATEST_LINK) == f"packets/{stored.packet_id}.json"
    assert latest_on_disk(tmp_path)["n"] == 1
    assert json.loads(stored.body) == packet(1)
    assert [e["id"] for e in store.index()] == [stored.packet_id]


def test_ids_sort_by_time_and_stay_unique_within_one_clock_tick(tmp_path: Path) -> None:
    clock = Clock()
    store = PacketStore(tmp_path, clock=clock)
    store.open()
    ids = [store.save(packet(n)).packet_id for n in range(3)]  # the clock never moves
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [e["id"] for e in store.index()] == ids[::-1]  # newest first
    assert id_time(ids[0]) == pytest.approx(clock.now)


def test_ids_are_url_safe_and_reject_traversal(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    stored = store.save(packet(1))
    assert store.get(stored.packet_id) == stored
    for bad in ("../latest", "..", "x" * 20, stored.packet_id + "/", "", "packets"):
        assert store.get(bad) is None
    assert packet_id(0.0, "sha256:" + "ab" * 32) == "19700101T000000.000000Z-abababababab"


def test_retention_keeps_the_newest_n(tmp_path: Path) -> None:
    store = PacketStore(tmp_path, keep_count=3)
    store.open()
    ids = [store.save(packet(n)).packet_id for n in range(5)]
    assert [e["id"] for e in store.index()] == ids[:1:-1]
    assert sorted(p.stem for p in (tmp_path / "packets").glob("*.json")) == ids[2:]
    assert store.get(ids[0]) is None


def test_retention_by_age_never_removes_the_latest(tmp_path: Path) -> None:
    clock = Clock()
    store = PacketStore(tmp_path, keep_count=100, keep_seconds=15)
    store = PacketStore(tmp_path, keep_count=100, keep_seconds=15, clock=clock)
    store.open()
    first = store.save(packet(0)).packet_id
    clock.now += 10
    second = store.save(packet(1)).packet_id
    clock.now += 10  # first is now 20 s old
    third = store.save(packet(2)).packet_id
    assert [e["id"] for e in store.index()] == [third, second]
    clock.now += 1000  # everything is old; a new store opened now keeps only the latest
    reopened = PacketStore(tmp_path, keep_seconds=15, clock=clock)
    reopened.open()
    assert [e["id"] for e in reopened.index()] == [third]
    assert first not in {p.stem for p in (tmp_path / "packets").glob("*.json")}


def test_reopening_restores_latest_and_index_and_removes_debris(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    a, b = store.save(packet(1)), store.save(packet(2))
    # What a kill during a write leaves behind: temp files of a packet and of the pointer.
    debris = [tmp_path / "packets" / f".{b.packet_id}x.json.abc.tmp", tmp_path / ".latest.tmp"]
    for path in debris:
        path.write_bytes(b'{"half": ')
    reopened = PacketStore(tmp_path)
    reopened.open()
    assert reopened.latest() == b
    assert [e["id"] for e in reopened.index()] == [b.packet_id, a.packet_id]
    assert not any(p.exists() for p in debris)


def test_a_corrupted_latest_falls_back_to_the_newest_packet_that_verifies(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    good = store.save(packet(1))
    bad = store.save(packet(2))
    path = tmp_path / "packets" / f"{bad.packet_id}.json"
    path.write_bytes(path.read_bytes().replace(b'"n": 2', b'"n": 3'))  # digest no longer matches
    reopened = PacketStore(tmp_path)
    reopened.open()
    latest = reopened.latest()
    assert latest is not None and latest.packet_id == good.packet_id
    assert os.readlink(tmp_path / LATEST_LINK) == f"packets/{good.packet_id}.json"
    assert reopened.get(bad.packet_id) is None  # never served
    assert path.exists()  # but kept: it may be evidence of what went wrong


def test_refuses_a_packet_whose_digest_does_not_match(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    edited = {**packet(1), "status": "blocked"}
    with pytest.raises(ValueError, match=r"integrity\.digest"):
        store.save(edited)
    assert store.latest() is None and not (tmp_path / LATEST_LINK).exists()


def test_an_unusable_store_directory_is_one_clear_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    from cavra_prom.errors import InputError

    with pytest.raises(InputError, match="cannot create store"):
        PacketStore(blocker / "store").open()


def _write_forever(directory: str) -> None:
    """Child process: save packets back to back until killed."""
    store = PacketStore(directory, keep_count=5)
    store.open()
    n = 0
    while True:
        n += 1
        store.save(packet(n, "blocked" if n % 2 else "ready"))


def test_kill_9_during_writes_never_leaves_a_torn_latest(tmp_path: Path) -> None:
    """A real process saving packets in a tight loop (nearly always mid-write), killed -9.

    After every kill, whatever the moment, latest.json names a complete packet whose digest
    verifies, and a store reopened on the directory serves it and clears the debris.
    """
    context = multiprocessing.get_context("fork")
    rng = random.Random(4)
    seen: set[int] = set()
    torn = 0
    # At least 20 kills, and more (up to 200) until one has cut a write short: how often a kill
    # lands mid-write depends on how busy the machine is, the property must hold every time.
    for attempt in range(200):
        if attempt >= 20 and torn >= 1 and len(seen) > 1:
            break
        child = context.Process(target=_write_forever, args=(str(tmp_path),), daemon=True)
        child.start()
        deadline = time.monotonic() + 10
        while not (tmp_path / LATEST_LINK).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        torn += bool(list(tmp_path.glob("**/.*.tmp")))
        on_disk = latest_on_disk(tmp_path)
        seen.add(on_disk["n"])
        reopened = PacketStore(tmp_path, keep_count=5)
        reopened.open()
        latest = reopened.latest()
        assert latest is not None and json.loads(latest.body) == on_disk
        assert not list(tmp_path.glob("**/.*.tmp"))
    assert len(seen) > 1  # the kills landed at different moments of the write loop
    # Some kills must have cut a write short (a temp file was left), or this proved nothing.
    assert torn >= 1
