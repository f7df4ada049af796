"""`cavra benchmark readiness` as a pipeline sees it: exit codes, one-line errors, v1 packets.

Exit 0: no blocker. 1: a blocker (a well-formed packet that fails). 2: not a packet at all,
with exactly one line on stderr and never a traceback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cavra_prom.packet.schemas import result_problems
from tests.conftest import CliRunner
from tests.test_packet_checker import live_packet, resealed, sample_packet, write_test_spec

R61 = Path(__file__).parent / "data" / "r61"
V1_SAMPLE = R61 / "benchmark-slo-readiness-packet.json"
V1_LIVE = R61 / "enterprise-benchmark-slo.live.sanitized.example.json"
V1_REPORT = R61 / "benchmark-slo-report.json"


def write(tmp_path: Path, packet: dict[str, Any], name: str = "packet.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(packet))
    return path


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    """The spec the test packets were rendered with."""
    return write_test_spec(tmp_path)


def spec_args(spec_file: Path) -> list[str]:
    return ["--spec", str(spec_file)]


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("empty", b"", "empty file"),
    ("whitespace", b"  \n\t ", "empty file"),
    (
        "truncated",
        b'{"schema_version": "cavra.benchmark-slo.readiness.v2", "product": ',
        "not valid JSON",
    ),
    ("not json", b"schema_version: v2\n", "not valid JSON"),
    ("binary", bytes(range(256)), "binary content"),
    ("latin-1", '{"a": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    (
        "bom",
        b'\xef\xbb\xbf{"schema_version": "cavra.benchmark-slo.readiness.v2"}',
        "byte-order mark",
    ),
    ("deep nesting", b"[" * 300_000 + b"]" * 300_000, "nested deeper than 64"),
    ("deep objects", b'{"a":' * 100 + b"1" + b"}" * 100, "nested deeper than 64"),
    ("NaN", b'{"schema_version": "cavra.benchmark-slo.readiness.v2", "x": NaN}', "NaN is not"),
    ("Infinity", b'{"x": -Infinity}', "-Infinity is not"),
    ("1e999", b'{"x": 1e999}', "overflows to infinity"),
    ("huge integer", b'{"x": ' + b"9" * 5000 + b"}", "not a usable JSON value"),
    ("duplicate keys", b'{"schema_version": 1, "schema_version": 2}', "duplicate key"),
    ("array", b"[1, 2, 3]", "expected a JSON object"),
    ("string", b'"cavra"', "expected a JSON object"),
    ("no schema_version", b'{"product": "CAVRA"}', "schema_version: missing"),
    ("other schema", b'{"schema_version": "cavra.benchmark-slo.readiness.v9"}', "is not cavra"),
    ("wrong-typed schema_version", b'{"schema_version": 2}', "schema_version: missing"),
]


@pytest.mark.parametrize(("data", "message"), [pytest.param(d, m, id=n) for n, d, m in BAD_INPUTS])
def test_a_file_that_is_not_a_packet_is_one_line_exit_2(
    cli: CliRunner, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(data)
    result = cli("benchmark", "readiness", str(path))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"cavra: error: {path}")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_and_a_directory_are_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    for target, message in ((tmp_path / "nope.json", "no such file"), (tmp_path, "directory")):
        result = cli("benchmark", "readiness", str(target))
        assert result.code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_a_wrong_typed_field_is_a_schema_blocker_exit_1(
    cli: CliRunner, tmp_path: Path, spec_file: Path
) -> None:
    packet = copy.deepcopy(sample_packet())
    packet["benchmark_report"]["benchmark_suites"][0]["sample_count"] = "many"
    packet = resealed(packet)  # only the shape is wrong
    result = cli("benchmark", "readiness", str(write(tmp_path, packet)), *spec_args(spec_file))
    assert result.code == 1
    out = json.loads(result.stdout)
    blockers = {c["name"]: c["message"] for c in out["checks"] if c["status"] == "blocker"}
    assert list(blockers) == ["packet_schema"]
    assert "benchmark_report.benchmark_suites[0].sample_count" in blockers["packet_schema"]
    assert result_problems(out) == []


def test_sample_packet_exit_0_and_1_under_require_live(
    cli: CliRunner, tmp_path: Path, spec_file: Path
) -> None:
    path = write(tmp_path, sample_packet())
    ok = cli("benchmark", "readiness", str(path), *spec_args(spec_file))
    assert ok.code == 0 and json.loads(ok.stdout)["status"] == "ready_with_warnings"
    live = cli("benchmark", "readiness", str(path), "--require-live", *spec_args(spec_file))
    out = json.loads(live.stdout)
    assert live.code == 1 and out["status"] == "blocked"
    assert out["ready_for_live_benchmark_slo_gate"] is False


def test_live_packet_exit_0_under_require_live_and_result_written(
    cli: CliRunner, tmp_path: Path, spec_file: Path
) -> None:
    path = write(tmp_path, live_packet())
    output = tmp_path / "out" / "result.json"
    result = cli(
        "benchmark", "readiness", str(path), "--require-live", "--max-age", "1h",
        "--output", str(output), *spec_args(spec_file),
    )  # fmt: skip
    assert result.code == 0, result.stdout
    out = json.loads(result.stdout)
    assert out["ready_for_live_benchmark_slo_gate"] is True and out["status"] == "ready"
    assert json.loads(output.read_text()) == out


def test_stale_live_packet_exit_1_and_max_age_is_validated(
    cli: CliRunner, tmp_path: Path, spec_file: Path
) -> None:
    packet = copy.deepcopy(live_packet())
    packet["provenance"]["evaluated_at"] = "2020-01-01T00:00:00.000+00:00"
    path = write(tmp_path, resealed(packet))
    stale = cli("benchmark", "readiness", str(path), "--require-live", *spec_args(spec_file))
    assert stale.code == 1
    assert (
        "stale"
        in {c["name"]: c["message"] for c in json.loads(stale.stdout)["checks"]}["freshness"]
    )
    bad = cli("benchmark", "readiness", str(path), "--max-age", "soon")
    assert bad.code == 2 and "--max-age: 'soon' is not a duration" in bad.stderr


def test_v1_sample_packet_is_ready_with_warnings_by_the_v1_rules(cli: CliRunner) -> None:
    result = cli("benchmark", "readiness", str(V1_SAMPLE))
    out = json.loads(result.stdout)
    assert result.code == 0
    assert out["packet_schema_version"] == "cavra.benchmark-slo.readiness.v1"
    assert out["ready_for_benchmark_slo_contract"] is True
    assert out["ready_for_live_benchmark_slo_gate"] is False
    names = [c["name"] for c in out["checks"]]
    for r61_name in (
        "schema_version",
        "evidence_mode",
        "operating_evidence",
        "benchmark_suites",
        "runtime_decision_latency_slo",
        "failure_mode_drills",
        "ha_slo_targets",
    ):
        assert r61_name in names
    assert result_problems(out) == []


def test_v1_live_packet_can_never_satisfy_require_live(cli: CliRunner) -> None:
    plain = cli("benchmark", "readiness", str(V1_LIVE))
    assert (
        plain.code == 0 and json.loads(plain.stdout)["ready_for_live_benchmark_slo_gate"] is False
    )
    result = cli("benchmark", "readiness", str(V1_LIVE), "--require-live")
    out = json.loads(result.stdout)
    assert result.code == 1
    messages = {c["name"]: c["message"] for c in out["checks"] if c["status"] == "blocker"}
    assert "can never satisfy --require-live" in messages["live_provenance"]
    assert "no provable evidence" in messages["live_provenance"]


@pytest.mark.parametrize(
    ("path", "value", "check"),
    [
        (("benchmark_suites", 0, "p95_latency_ms"), 5000, "runtime_decision_latency_slo"),
        (("benchmark_suites", 1, "throughput_per_second"), 0, "continuous_monitoring_replay_slo"),
        (("benchmark_suites", 0, "slo", "p95_latency_ms_max"), 9000, "spec_thresholds"),
        (("failure_mode_drills", 2, "passed"), False, "failure_mode_drills"),
        (("ha_slo_targets", "min_api_replicas"), 1, "ha_slo_targets"),
        (("benchmark_suites", 2, "sample_count"), 3, "policy_lifecycle_dry_run_slo"),
    ],
)
def test_v1_packets_are_rederived_with_the_spec_thresholds(
    cli: CliRunner, tmp_path: Path, path: tuple[Any, ...], value: Any, check: str
) -> None:
    """R6.1 read thresholds from the report and trusted the embedded gate; v1 rules here do not.

    The embedded gate still says passed: that claim is now named as wrong, too.
    """
    packet = json.loads(V1_SAMPLE.read_text())
    target = packet["benchmark_report"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    result = cli("benchmark", "readiness", str(write(tmp_path, packet)))
    blockers = {c["name"] for c in json.loads(result.stdout)["checks"] if c["status"] == "blocker"}
    assert result.code == 1 and check in blockers


def test_v1_report_gate_is_rederived(cli: CliRunner, tmp_path: Path) -> None:
    ok = cli("benchmark", "readiness", str(V1_REPORT), "--report")
    assert ok.code == 0 and json.loads(ok.stdout)["passed"] is True
    report = json.loads(V1_REPORT.read_text())
    report["benchmark_suites"][0]["p95_latency_ms"] = 51  # the embedded gate still says passed
    blocked = cli("benchmark", "readiness", str(write(tmp_path, report)), "--report")
    assert blocked.code == 1
    assert "runtime_decision_latency_slo" in {
        c["name"] for c in json.loads(blocked.stdout)["checks"] if c["status"] == "blocker"
    }
    wrong_kind = cli("benchmark", "readiness", str(V1_SAMPLE), "--report")
    assert wrong_kind.code == 2 and "is not cavra.benchmark-slo.report" in wrong_kind.stderr


def test_v2_report_from_a_real_run_is_rederived(
    cli: CliRunner, tmp_path: Path, spec_file: Path
) -> None:
    report = sample_packet()["benchmark_report"]
    path = write(tmp_path, report, "report.json")
    result = cli("benchmark", "readiness", str(path), "--report", *spec_args(spec_file))
    assert result.code == 0, result.stdout
    edited = copy.deepcopy(report)
    edited["benchmark_suites"][0]["p95_latency_ms"] = 0.0001
    path = write(tmp_path, edited, "edited.json")
    blocked = cli("benchmark", "readiness", str(path), "--report", *spec_args(spec_file))
    assert blocked.code == 1 and "suite_evidence" in blocked.stdout
