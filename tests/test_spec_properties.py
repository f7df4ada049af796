"""Property tests of the spec loader.

Two promises are checked over generated input: whatever a user feeds it (any YAML structure,
any text, any bytes), the loader answers with a spec or a :class:`SpecError`, never another
exception; and a single bad value in an otherwise valid spec is reported exactly once, at
exactly its path. Expected paths and invalid values are written out here independently of
the loader's own tables, so the tests can catch a rule that was dropped or misplaced.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cavra_prom.errors import Problem, SpecError
from cavra_prom.spec.loader import (
    SpecValidation,
    default_spec_text,
    load_spec_text,
    validate_spec_bytes,
    validate_spec_text,
)
from cavra_prom.spec.model import Spec

DEFAULT: dict[str, Any] = yaml.safe_load(default_spec_text())
DEFAULT_BYTES = default_spec_text().encode()

Path = tuple[str | int, ...]


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _dump(value: Any) -> str:
    """YAML text for a generated value (libyaml's emitter when present: it is only the input)."""
    return yaml.dump(value, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def _dotted(path: Path) -> str:
    """('suites', 0, 'slo', 'x') -> 'suites[0].slo.x', written independently of the loader."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _with(value: Any, path: Path, new: Any) -> Any:
    """A deep copy of ``value`` with the element at ``path`` set to ``new``."""
    result = copy.deepcopy(value)
    target = result
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return result


def _outcome(text: str) -> Spec | list[Problem]:
    """The loader's answer: a spec, or the problems of the SpecError it raised (nothing else)."""
    try:
        return load_spec_text(text, "fuzz.yaml")
    except SpecError as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) and p.source == "fuzz.yaml" for p in exc.problems)
        return exc.problems


def _consistent(result: SpecValidation) -> None:
    assert (result.spec is None) == bool(result.errors)
    assert all(str(problem).startswith(result.source + ":") for problem in result.errors)


# --- strategies --------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["cavra/v1", "reference", "open", "closed", "runtime_decision", "/x"])
)
yaml_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def _all_paths(value: Any, path: Path = ()) -> Iterator[Path]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _all_paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _all_paths(inner, (*path, index))


DEFAULT_PATHS = list(_all_paths(DEFAULT))


# --- nothing but SpecError ---------------------------------------------------------------


@_settings(400)
@given(yaml_values)
def test_any_yaml_document_gives_a_spec_or_a_spec_error(value: Any) -> None:
    text = _dump(value)
    _outcome(text)
    _consistent(validate_spec_text(text, "fuzz.yaml"))


@_settings(300)
@given(st.sampled_from(DEFAULT_PATHS), yaml_values)
def test_any_value_anywhere_in_the_default_spec_gives_a_spec_or_a_spec_error(
    path: Path, value: Any
) -> None:
    _outcome(_dump(_with(DEFAULT, path, value)))


@_settings(400)
@given(st.text(max_size=300))
def test_any_text_gives_a_spec_or_a_spec_error(text: str) -> None:
    _outcome(text)


@_settings(400)
@given(st.text(alphabet="ab:-[]{}?,&*!|>'\"#%@`\n \t.0123456789~<=", max_size=120))
def test_yaml_punctuation_soup_gives_a_spec_or_a_spec_error(text: str) -> None:
    _outcome(text)


