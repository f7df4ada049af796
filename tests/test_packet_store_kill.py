"""kill -9 a real `cavra serve` while it renders packets, again and again, on one store.

The service renders a packet every 0.1 s, so a kill at a random moment regularly lands in an
evaluation, a render or a write. After every kill, ``latest.json`` must name a complete packet
whose digest verifies, and the next start must serve exactly that packet before it renders a
new one. (tests/test_packet_store.py kills a tight write loop for the mid-write statistics.)
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from cavra_prom.serve.store import LATEST_LINK, verify_packet_bytes
from tests.servers import cavra_serve, http_get, wait_until

KILLS = 5


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_latest_survives_repeated_kill_9_mid_render(tmp_path: Path) -> None:
    store = tmp_path / "store"
    rng = random.Random(9)
    digests: list[str] = []
    seen_workers = 0
    for round_ in range(KILLS):
        with cavra_serve(["--evaluation-interval=0.1s", "--window=10s"], store_dir=store) as srv:
            if round_:
                # A restart serves a complete packet at once: the one the killed process left
                # as latest or, when this process's first render (every 0.1 s) came first, a
                # new one; never an older packet, never a torn one.
                status, body = http_get(srv.url + "/packet/latest")
                assert status == 200
                _, served = verify_packet_bytes(body, "/packet/latest")
                assert served == digests[-1] or served not in digests
            packets_before = len(list((store / "packets").glob("*.json")))
            wait_until(
                lambda n=packets_before: len(list((store / "packets").glob("*.json"))) > n,
                30,
                "a packet rendered by this process",
            )
            time.sleep(rng.uniform(0.0, 0.4))
            workers = children(srv.process.pid)  # suite and drill worker processes
            seen_workers += len(workers)
            os.kill(srv.process.pid, signal.SIGKILL)
            srv.process.wait(10)
            # Orphaned workers notice their parent is gone and exit, even mid-burst.
            wait_until(lambda w=workers: not any(alive(p) for p in w), 10, "workers to exit")
        link = store / LATEST_LINK
        packet, digest = verify_packet_bytes(link.read_bytes(), str(link))
        assert packet["integrity"]["digest"] == digest
        assert packet["schema_version"] == "cavra.benchmark-slo.readiness.v2"
        digests.append(digest)
    assert len(set(digests)) == KILLS  # every round rendered and kept its own latest
    assert seen_workers >= KILLS  # workers were running when the kills came
