"""The examples run as the README says: Python, command and HTTP targets, and hook drills.

The HTTP examples are pointed at the demo service on a free port (the README uses 8080) and
the PromQL drill at a real Prometheus started from examples/prometheus.yml; phases are
shortened, nothing else is changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from cavra_prom.benchmark import BenchmarkOutcome, run_benchmark
from cavra_prom.spec.loader import load_spec_text
from tests.conftest import CliRunner
from tests.servers import Server, demo_service, prometheus, wait_for_series

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TOKEN = "example-token"


def run_example(name: str, replacements: dict[str, str]) -> BenchmarkOutcome:
    """Run examples/<name> with text replacements, read as if it were the file itself."""
    path = EXAMPLES / name
    text = path.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return run_benchmark(load_spec_text(text, str(path)), CollectorRegistry())


SHORT = {"warmup_seconds: 0.5": "warmup_seconds: 0.1", "duration_seconds: 3": "duration_seconds: 1"}


@pytest.fixture(scope="module")
def demo() -> Iterator[Server]:
    with demo_service("--delay-ms", "2", env={"DEMO_API_TOKEN": TOKEN}) as server:
        yield server


def test_readme_runs_every_example() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("python.yaml", "command.yaml", "http.yaml", "drill-promql.yaml"):
        assert f"--spec examples/{name}" in readme, name
    assert "python examples/demo_service.py --port 8080" in readme
    assert "examples/prometheus.yml" in readme


def test_python_example(tmp_path: Path) -> None:
    outcome = run_example(
        "python.yaml", {"duration_seconds: 2": "duration_seconds: 0.5", "0.2": "0.05"}
    )
    sync, asynchronous = outcome.runs
    assert sync.error_count == 0 and sync.sample_count > 0
    assert asynchronous.error_count == 0
    assert asynchronous.sample_count == 150  # open loop: 300/s for 0.5 s


def test_command_example_from_the_cli(cli: CliRunner) -> None:
    result = cli("benchmark", "run", "--spec", str(EXAMPLES / "command.yaml"), "--json")
    packet = json.loads(result.stdout)
    (suite,) = packet["benchmark_report"]["benchmark_suites"]
    assert suite["suite_id"] == "validate_request_cli"
    assert suite["error_count"] == 0 and suite["sample_count"] >= 50


def test_http_example(demo: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_API_TOKEN", TOKEN)
    window = {"duration_seconds: 2\n      assertions": "duration_seconds: 0.5\n      assertions"}
    outcome = run_example(
        "http.yaml", {"127.0.0.1:8080": demo.url.split("//")[1], **SHORT, **window}
    )
    closed, opened = outcome.runs
    assert closed.error_count == 0 and closed.sample_count > 0
    assert opened.error_count == 0 and opened.sample_count == 200  # 200/s for 1 s
    (drill,) = outcome.evaluation.drills
    assert drill.passed, drill.failure_reason
    assert drill.recovery_seconds is not None


def test_promql_drill_example(demo: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_API_TOKEN", TOKEN)
    config = yaml.safe_load((EXAMPLES / "prometheus.yml").read_text())
    config["scrape_configs"][0]["static_configs"][0]["targets"] = [demo.url.split("//")[1]]
    with prometheus(config) as prom:
        wait_for_series(prom.url, 'up{job="demo"} == 1')
        outcome = run_example(
            "drill-promql.yaml",
            {
                "127.0.0.1:8080": demo.url.split("//")[1],
                "http://127.0.0.1:9090": prom.url,
                "warmup_seconds: 0.2, duration_seconds: 2}": "duration_seconds: 0.5}",
                "duration_seconds: 2\n      settle_seconds: 2": (
                    "duration_seconds: 1\n      settle_seconds: 1.5"
                ),
            },
        )
    (drill,) = outcome.evaluation.drills
    assert drill.passed, drill.failure_reason
    assert drill.observations["assertion_no_unaudited_allow"] == 0
    denials = drill.observations["assertion_denials_were_recorded"]
    assert isinstance(denials, float) and denials > 0
