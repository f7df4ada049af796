"""The stored live example (scripts/make_live_example.py) is a real, sanitized, live packet.

It passes `readiness --require-live` with the documented max-age override, and only with it:
without the override it is simply too old, which is the freshness check working.
"""

from __future__ import annotations

import json
from pathlib import Path

from cavra_prom.packet.canonical import packet_digest
from tests.conftest import CliRunner

EXAMPLE = (
    Path(__file__).resolve().parents[1]
    / "examples/benchmark-slo/enterprise-benchmark-slo.live.sanitized.example.json"
)
STORED_MAX_AGE = "3650d"  # documented in scripts/make_live_example.py and docs/serve.md


def test_the_live_example_passes_require_live_with_the_documented_override(
    cli: CliRunner,
) -> None:
    result = cli(
        "benchmark", "readiness", str(EXAMPLE), "--require-live", "--max-age", STORED_MAX_AGE
    )
    assert result.code == 0, result.stdout
    checked = json.loads(result.stdout)
    assert checked["ready_for_live_benchmark_slo_gate"] is True


def test_the_live_example_is_stale_without_the_override(cli: CliRunner) -> None:
    result = cli("benchmark", "readiness", str(EXAMPLE), "--require-live", "--max-age", "1s")
    assert result.code == 1
    assert "freshness" in result.stdout


def test_the_live_example_is_sanitized_with_its_provenance_kept() -> None:
    text = EXAMPLE.read_text()
    packet = json.loads(text)
    assert "127.0.0.1" not in text and "localhost" not in text
    provenance = packet["provenance"]
    assert provenance["source"] == "http://prometheus.monitoring.example:9090"
    assert provenance["window_seconds"] == 60
    assert provenance["tool"] == "cavra-prom" and provenance["spec_digest"].startswith("sha256:")
    assert packet["evidence_mode"] == "live"
    assert packet["integrity"]["digest"] == packet_digest(packet)
