"""The spec loader: golden good/bad folders, the built-in R6.1 spec, file-level problems.

Golden files carry their expectations in comment headers, sloth-style: ``# expect: PATH:
MESSAGE`` lines in a bad spec list its full error list in order; ``# expect-warning:`` lines
in a good spec list its full warning list (none when there are none).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
import yaml

import cavra_prom.spec
from cavra_prom import conventions
from cavra_prom.errors import Problem, SpecError
from cavra_prom.spec import validate
from cavra_prom.spec._fields import Section
from cavra_prom.spec.loader import (
    MAX_SPEC_BYTES,
    SpecValidation,
    default_spec,
    default_spec_text,
    load_spec,
    load_spec_text,
    validate_spec_bytes,
    validate_spec_file,
    validate_spec_text,
)
from cavra_prom.spec.model import (
    EventBusRequirements,
    GatePolicy,
    HaDrSpec,
    Spec,
    TargetSpec,
    WorkloadSpec,
)

SPECS = Path(__file__).parent / "specs"
GOOD = sorted((SPECS / "good").glob("*.yaml"))
BAD = sorted((SPECS / "bad").glob("*.yaml"))


def _expected(path: Path, marker: str) -> list[str]:
    prefix = f"# {marker}: "
    lines = path.read_text("utf-8-sig").splitlines()
    return [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]


def _line(problem: Problem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


def _messages(result: SpecValidation) -> list[str]:
    return [_line(problem) for problem in result.errors]


# --- golden folders ----------------------------------------------------------------------


def test_golden_folders_are_populated() -> None:
    assert len(GOOD) >= 5
    assert len(BAD) >= 20


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_spec_reports_exactly_its_expected_errors(path: Path) -> None:
    expected = _expected(path, "expect")
    assert expected, f"{path.name} has no '# expect:' header"
    result = validate_spec_file(path)
    assert _messages(result) == expected
    assert result.spec is None
    assert not result.ok
    assert all(problem.source == str(path) for problem in result.errors)
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert raised.value.problems == result.errors


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_spec_loads_with_exactly_its_expected_warnings(path: Path) -> None:
    result = validate_spec_file(path)
    assert _messages(result) == []
    assert result.ok
    assert [_line(problem) for problem in result.warnings] == _expected(path, "expect-warning")
    assert load_spec(path) == result.spec


# --- the built-in spec is the R6.1 contract ----------------------------------------------


def test_default_spec_loads_without_errors_or_warnings() -> None:
    result = validate_spec_text(default_spec_text(), "default.yaml")
    assert result.errors == []
    assert result.warnings == []
    assert result.spec == default_spec()


def test_default_spec_text_is_the_packaged_file() -> None:
    packaged = Path(cavra_prom.spec.__file__).parent / "default.yaml"
    assert default_spec_text() == packaged.read_text("utf-8")


def test_default_spec_matches_the_r61_table_in_design_md() -> None:
    spec = default_spec()
    table = {
        "runtime_decision_latency": (50.0, 100.0),
        "continuous_monitoring_replay": (100.0, 50.0),
        "policy_lifecycle_dry_run": (250.0, 10.0),
    }
    assert [suite.id for suite in spec.suites] == list(table)
    assert tuple(table) == conventions.R61_SUITES
    for suite in spec.suites:
        assert (suite.slo.p95_latency_ms_max, suite.slo.throughput_per_second_min) == table[
            suite.id
        ]
        assert suite.target.kind == "reference"
    assert spec.version == conventions.SPEC_VERSION
    assert [drill.id for drill in spec.drills] == list(conventions.R61_DRILLS)
    assert [drill.fault for drill in spec.drills] == list(conventions.R61_DRILLS)
    assert spec.ha_dr.rto_minutes == 60
    assert spec.ha_dr.rpo_minutes == 15
    assert (spec.ha_dr.min_api_replicas, spec.ha_dr.min_worker_replicas) == (2, 2)
    assert spec.ha_dr.event_bus == EventBusRequirements(True, True, True, True)
    assert spec.gate.required_suites == conventions.R61_SUITES
    assert spec.gate.required_drills == conventions.R61_DRILLS


def test_default_spec_is_valid_after_a_yaml_round_trip() -> None:
    data = yaml.safe_load(default_spec_text())
    assert load_spec_text(yaml.safe_dump(data), "copy.yaml") == default_spec()


# --- what a valid spec becomes -----------------------------------------------------------

MINIMAL = """\
version: cavra/v1
suites:
  - id: a
    target: {kind: reference, operation: runtime_decision}
    slo: {p95_latency_ms_max: 20, throughput_per_second_min: 5}
