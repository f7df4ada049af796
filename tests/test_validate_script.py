"""scripts/validate_benchmark_slo.py: the seed's four commands, run as a user runs them.

Each command runs in a real subprocess, both with the venv's Python (the package installed)
and with a plain ``python3`` that lacks the dependencies (the script must find the checkout's
``.venv`` by itself). The CI workflow is checked to run the same commands.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.test_packet_checker import live_packet, write_test_spec

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "validate_benchmark_slo.py"
SAMPLE = "examples/benchmark-slo/enterprise-benchmark-slo.sample.json"
REPORT = "examples/benchmark-slo/generated/benchmark-slo-report.json"
WORKFLOW = ROOT / ".github" / "workflows" / "benchmark-slo.yml"


def plain_python() -> str:
    found = shutil.which("python3")
    assert found, "python3 is on PATH wherever the project runs"
    return found


def run(python: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_packet_command_prints_the_result_and_exits_0() -> None:
    done = run(plain_python(), "--packet", SAMPLE)  # finds the checkout's .venv by itself
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ready_with_warnings"
    assert result["ready_for_benchmark_slo_contract"] is True


def test_packet_require_live_blocks_a_sample_packet() -> None:
    done = run(sys.executable, "--packet", SAMPLE, "--require-live")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["ready_for_live_benchmark_slo_gate"] is False and result["status"] == "blocked"


def test_report_command_rederives_the_gate() -> None:
    done = run(sys.executable, "--report", REPORT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["passed"] is True


def test_export_dir_writes_artifacts_and_prints_the_manifest(tmp_path: Path) -> None:
    spec = write_test_spec(tmp_path)
    out = tmp_path / "dist" / "benchmark-slo"
    done = run(plain_python(), "--export-dir", str(out), "--spec", str(spec), "--quiet")
    summary = out / "benchmark-slo-summary.md"
    assert done.returncode == 0, summary.read_text() if summary.exists() else done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["schema_version"] == "cavra.benchmark-slo.export.v2"
    assert all(Path(p).is_file() for p in manifest["artifacts"].values())
    packet = out / "benchmark-slo-readiness-packet.json"
    checked = run(plain_python(), "--packet", str(packet), "--spec", str(spec))
    assert checked.returncode == 0, checked.stdout


def test_a_live_packet_passes_require_live(tmp_path: Path) -> None:
    path = tmp_path / "live.json"
    path.write_text(json.dumps(live_packet()))
    spec = write_test_spec(tmp_path)
    done = run(sys.executable, "--packet", str(path), "--require-live", "--spec", str(spec),
               "--max-age", "1d")  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["ready_for_live_benchmark_slo_gate"] is True


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = run(sys.executable, "--packet", str(bad))
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and "not valid JSON" in done.stderr
    nothing = run(plain_python())
    assert nothing.returncode == 2 and "one of the arguments" in nothing.stderr


def test_ci_workflow_runs_the_seed_commands_and_uploads_the_export() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    for event in ("push", "pull_request"):
        assert "cavra_prom/**" in triggers[event]["paths"]
        assert "examples/benchmark-slo/**" in triggers[event]["paths"]
    steps = workflow["jobs"]["benchmark-slo"]["steps"]
    commands = " ".join(str(s.get("run", "")) for s in steps)
    assert "validate_benchmark_slo.py --export-dir dist/benchmark-slo" in commands
    assert f"validate_benchmark_slo.py --report {REPORT}" in commands
    assert f"validate_benchmark_slo.py --packet {SAMPLE}" in commands
    assert "--require-live" in commands and "-m pytest" in commands
    upload = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert upload and upload[0]["with"]["path"] == "dist/benchmark-slo"
    pytest_step = next(s for s in steps if "pytest" in str(s.get("run")))
    for test_file in str(pytest_step["run"]).split():
        if test_file.startswith("tests/"):
            assert (ROOT / test_file).is_file(), test_file
