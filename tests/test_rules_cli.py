"""``cavra rules generate``: writes the committed file, prints to stdout, exits 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from cavra_prom import conventions as names
from tests.conftest import CliRunner

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "rules" / names.RULES_FILE


def test_generate_writes_the_committed_file(cli: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "out" / "rules.yml"
    result = cli("rules", "generate", "--output", str(output))
    assert result.code == 0, result.stderr
    assert output.read_text() == COMMITTED.read_text()
    assert result.stdout == f"wrote {output} (15 recording rules, 23 alerting rules)\n"


def test_default_output_is_rules_dir_under_the_working_directory(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("rules", "generate").code == 0
    assert (tmp_path / "rules" / names.RULES_FILE).read_text() == COMMITTED.read_text()


def test_dash_writes_to_stdout_with_the_options_in_the_header(
    cli: CliRunner, fast_spec: Path
) -> None:
    result = cli(
        "rules",
        "generate",
        "--spec",
        str(fast_spec),
        "--output",
        "-",
        "--window",
        "10s",
        "--job",
        "gate",
        "--evaluation-interval",
        "5s",
        "--baseline-offset",
        "30s",
    )
    assert result.code == 0, result.stderr
    header = result.stdout.splitlines()[1]
    assert header == (
        f"#   cavra rules generate --spec {fast_spec} --job gate --evaluation-interval 5s "
        "--window 10s --baseline-offset 30s"
    )
    assert "suite:cavra_suite_latency_seconds:p95_rate10s" in result.stdout
    assert 'up{job="gate"} == 0' in result.stdout


def test_an_invalid_spec_exits_2_naming_the_file_and_path(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: cavra/v1\nsuites: []\n")
    output = tmp_path / "rules.yml"
    result = cli("rules", "generate", "--spec", str(spec), "--output", str(output))
    assert result.code == 2
    assert result.stderr.startswith(f"cavra: error: {spec}: ")
    assert "Traceback" not in result.stderr and not output.exists()


def test_a_missing_spec_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = cli("rules", "generate", "--spec", str(missing), "--output", "-")
    assert (result.code, result.stderr) == (2, f"cavra: error: {missing}: no such file\n")


def test_a_burn_rate_that_cannot_fire_exits_2_with_one_line(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "loose.yaml"
    text = (ROOT / "cavra_prom" / "spec" / "default.yaml").read_text()
    spec.write_text(
        text.replace("  health_endpoints:", "  availability: {objective: 0.9}\n  health_endpoints:")
    )
    output = tmp_path / "rules.yml"
    result = cli("rules", "generate", "--spec", str(spec), "--output", str(output))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"cavra: error: {spec}: ha_dr.availability.objective: ")
    assert "14.4x (page) can never fire at objective 0.9" in lines[0]
    assert not output.exists()


def test_bad_durations_and_an_empty_job_exit_2(cli: CliRunner) -> None:
    assert cli("rules", "generate", "--window", "5 minutes", "--output", "-").code == 2
    assert cli("rules", "generate", "--window", "0s", "--output", "-").code == 2
    result = cli("rules", "generate", "--job", " ", "--output", "-")
    assert (result.code, result.stderr) == (2, "cavra: error: --job: must not be empty\n")


def test_an_unwritable_output_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    output = blocker / "rules.yml"  # a path under a regular file cannot be created
    result = cli("rules", "generate", "--output", str(output))
    assert result.code == 2
    assert result.stderr.startswith(f"cavra: error: {output}: cannot write: ")
