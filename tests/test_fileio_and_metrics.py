"""Atomic writes, and the drill and gate gauges as Prometheus exposes them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cavra_prom.fileio import write_atomic
from cavra_prom.gate import evaluate_gate
from cavra_prom.outcome_metrics import DrillMetrics, GateMetrics
from cavra_prom.spec.loader import default_spec
from tests.test_gate import evaluation, good_drill


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["f.json"]


def test_write_atomic_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    write_atomic(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)  # a full disk cannot be made here safely
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.json"]


def samples(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    out = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            out[(s.name, s.labels.get("drill", ""))] = s.value
    return out


def test_drill_and_gate_gauges() -> None:
    registry = CollectorRegistry()
    drills, gate = DrillMetrics(registry), GateMetrics(registry)
    assert samples(registry) == {}  # nothing before the first results
    failed = good_drill("b")
    drills.update(
        [
            good_drill("a"),
            type(failed)(**{**failed.__dict__, "passed": False, "recovery_seconds": None}),
        ]
    )
    gate.update(evaluate_gate(evaluation(), default_spec()))
    got = samples(registry)
    assert got[("cavra_drill_passed", "a")] == 1.0
    assert got[("cavra_drill_passed", "b")] == 0.0
    assert got[("cavra_drill_last_run_timestamp_seconds", "a")] == 2.0
    assert got[("cavra_drill_recovery_seconds", "a")] == 0.01
    assert ("cavra_drill_recovery_seconds", "b") not in got
    assert got[("cavra_gate_ready", "")] == 1.0
    assert got[("cavra_gate_blockers", "")] == 0.0
