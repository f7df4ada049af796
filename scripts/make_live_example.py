"""Regenerate examples/benchmark-slo/enterprise-benchmark-slo.live.sanitized.example.json.

A live example must come from a live evaluation, so this script runs one: a real Prometheus
(Debian's package, loopback, 1 s scrape interval) scrapes a real `cavra serve` running the
built-in R6.1 spec, and `cavra serve --prometheus-url` evaluates from that Prometheus. The
first packet that is ready for the live gate is taken from `GET /packet/latest`.

Sanitized: the loopback URL of the throw-away Prometheus is replaced everywhere with
``SANITIZED_SOURCE`` (a hostname a reader recognises as an example), and the packet is
re-sealed, so its digest covers exactly the bytes stored. Provenance is kept: window,
evaluation time, tool version, spec digest and git commit are what the run recorded.

The stored packet ages, so the freshness check needs an override when checking it:

    cavra benchmark readiness --require-live --max-age 3650d \\
        examples/benchmark-slo/enterprise-benchmark-slo.live.sanitized.example.json

Usage (from the repository root, after `make test` installed Prometheus):
    .venv/bin/python scripts/make_live_example.py [--output PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.servers starts the real Prometheus and cavra serve

from cavra_prom.cli.main import main as cavra  # noqa: E402
from cavra_prom.fileio import write_atomic  # noqa: E402
from cavra_prom.packet.canonical import pretty_bytes, seal  # noqa: E402
from cavra_prom.spec.loader import default_spec_text  # noqa: E402
from tests.servers import (  # noqa: E402
    LOOPBACK,
    cavra_serve,
    free_port,
    http_get,
    prometheus,
    prometheus_config,
    wait_until,
)

OUTPUT = ROOT / "examples/benchmark-slo/enterprise-benchmark-slo.live.sanitized.example.json"
SANITIZED_SOURCE = "http://prometheus.monitoring.example:9090"
STORED_MAX_AGE = "3650d"
WINDOW = "60s"
DEADLINE_SECONDS = 180.0


def replace_strings(obj: Any, old: str, new: str) -> Any:
    """``obj`` with ``old`` replaced by ``new`` in every string, keys included."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, dict):
        return {replace_strings(k, old, new): replace_strings(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [replace_strings(v, old, new) for v in obj]
    return obj


def sanitize(packet: dict[str, Any], source: str) -> dict[str, Any]:
    """The packet with the real source URL replaced, re-sealed; refuses leftovers."""
    cleaned = replace_strings(packet, source, SANITIZED_SOURCE)
    text = json.dumps(cleaned)
    for leftover in (LOOPBACK, "localhost", source.split("//", 1)[1]):
        if leftover in text:
            raise SystemExit(f"sanitizing left {leftover!r} in the packet")
    return seal(cleaned)


def live_packet() -> tuple[dict[str, Any], str]:
    """Run Prometheus and `cavra serve`; return the first live-ready packet and the source."""
    port = free_port()
    with prometheus(prometheus_config([f"{LOOPBACK}:{port}"])) as prom:
        args = ["--prometheus-url", prom.url, f"--window={WINDOW}", "--evaluation-interval=5s"]
        with cavra_serve(args, port=port, spec_text=default_spec_text()) as srv:

            def ready() -> dict[str, Any] | None:
                status, body = http_get(srv.url + "/packet/latest")
                packet = json.loads(body) if status == 200 else None
                live = packet and packet["ready_for_live_benchmark_slo_gate"] is True
                return packet if live else None

            packet: dict[str, Any] = wait_until(ready, DEADLINE_SECONDS, "a live packet", 1.0)
            return packet, prom.url


def check(path: Path) -> dict[str, Any]:
    """`cavra benchmark readiness PATH --require-live --max-age 3650d` must pass."""
    out, err = io.StringIO(), io.StringIO()
    code = cavra(
        ["benchmark", "readiness", str(path), "--require-live", "--max-age", STORED_MAX_AGE],
        stdout=out,
        stderr=err,
    )
    if code != 0:
        raise SystemExit(f"the example does not pass readiness --require-live:\n{out.getvalue()}")
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def record_commit() -> None:
    """`cavra serve` runs in a temp dir; tell it the checkout's commit for the provenance."""
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode == 0 and "CAVRA_GIT_COMMIT" not in os.environ:
        os.environ["CAVRA_GIT_COMMIT"] = done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    record_commit()
    started = time.monotonic()
    packet, source = live_packet()
    write_atomic(args.output, pretty_bytes(sanitize(packet, source)))
    result = check(args.output)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(
        f"wrote {shown} in {time.monotonic() - started:.0f}s: status {result['status']}, "
        f"live-ready {result['ready_for_live_benchmark_slo_gate']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