@_settings(300)
@given(
    st.lists(
        st.tuples(st.integers(0, len(DEFAULT_BYTES) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    )
)
def test_corrupted_bytes_of_the_default_spec_give_problems_not_exceptions(
    edits: list[tuple[int, int]],
) -> None:
    data = bytearray(DEFAULT_BYTES)
    for offset, byte in edits:
        data[offset] = byte
    _consistent(validate_spec_bytes(bytes(data), "fuzz.yaml"))


@_settings(200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_problems_not_exceptions(data: bytes) -> None:
    _consistent(validate_spec_bytes(data, "fuzz.yaml"))


# --- one bad number, one problem, at exactly its path ------------------------------------

_NOT_NUMBERS = st.booleans() | st.none() | st.text(max_size=8) | st.lists(st.integers(), max_size=2)
_NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
_NOT_POSITIVE = st.floats(max_value=0) | st.integers(max_value=0)
_NEGATIVE = st.floats(max_value=0, exclude_max=True) | st.integers(max_value=-1)
_NOT_RATIO = st.floats(max_value=0, exclude_max=True) | st.floats(min_value=1, exclude_min=True)
_NOT_INTEGERS = _NOT_NUMBERS | st.floats()

POSITIVE_NUMBER = _NOT_POSITIVE | _NON_FINITE | _NOT_NUMBERS
NON_NEGATIVE_NUMBER = _NEGATIVE | _NON_FINITE | _NOT_NUMBERS
RATIO = _NOT_RATIO | st.integers(min_value=2) | st.integers(max_value=-1) | _NOT_NUMBERS
INTEGER_AT_LEAST_1 = st.integers(max_value=0) | _NOT_INTEGERS
INTEGER_AT_LEAST_0 = st.integers(max_value=-1) | _NOT_INTEGERS
ANY_INTEGER = _NOT_INTEGERS

INVALID: list[tuple[Path, st.SearchStrategy[Any]]] = [
    (("ha_dr", "rto_minutes"), POSITIVE_NUMBER),
    (("ha_dr", "rpo_minutes"), POSITIVE_NUMBER),
    (("ha_dr", "min_api_replicas"), INTEGER_AT_LEAST_0),
    (("ha_dr", "min_worker_replicas"), INTEGER_AT_LEAST_0),
    (("gate", "min_samples_per_suite"), INTEGER_AT_LEAST_1),
    (("suites", 1, "workload", "arrival_rate_per_second"), POSITIVE_NUMBER),
]
for _suite in range(3):
    INVALID += [
        (("suites", _suite, "workload", "concurrency"), INTEGER_AT_LEAST_1),
        (("suites", _suite, "workload", "warmup_seconds"), NON_NEGATIVE_NUMBER),
        (("suites", _suite, "workload", "duration_seconds"), POSITIVE_NUMBER),
        (("suites", _suite, "workload", "seed"), ANY_INTEGER),
        (("suites", _suite, "slo", "p95_latency_ms_max"), POSITIVE_NUMBER),
        (("suites", _suite, "slo", "throughput_per_second_min"), POSITIVE_NUMBER),
        (("suites", _suite, "slo", "error_ratio_max"), RATIO),
    ]
for _drill in range(4):
    INVALID += [
        (("drills", _drill, "operations"), INTEGER_AT_LEAST_1),
        (("drills", _drill, "recovery_timeout_seconds"), POSITIVE_NUMBER),
        (("drills", _drill, "seed"), ANY_INTEGER),
    ]
# p99 is valid only when positive and not under the suite's p95 (50 ms for suite 0).
INVALID.append((("suites", 0, "slo", "p99_latency_ms_max"), POSITIVE_NUMBER | st.floats(0, 49.99)))


@st.composite
def _invalid_field(draw: st.DrawFn) -> tuple[Path, Any]:
    path, values = draw(st.sampled_from(INVALID))
    return path, draw(values)


@_settings(600)
@given(_invalid_field())
def test_one_out_of_range_value_is_reported_once_at_its_path(case: tuple[Path, Any]) -> None:
    path, value = case
    result = validate_spec_text(_dump(_with(DEFAULT, path, value)), "mut.yaml")
    assert [problem.path for problem in result.errors] == [_dotted(path)]
    assert result.spec is None


VALID: list[tuple[Path, st.SearchStrategy[Any], type]] = [
    (("ha_dr", "rto_minutes"), st.floats(min_value=1e-9, max_value=1e12), float),
    (("ha_dr", "min_api_replicas"), st.integers(0, 10**6), int),
    (("gate", "min_samples_per_suite"), st.integers(1, 10**6), int),
    (("suites", 0, "slo", "p95_latency_ms_max"), st.integers(1, 10**9), float),
    (("suites", 2, "slo", "error_ratio_max"), st.floats(0, 1), float),
    (("suites", 1, "workload", "arrival_rate_per_second"), st.floats(1e-3, 1e9), float),
    (("suites", 0, "workload", "warmup_seconds"), st.just(0) | st.floats(0, 1e6), float),
    (("suites", 2, "workload", "seed"), st.integers(), int),
    (("drills", 3, "operations"), st.integers(1, 10**6), int),
]


@st.composite
def _valid_field(draw: st.DrawFn) -> tuple[Path, Any, type]:
    path, values, kind = draw(st.sampled_from(VALID))
    return path, draw(values), kind


@_settings(300)
@given(_valid_field())
def test_an_in_range_value_is_accepted_and_carried_into_the_model(
    case: tuple[Path, Any, type],
) -> None:
    path, value, kind = case
    spec = load_spec_text(_dump(_with(DEFAULT, path, value)), "ok.yaml")
    node: Any = spec
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    assert node == value
    assert type(node) is kind


# --- unknown keys are named where they are -----------------------------------------------

# Every key of cavra/v1, written out here: a generated key must be none of them.
KNOWN_KEYS = {
    "version", "suites", "drills", "ha_dr", "gate", "id", "description", "target", "workload",
    "slo", "kind", "operation", "mode", "concurrency", "arrival_rate_per_second",
    "duration_seconds", "iterations", "warmup_seconds", "warmup_iterations", "seed",
    "p95_latency_ms_max", "p99_latency_ms_max", "throughput_per_second_min", "error_ratio_max",
    "fault", "injected_fault", "expected_behavior", "operations", "recovery_timeout_seconds",
    "rto_minutes", "rpo_minutes", "min_api_replicas", "min_worker_replicas", "event_bus",
    "health_endpoints", "durable_delivery", "dead_letter_queue", "replay",
    "consumer_lag_metrics", "min_samples_per_suite", "required_suites", "required_drills",
    "allow_sample_evidence", "serve", "every_seconds", "burst_seconds", "regression",
    "baseline", "p95_increase_max", "throughput_decrease_max", "offset_seconds", "rolling_count",
    "pinned_packet", "min_throughput_per_second", "schedule_seconds", "availability", "queries",
    "objective", "period_days", "good_query", "total_query", "api_replicas", "worker_replicas",
    "event_bus_capability",
}  # fmt: skip


def _get(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


# Every mapping of the default spec except targets, whose extra keys are target options.
MAPPINGS: list[Path] = [()] + [
    path for path in DEFAULT_PATHS if isinstance(_get(DEFAULT, path), dict) and path[-1] != "target"
]


@_settings(300)
@given(
    st.sampled_from(MAPPINGS),
    st.text(min_size=1, max_size=30).filter(lambda k: k not in KNOWN_KEYS),
)
def test_an_unknown_key_is_reported_once_at_its_mapping(path: Path, key: str) -> None:
    document = copy.deepcopy(DEFAULT)
    _get(document, path)[key] = 1
    result = validate_spec_text(_dump(document), "key.yaml")
    assert [problem.path for problem in result.errors] == [_dotted(path)]
    assert result.errors[0].message.startswith("unknown key ")