"""


def test_model_defaults_fill_every_omitted_key() -> None:
    spec = load_spec_text(MINIMAL, "min.yaml")
    suite = spec.suite("a")
    assert suite.workload == WorkloadSpec()
    assert suite.workload.duration_seconds == 3.0
    assert suite.description == ""
    assert suite.slo.p99_latency_ms_max is None
    assert suite.slo.error_ratio_max is None
    assert spec.drills == ()
    assert spec.ha_dr == HaDrSpec()
    assert spec.gate == GatePolicy(required_suites=("a",), required_drills=())


def test_numbers_are_normalised_to_float_where_the_model_says_float() -> None:
    spec = load_spec_text(MINIMAL, "min.yaml")
    assert type(spec.suites[0].slo.p95_latency_ms_max) is float
    assert spec.suites[0].slo.p95_latency_seconds_max == pytest.approx(0.020)


def test_full_spec_keeps_every_value(tmp_path: Path) -> None:
    spec = load_spec(SPECS / "good" / "full.yaml")
    decisions, replay = spec.suites
    assert decisions.workload.iterations == 2000
    assert decisions.workload.duration_seconds is None
    assert decisions.workload.warmup_iterations == 50
    assert decisions.workload.warmup_seconds == 0.0
    assert decisions.target == TargetSpec("reference", "runtime_decision", {"payload_size": 3})
    assert decisions.slo.p99_latency_ms_max == 30
    assert decisions.slo.error_ratio_max == 0.01
    assert replay.workload.mode == "open"
    assert replay.workload.arrival_rate_per_second == 150.5
    assert replay.workload.seed == -7
    assert spec.drills[0].recovery_timeout_seconds == 2.5
    assert spec.ha_dr.event_bus == EventBusRequirements(True, False, True, False)
    assert spec.ha_dr.health_endpoints == ("/healthz",)
    assert spec.gate == GatePolicy(250, ("replay",), (), False)


def test_gate_defaults_to_every_suite_and_drill_of_the_spec() -> None:
    spec = load_spec(SPECS / "good" / "drill_names.yaml")
    assert spec.gate.required_suites == ("api",)
    assert spec.gate.required_drills == ("kafka_outage", "s3_write_denied")
    text = (SPECS / "good" / "drill_names.yaml").read_text().split("gate:")[0]
    assert load_spec_text(text, "x").gate.required_drills == (
        "kafka_outage",
        "kafka_outage_long",
        "s3_write_denied",
    )


def test_anchors_and_merge_keys_are_resolved() -> None:
    spec = load_spec(SPECS / "good" / "anchors_and_merge.yaml")
    one, two = spec.suites
    assert (one.workload.seed, two.workload.seed) == (1, 2)
    assert two.workload.duration_seconds == 1.0
    assert one.slo == two.slo


def test_target_kinds_are_table_driven(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new kind plugs in by adding one reader; the rest of the loader is unchanged."""

    def grpc_target(target: Section) -> TargetSpec | None:
        url = target.string("url", required=True)
        return None if url is None else TargetSpec("grpc", None, {"url": url})

    text = MINIMAL.replace("{kind: reference, operation: runtime_decision}", "{kind: grpc}")
    assert _messages(validate_spec_text(text, "x")) == [
        "suites[0].target.kind: must be one of reference, python, http, command; got 'grpc'"
    ]
    monkeypatch.setitem(validate.TARGET_KINDS, "grpc", grpc_target)
    assert _messages(validate_spec_text(text, "x")) == ["suites[0].target.url: is required"]
    text = text.replace("{kind: grpc}", "{kind: grpc, url: 'grpc://127.0.0.1:1/'}")
    assert load_spec_text(text, "x").suites[0].target == TargetSpec(
        "grpc", None, {"url": "grpc://127.0.0.1:1/"}
    )


# --- errors: all at once, located, printable ---------------------------------------------


