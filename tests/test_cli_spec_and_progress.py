"""`cavra spec validate|defaults`, --seed, and the progress display's two forms."""

from __future__ import annotations

import io
from pathlib import Path

from cavra_prom.cli.progress import ProgressDisplay
from cavra_prom.cli.run_cmd import with_seed
from cavra_prom.drills import DrillResult
from cavra_prom.runner import Progress
from cavra_prom.spec.loader import default_spec, load_spec_text
from tests.conftest import CliRunner


def test_spec_defaults_prints_a_spec_that_validates(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("spec", "defaults")
    assert result.code == 0 and result.stdout.startswith("#")
    assert load_spec_text(result.stdout, "<stdout>") == default_spec()
    path = tmp_path / "copy.yaml"
    path.write_text(result.stdout)
    checked = cli("spec", "validate", str(path))
    assert checked.code == 0
    assert "valid (3 suites, 4 drills, 0 warning(s))" in checked.stdout


def test_spec_validate_reports_every_problem_at_once(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = cli("spec", "defaults").stdout
    text = text.replace("p95_latency_ms_max: 50", "p95_latency_ms_max: -1")
    text = text.replace("concurrency: 2", "concurrency: 0")
    path.write_text(text)
    result = cli("spec", "validate", str(path))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert f"cavra: error: {path}: suites[0].slo.p95_latency_ms_max: must be > 0" in lines
    assert any("suites[2].workload.concurrency" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_seed_override_reseeds_every_suite_and_drill() -> None:
    spec = with_seed(default_spec(), 100)
    assert [s.workload.seed for s in spec.suites] == [100, 101, 102]
    assert [d.seed for d in spec.drills] == [100, 101, 102, 103]
    assert with_seed(default_spec(), None) == default_spec()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drill_result(passed: bool) -> DrillResult:
    return DrillResult(
        drill_id="d",
        fault="d",
        injected_fault="",
        expected_behavior="",
        observed_behavior="safe" if passed else "unsafe_approval",
        passed=passed,
    )


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    spec = default_spec()
    tty, plain = Terminal(), io.StringIO()
    for stream in (tty, plain):
        display = ProgressDisplay(stream)
        for phase, fraction in (("measure", 0.0), ("measure", 0.5), ("done", 1.0)):
            display.suite(Progress("s", phase, fraction))
        display.drill(spec.drills[0], None)
        display.drill(spec.drills[0], drill_result(False))
    assert "\r" in tty.getvalue() and "[############............]  50%" in tty.getvalue()
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().splitlines()[:2] == ["suite s: measure", "suite s: done"]
    assert "FAILED (unsafe_approval)" in plain.getvalue()


def test_quiet_progress_writes_nothing() -> None:
    stream = io.StringIO()
    ProgressDisplay(stream, quiet=True).suite(Progress("s", "measure", 0.5))
    assert stream.getvalue() == ""
