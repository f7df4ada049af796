"""``cavra benchmark evaluate``: exit codes, artifacts and secrecy, against a real Prometheus.

One real Prometheus scrapes one real run for the whole module. Exit 0 ready, 1 blocked,
3 could not evaluate (still writing a blocked packet that names the reason), 2 bad input;
never a traceback; no credential in stdout, stderr or any artifact.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cavra_prom import conventions as names
from tests.conftest import CliResult, CliRunner
from tests.servers import LOOPBACK, prometheus, prometheus_config
from tests.test_promql_evaluator_support import (
    LiveRunner,
    evaluator_spec,
    evaluator_spec_text,
    wait_for_scrape_after,
)

ARTIFACTS = (
    names.ARTIFACT_REPORT_FILE,
    names.ARTIFACT_GATE_FILE,
    names.ARTIFACT_PACKET_FILE,
    names.ARTIFACT_EXPORT_FILE,
    names.ARTIFACT_SUMMARY_FILE,
    names.ARTIFACT_JUNIT_FILE,
)


@dataclass(frozen=True)
class Live:
    url: str
    spec_path: Path
    at: float


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    spec_path = tmp_path_factory.mktemp("evaluate") / "spec.yaml"
    spec_path.write_text(evaluator_spec_text())
    spec = evaluator_spec()
    runner = LiveRunner(spec)
    try:
        with prometheus(prometheus_config([runner.target])) as prom:
            first = spec.suites[0].id
            wait_for_scrape_after(prom.url, first, after=0.0)
            runner.run()
            at = wait_for_scrape_after(prom.url, first, after=time.time())
            yield Live(prom.url, spec_path, at)
    finally:
        runner.close()


def no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return f"http://{LOOPBACK}:{sock.getsockname()[1]}"


def test_ready_exits_0_and_writes_every_artifact_of_export(
    cli: CliRunner, live: Live, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = cli(
        "benchmark", "evaluate", "--prometheus-url", live.url, "--window", "1m",
        "--spec", str(live.spec_path), "--output-dir", str(out),
    )  # fmt: skip
    no_traceback(result)
    assert result.code == 0, result.stdout + result.stderr
    assert f"cavra benchmark: {live.url} (live evidence)" in result.stdout
    assert "status: READY" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(ARTIFACTS)
    packet = json.loads((out / names.ARTIFACT_PACKET_FILE).read_text())
    # The suite's PromQL baseline (the same window a day earlier) has no data in a Prometheus
    # that started seconds ago: the regression cannot be judged, which is a warning only.
    assert packet["evidence_mode"] == "live" and packet["status"] == "ready_with_warnings"
    warned = {c["name"] for c in packet["slo_regression_gate"]["checks"] if c["status"] == "warn"}
    assert warned and all(name.endswith("_regression") for name in warned), warned
    assert packet["provenance"]["source"] == live.url
    assert packet["provenance"]["window_seconds"] == 60.0
    suite = packet["benchmark_report"]["benchmark_suites"][0]
    assert "histogram_quantile(0.95" in suite["methods"]["p95_latency_ms"]
    check = cli(
        "benchmark", "readiness", str(out / names.ARTIFACT_PACKET_FILE), "--require-live",
        "--spec", str(live.spec_path),
    )  # fmt: skip
    assert check.code == 0, check.stdout
    assert json.loads(check.stdout)["ready_for_live_benchmark_slo_gate"] is True


def test_a_gate_that_blocks_exits_1(cli: CliRunner, live: Live, tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    text = live.spec_path.read_text()
    strict.write_text(
        text.replace("throughput_per_second_min: 1\n", "throughput_per_second_min: 1000000000\n")
    )
    result = cli(
        "benchmark", "evaluate", "--prometheus-url", live.url, "--window", "1m",
        "--spec", str(strict), "--at", f"{live.at:.3f}", "--json",
    )  # fmt: skip
    no_traceback(result)
    assert result.code == 1
    packet = json.loads(result.stdout)
    assert packet["status"] == "blocked" and packet["provenance"]["evaluated_at"].startswith(
        time.strftime("%Y-%m-%dT%H:%M", time.gmtime(live.at))
    )
    blockers = [
        c["name"] for c in packet["slo_regression_gate"]["checks"] if c["status"] == "blocker"
    ]
    assert "evaluation_source" not in blockers
    assert "runtime_decision_latency_slo" in blockers


def test_could_not_evaluate_exits_3_and_still_writes_a_blocked_packet_naming_why(
    cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    url = closed_port_url()
    result = cli(
        "benchmark", "evaluate", "--prometheus-url", url, "--retries", "0",
        "--output-dir", str(out),
    )  # fmt: skip
    no_traceback(result)
    assert result.code == 3
    assert result.stderr.startswith(f"cavra: could not evaluate: unreachable: cannot reach {url}")
    packet = json.loads((out / names.ARTIFACT_PACKET_FILE).read_text())
    assert packet["status"] == "blocked" and packet["ready_for_benchmark_slo_contract"] is False
    source = next(
        c for c in packet["slo_regression_gate"]["checks"] if c["name"] == "evaluation_source"
    )
    assert "unreachable" in source["message"]


def test_no_cavra_data_in_prometheus_exits_3(cli: CliRunner, tmp_path: Path) -> None:
    with prometheus(prometheus_config()) as empty:
        result = cli("benchmark", "evaluate", "--prometheus-url", empty.url)
    no_traceback(result)
    assert result.code == 3
    assert "could not evaluate: no_data: no suite of the spec has series" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--prometheus-url", "prometheus:9090"], "--prometheus-url: 'prometheus:9090' must"),
        (["--prometheus-url", "http://h:9090?x=1"], "a query or fragment is not allowed"),
        (["--prometheus-url", "http://h", "--header", "X-Api-Key=abc"], "--header: expected"),
        (["--prometheus-url", "http://h", "--bearer-token-file", "/nonexistent"], "does not exist"),
        (["--prometheus-url", "http://h", "--bearer-token-env", "CAVRA_UNSET_9"], "is not set"),
        (["--prometheus-url", "http://h", "--basic-auth-user", "u"], "needs both a user"),
        (["--prometheus-url", "http://h", "--window", "five"], "is not a duration"),
        (["--prometheus-url", "http://h", "--spec", "/nonexistent.yaml"], "nonexistent.yaml"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    cli: CliRunner, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    result = cli("benchmark", "evaluate", *args)
    stderr = result.stderr + capsys.readouterr().err  # argparse writes to sys.stderr itself
    no_traceback(result)
    assert result.code == 2
    assert words in stderr, stderr
    assert "abc" not in stderr


def test_credentials_never_reach_stdout_stderr_or_artifacts(
    cli: CliRunner, live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAVRA_TEST_BEARER", "bearer-SECRET-1")
    out = tmp_path / "ok"
    ok = cli(
        "benchmark", "evaluate", "--prometheus-url", live.url, "--window", "1m",
        "--spec", str(live.spec_path), "--output-dir", str(out),
        "--bearer-token-env", "CAVRA_TEST_BEARER", "--header", "X-Api-Key: header-SECRET-2",
        "--header", "X-Scope-OrgID: tenant-a",
    )  # fmt: skip
    assert ok.code == 0, ok.stdout + ok.stderr
    password = tmp_path / "password"
    password.write_text("basic-SECRET-3\n")
    closed = closed_port_url()
    failures = {
        "basic": ["--prometheus-url", closed, "--basic-auth-user", "u",
                  "--basic-auth-password-file", str(password)],
        "userinfo": ["--prometheus-url", closed.replace("http://", "http://u:url-SECRET-4@")],
    }  # fmt: skip
    texts = [ok.stdout, ok.stderr, *(p.read_text() for p in out.iterdir())]
    for name, args in failures.items():
        failed = cli(
            "benchmark", "evaluate", *args, "--retries", "0", "--output-dir", str(tmp_path / name)
        )
        assert failed.code == 3, failed.stderr
        texts += [failed.stdout, failed.stderr]
        texts += [p.read_text() for p in (tmp_path / name).iterdir()]
    assert all("SECRET" not in text for text in texts)
