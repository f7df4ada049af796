"""`cavra benchmark run --baseline FILE` end to end, on the real reference runtime.

Every run injects a real per-operation delay (the runtime's latency fault), so p95 is set by
a sleep rather than by how busy the shared test machine is: 2 ms for the baseline and the
unchanged rerun, 10 ms for the slowdown. The spec allows +100 % on p95, so machine noise
cannot block the rerun while the fivefold slowdown must.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cavra_prom import conventions as names
from cavra_prom.packet.canonical import seal
from cavra_prom.spec.loader import default_spec_text
from tests.conftest import CliRunner

SUITE = names.SUITE_RUNTIME_DECISION_LATENCY
CHECK = names.suite_regression_check_name(SUITE)
PACKET = names.ARTIFACT_PACKET_FILE


def one_suite_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(default_spec_text())
    (suite,) = [s for s in spec["suites"] if s["id"] == SUITE]
    suite["workload"].update(concurrency=2, warmup_seconds=0.1, duration_seconds=1.0)
    suite["regression"] = {"p95_increase_max": 1.0, "throughput_decrease_max": 0.95}
    spec["suites"] = [suite]
    spec["gate"]["required_suites"] = [SUITE]
    return spec


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "one-suite.yaml"
    path.write_text(yaml.safe_dump(one_suite_spec()))
    return path


def _check(packet_path: Path) -> dict[str, Any]:
    packet = json.loads(packet_path.read_text())
    (check,) = [c for c in packet["slo_regression_gate"]["checks"] if c["name"] == CHECK]
    return dict(check)


def run(cli: CliRunner, spec: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = cli(
        "benchmark", "run", "--spec", str(spec), "--quiet", "--output-dir", str(out), *extra
    )
    return result.code, result.stdout + result.stderr


def test_baseline_blocks_a_real_slowdown_and_passes_an_unchanged_rerun(
    cli: CliRunner, spec_file: Path, tmp_path: Path
) -> None:
    slow = f"{SUITE}=2ms"
    code, text = run(cli, spec_file, tmp_path / "base", "--inject-latency", slow)
    assert code == 0, text
    baseline = str(tmp_path / "base" / PACKET)
    assert "regressions" not in json.loads(Path(baseline).read_text())["benchmark_report"]

    code, text = run(
        cli, spec_file, tmp_path / "same", "--inject-latency", slow, "--baseline", baseline
    )
    assert code == 0, text
    check = _check(tmp_path / "same" / PACKET)
    assert check["status"] == names.STATUS_PASS, check
    assert f"pinned baseline {baseline}" in check["message"]
    # The readiness checker reads a packet that carries regression details.
    readiness = cli(
        "benchmark", "readiness", str(tmp_path / "same" / PACKET), "--spec", str(spec_file)
    )
    assert readiness.code == 0, readiness.stdout + readiness.stderr
    assert json.loads(readiness.stdout)["status"] == "ready_with_warnings"

    code, text = run(
        cli,
        spec_file,
        tmp_path / "slower",
        "--inject-latency",
        f"{SUITE}=10ms",
        "--baseline",
        baseline,
    )
    assert code == 1, text
    check = _check(tmp_path / "slower" / PACKET)
    assert check["status"] == names.STATUS_BLOCKER, check
    assert f"blocker: {CHECK}:" in text
    packet = json.loads((tmp_path / "slower" / PACKET).read_text())
    (entry,) = packet["benchmark_report"]["regressions"]
    assert entry["latency"]["delta_percent"] > 100
    assert entry["latency"]["p_value"] < 0.01

    # A regression "pass" written into the packet (and re-sealed) is re-judged and still blocks.
    for gate in (packet["slo_regression_gate"], packet["benchmark_report"]["regression_gate"]):
        for gate_check in gate["checks"]:
            if gate_check["name"] == CHECK:
                gate_check["status"] = names.STATUS_PASS
    for key in ("verdict", "status"):
        if key in entry:
            entry[key] = names.STATUS_PASS
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(seal(packet)))
    readiness = cli("benchmark", "readiness", str(forged), "--spec", str(spec_file))
    assert readiness.code == 1, readiness.stdout
    rechecked = {c["name"]: c["status"] for c in json.loads(readiness.stdout)["checks"]}
    assert rechecked[CHECK] == names.STATUS_BLOCKER


def test_a_bad_baseline_file_fails_fast_with_one_line(
    cli: CliRunner, spec_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "cavra.benchmark-slo.readiness.v2"')
    result = cli("benchmark", "run", "--spec", str(spec_file), "--quiet", "--baseline", str(bad))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr
    assert "not valid JSON" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("runtime_decision_latency", "expected SUITE=DURATION"),
        ("nope=5ms", "no suite 'nope'"),
        ("runtime_decision_latency=fast", "not a duration"),
        ("runtime_decision_latency=2m", "at most 60s"),
    ],
)
def test_bad_inject_latency_is_bad_input(
    cli: CliRunner, spec_file: Path, value: str, message: str
) -> None:
    result = cli("benchmark", "run", "--spec", str(spec_file), "--inject-latency", value)
    assert result.code == 2
    assert message in result.stderr


def test_export_compares_with_a_baseline_too(
    cli: CliRunner, spec_file: Path, tmp_path: Path
) -> None:
    """`export --baseline` judges regressions as `run` does and writes them into every artifact.

    The baseline carries a 2 ms injected delay per operation; the export runs without it, so it
    is faster, and faster is never a regression."""
    code, text = run(cli, spec_file, tmp_path / "base", "--inject-latency", f"{SUITE}=2ms")
    assert code == 0, text
    baseline = str(tmp_path / "base" / PACKET)
    out = tmp_path / "export"
    result = cli(
        "benchmark", "export", "--spec", str(spec_file), "--quiet", "--output-dir", str(out),
        "--baseline", baseline,
    )  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    check = _check(out / PACKET)
    assert check["status"] == names.STATUS_PASS, check
    assert f"pinned baseline {baseline}" in check["message"]
    (entry,) = json.loads((out / PACKET).read_text())["benchmark_report"]["regressions"]
    assert entry["latency"]["delta_percent"] < 0
    assert CHECK in (out / "benchmark-slo-junit.xml").read_text()
