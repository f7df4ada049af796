"""The chart's copies of the rules, boards and built-in spec equal their committed sources.

The first test reads the files itself (not through the script), so a bug in
scripts/sync_chart.py cannot hide a stale copy; the others run the script on a scratch
repository to show it finds, fixes and reports every kind of drift.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helm_support import CHART, ROOT

SCRIPT = ROOT / "scripts" / "sync_chart.py"


def _strip_header(text: str) -> str:
    """The copy without the two do-not-edit lines sync_chart.py puts on top."""
    first, second, rest = text.split("\n", 2)
    assert first.startswith("# Copied by scripts/sync_chart.py from ")
    assert "DO NOT EDIT" in first and second.startswith("# ")
    return rest


def test_chart_copies_equal_the_committed_sources() -> None:
    rules = ROOT / "rules" / "cavra-benchmark-slo.rules.yml"
    assert rules.exists(), "rules/cavra-benchmark-slo.rules.yml is missing"
    copy = CHART / "files" / "rules" / rules.name
    assert _strip_header(copy.read_text()) == rules.read_text(), "run scripts/sync_chart.py"
    spec = ROOT / "cavra_prom" / "spec" / "default.yaml"
    spec_copy = CHART / "files" / "spec" / "cavra-spec.yaml"
    assert _strip_header(spec_copy.read_text()) == spec.read_text(), "run scripts/sync_chart.py"
    boards = {p.name: p.read_bytes() for p in (ROOT / "grafana" / "dashboards").glob("*.json")}
    copies = {p.name: p.read_bytes() for p in (CHART / "files" / "dashboards").glob("*.json")}
    assert boards, "grafana/dashboards/*.json is missing"
    assert copies == boards, "run scripts/sync_chart.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_passes_on_this_repository() -> None:
    done = _run("--check")
    assert done.returncode == 0, done.stderr


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of just the sources and chart files the script reads and writes."""
    for rel in ("rules/cavra-benchmark-slo.rules.yml", "cavra_prom/spec/default.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    shutil.copytree(ROOT / "grafana" / "dashboards", tmp_path / "grafana" / "dashboards")
    shutil.copytree(CHART / "files", tmp_path / "helm" / "cavra-prom" / "files")
    return tmp_path


def test_check_names_each_drift_and_sync_repairs_it(scratch: Path) -> None:
    rules = scratch / "rules" / "cavra-benchmark-slo.rules.yml"
    rules.write_text(rules.read_text() + "# regenerated\n")
    board = next((scratch / "grafana" / "dashboards").glob("*.json"))
    board.unlink()
    new_board = scratch / "grafana" / "dashboards" / "cavra-new.json"
    new_board.write_text('{"uid": "cavra-new"}\n')
    done = _run("--check", "--root", str(scratch))
    assert done.returncode == 1
    assert "files/rules/cavra-benchmark-slo.rules.yml: differs from its source" in done.stderr
    assert f"files/dashboards/{board.name}: no source any more" in done.stderr
    assert "files/dashboards/cavra-new.json: missing" in done.stderr

    assert _run("--root", str(scratch)).returncode == 0
    assert _run("--check", "--root", str(scratch)).returncode == 0
    chart_files = scratch / "helm" / "cavra-prom" / "files"
    assert (chart_files / "dashboards" / "cavra-new.json").read_bytes() == new_board.read_bytes()
    assert not (chart_files / "dashboards" / board.name).exists()
    assert (chart_files / "rules" / rules.name).read_text().endswith("# regenerated\n")


def test_missing_source_is_an_error_not_an_empty_chart(scratch: Path) -> None:
    (scratch / "rules" / "cavra-benchmark-slo.rules.yml").unlink()
    done = _run("--root", str(scratch))
    assert done.returncode == 2
    assert done.stderr.strip() == "sync_chart: missing source: rules/cavra-benchmark-slo.rules.yml"
