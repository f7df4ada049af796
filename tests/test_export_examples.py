"""The committed examples: real, current, valid, and judged as documented.

They come from a real embedded run (timings vary), so they are not compared byte for byte.
Instead: they match the shipped schema, the sample is ready_with_warnings and blocked under
--require-live, the export manifest's hashes match the files, and a fresh regeneration (fast
spec, into a temporary directory) produces the same files with the same structure, so the
committed ones cannot silently fall behind the renderer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cavra_prom.packet.checker import CheckOptions, check_packet
from cavra_prom.packet.reader import read_packet
from cavra_prom.packet.schemas import packet_problems, report_problems
from cavra_prom.spec.loader import default_spec
from scripts.regenerate_examples import SAMPLE_NAME, regenerate
from tests.conftest import fast_spec_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "benchmark-slo"
GENERATED = EXAMPLES / "generated"
OPTIONAL_KEYS = {"notes"}  # present only when a suite saw errors


def test_sample_packet_validates_and_is_judged_as_documented() -> None:
    packet, version = read_packet(EXAMPLES / SAMPLE_NAME)
    assert version == 2 and packet_problems(packet) == []
    plain = check_packet(packet, version, CheckOptions(spec=default_spec()))
    assert plain.status == "ready_with_warnings", [c for c in plain.checks if c.status != "pass"]
    assert plain.ready_for_contract and not plain.ready_for_live
    live = check_packet(packet, version, CheckOptions(spec=default_spec(), require_live=True))
    assert live.status == "blocked" and not live.ready_for_live


def test_generated_export_is_consistent() -> None:
    manifest = json.loads((GENERATED / "benchmark-slo-export.json").read_text())
    assert manifest["output_dir"] == "examples/benchmark-slo/generated"
    for key, path in manifest["artifacts"].items():
        data = (ROOT / path).read_bytes()
        assert manifest["sha256"][key] == "sha256:" + hashlib.sha256(data).hexdigest(), key
    packet = json.loads((GENERATED / "benchmark-slo-readiness-packet.json").read_text())
    assert packet == json.loads((EXAMPLES / SAMPLE_NAME).read_text())
    report = json.loads((GENERATED / "benchmark-slo-report.json").read_text())
    assert report_problems(report, 2) == []
    assert report == packet["benchmark_report"]


def shape(obj: Any, path: str = "") -> Iterator[str]:
    """Key paths (list indexes dropped) with value types: the structure, not the numbers."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key not in OPTIONAL_KEYS:
                yield from shape(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for value in obj:
            yield from shape(value, f"{path}[]")
    else:
        kind = (
            "number"
            if isinstance(obj, int | float) and not isinstance(obj, bool)
            else type(obj).__name__
        )
        yield f"{path}: {kind}"


def test_regeneration_gives_the_committed_structure(tmp_path: Path) -> None:
    spec = tmp_path / "fast.yaml"
    spec.write_text(fast_spec_text())
    manifest = regenerate(tmp_path / "examples", str(spec))
    assert sorted(p.name for p in (tmp_path / "examples" / "generated").iterdir()) == sorted(
        p.name for p in GENERATED.iterdir()
    )
    assert set(manifest) == set(json.loads((GENERATED / "benchmark-slo-export.json").read_text()))
    fresh = json.loads((tmp_path / "examples" / SAMPLE_NAME).read_text())
    committed = json.loads((EXAMPLES / SAMPLE_NAME).read_text())

    def structure(packet: Any) -> set[str]:
        return {p for p in shape(packet) if "git_commit" not in p}  # a commit, or null

    assert structure(fresh) == structure(committed)
