"""The command target: one run is one operation; exit code, timeout, cwd and env are real."""

from __future__ import annotations

from pathlib import Path

from cavra_prom.benchmark import run_suites
from cavra_prom.evaluation.model import SuiteEvaluation
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import SuiteRun
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.target_errors import ERROR_EXIT_CODE, ERROR_TIMEOUT


def command_spec(target: str, workload: str = "{concurrency: 2, iterations: 10}") -> str:
    return f"""
version: cavra/v1
suites:
  - id: cmd
    target: {{kind: command, {target}}}
    workload: {workload}
    slo: {{p95_latency_ms_max: 200, throughput_per_second_min: 1}}
"""


def run(text: str, tmp_path: Path) -> tuple[SuiteRun, SuiteEvaluation]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    runs, evaluations = run_suites(load_spec_text(text, str(path)), SuiteMetrics(None))
    return runs[0], evaluations[0]


def test_p95_of_a_sleeping_command_matches_its_sleep(tmp_path: Path) -> None:
    suite_run, evaluation = run(
        command_spec("argv: [sleep, '0.05']", "{concurrency: 2, iterations: 20}"), tmp_path
    )
    assert suite_run.error_count == 0
    assert evaluation.p95_exact_latency_ms is not None
    # a process start costs a few ms on top of the sleep (more on a busy machine)
    assert 50.0 <= evaluation.p95_exact_latency_ms <= 50.0 + 60.0


def test_exit_code_is_the_outcome(tmp_path: Path) -> None:
    failing, _ = run(command_spec("argv: [sh, -c, 'exit 3']"), tmp_path)
    assert dict(failing.error_classes) == {ERROR_EXIT_CODE: 10}
    assert all("exited with 3" in sample for sample in failing.error_samples)
    accepted, _ = run(command_spec("argv: [sh, -c, 'exit 3'], ok_exit_codes: [0, 3]"), tmp_path)
    assert accepted.error_count == 0


def test_a_run_past_its_timeout_is_killed_and_counted(tmp_path: Path) -> None:
    suite_run, _ = run(
        command_spec("argv: [sleep, '5'], timeout_seconds: 0.1", "{concurrency: 2, iterations: 4}"),
        tmp_path,
    )
    assert dict(suite_run.error_classes) == {ERROR_TIMEOUT: 4}
    assert max(suite_run.latencies_seconds()) < 5.0  # killed, not waited for


def test_cwd_and_env_come_from_the_spec(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "here.txt").write_text("x")
    target = (
        """argv: [sh, -c, 'test "$MARK" = yes && test -f here.txt'], cwd: work, """
        "env: {MARK: 'yes'}"
    )
    suite_run, _ = run(command_spec(target), tmp_path)
    assert suite_run.error_count == 0
    wrong_env, _ = run(command_spec(target.replace("'yes'", "'no'")), tmp_path)
    assert dict(wrong_env.error_classes) == {ERROR_EXIT_CODE: 10}


def test_a_program_path_is_resolved_against_the_spec_file(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "check.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    suite_run, _ = run(command_spec("argv: [bin/check.sh]"), tmp_path)
    assert suite_run.error_count == 0 and suite_run.sample_count == 10