def test_problem_str_is_file_path_message(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(MINIMAL.replace("p95_latency_ms_max: 20", "p95_latency_ms_max: 0"))
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert [str(p) for p in raised.value.problems] == [
        f"{path}: suites[0].slo.p95_latency_ms_max: must be > 0"
    ]
    assert str(raised.value) == f"{path}: suites[0].slo.p95_latency_ms_max: must be > 0"


def test_several_problems_in_one_suite_are_reported_together() -> None:
    text = MINIMAL.replace("id: a", "id: a\n    worklaod: {}").replace(": 20", ": -1")
    text = text.replace("throughput_per_second_min: 5", "throughput_per_second_min: true")
    with pytest.raises(SpecError) as raised:
        load_spec_text(text, "s.yaml")
    assert [str(p) for p in raised.value.problems] == [
        "s.yaml: suites[0]: unknown key 'worklaod', did you mean 'workload'?",
        "s.yaml: suites[0].slo.p95_latency_ms_max: must be > 0",
        "s.yaml: suites[0].slo.throughput_per_second_min: must be a number, got a boolean (true)",
    ]


def test_did_you_mean_prefers_the_key_with_its_unit() -> None:
    text = MINIMAL + "ha_dr: {rto: 60, rpo_minute: 15, backups: 2}\n"
    assert _messages(validate_spec_text(text, "x")) == [
        "ha_dr: unknown key 'rto', did you mean 'rto_minutes'?",
        "ha_dr: unknown key 'rpo_minute', did you mean 'rpo_minutes'?",
        "ha_dr: unknown key 'backups' (allowed: rto_minutes, rpo_minutes, min_api_replicas, "
        "min_worker_replicas, event_bus, health_endpoints, availability, queries)",
    ]


def test_duplicate_keys_are_reported_and_the_rest_still_checked() -> None:
    text = MINIMAL + "gate: {min_samples_per_suite: 5, min_samples_per_suite: 0}\n"
    assert _messages(validate_spec_text(text, "x")) == [
        "gate: duplicate key 'min_samples_per_suite' at line 6 (first at line 6)",
        "gate.min_samples_per_suite: must be >= 1",
    ]


def test_warnings_are_only_given_for_a_valid_spec() -> None:
    valid = validate_spec_text(MINIMAL, "x")
    assert [_line(p) for p in valid.warnings] == [
        "drills: the spec has no drills: failure handling is not checked at all"
    ]
    invalid = validate_spec_text(MINIMAL.replace(": 20", ": 0"), "x")
    assert invalid.warnings == []
    assert invalid.spec is None


# --- file-level problems: one clear line each, never a traceback -------------------------


def _file_problems(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    result = validate_spec_file(path)
    assert result.spec is None
    assert all(problem.source == str(path) for problem in result.errors)
    return _messages(result)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}: no such file"]


def test_directory(tmp_path: Path) -> None:
    assert _messages(validate_spec_file(tmp_path)) == ["is a directory, not a spec file"]


def test_undecodable_bytes(tmp_path: Path) -> None:
    content = MINIMAL.encode().replace(b"id: a", b"id: \xe9")
    offset = content.index(b"\xe9")
    assert _file_problems(tmp_path, content) == [
        f"is not valid UTF-8 (byte 0xe9 at offset {offset})"
    ]


def test_utf16_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    content = codecs.BOM_UTF16_LE + MINIMAL.encode("utf-16-le")
    assert _file_problems(tmp_path, content) == ["is encoded as UTF-16; save it as UTF-8"]


def test_utf8_bom_is_accepted_in_bytes_and_text() -> None:
    expected = load_spec_text(MINIMAL, "x")
    assert validate_spec_bytes(codecs.BOM_UTF8 + MINIMAL.encode(), "x").spec == expected
    assert load_spec_text("\ufeff" + MINIMAL, "x") == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the spec is empty"),
        (b"  \n\t\n", "the spec is empty"),
        (b"# nothing\n", "the spec is empty (no YAML document, only comments?)"),
        (b"~\n", "the spec is empty (no YAML document, only comments?)"),
        (b"42\n", "the spec must be a mapping (version: ..., suites: ...), got a single int"),
        (b"[]\n", "the spec must be a mapping (version: ..., suites: ...), got a list"),
    ],
)
def test_documents_that_are_not_a_spec(tmp_path: Path, content: bytes, message: str) -> None:
    assert _file_problems(tmp_path, content) == [message]


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    content = MINIMAL.encode() + b"#" * MAX_SPEC_BYTES
    assert _file_problems(tmp_path, content) == [
        f"is too large for a spec (over {MAX_SPEC_BYTES} bytes)"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000,
        "{a: " * 20_000,
        "".join(" " * depth + "a:\n" for depth in range(1500)),
        "- " * 20_000 + "x",
    ],
    ids=["flow-lists", "flow-maps", "block-maps", "block-lists"],
)
def test_deep_nesting_is_one_problem_not_a_recursion_error(text: str) -> None:
    result = validate_spec_text(text, "deep.yaml")
    assert len(result.errors) == 1
    assert result.errors[0].path == ""
    assert result.errors[0].message in {
        "the YAML is nested too deeply to be a spec",
        f"is too large for a spec (over {MAX_SPEC_BYTES} bytes)",
    }


def test_shared_anchors_are_not_expanded() -> None:
    """A 'billion laughs' document: aliases share one object, nothing is copied or walked twice."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 12)]
    text = MINIMAL + "\n".join(lines) + "\ngate: {required_drills: *l11}\n"
    messages = _messages(validate_spec_text(text, "lol.yaml"))
    assert messages[0] == "unknown key 'l0' (allowed: version, suites, drills, ha_dr, gate)"
    assert len(messages) == 12 + 9
    assert messages[-1] == "gate.required_drills[8]: must be a string, got a list"


def test_integer_with_too_many_digits_is_a_problem_not_a_crash() -> None:
    result = validate_spec_text(MINIMAL.replace(": 20", ": " + "9" * 5000), "x")
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("a value in the YAML cannot be read")


def test_spec_is_frozen() -> None:
    spec = default_spec()
    assert isinstance(spec, Spec)
    with pytest.raises(AttributeError):
        spec.version = "x"  # type: ignore[misc]
