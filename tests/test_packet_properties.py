"""Property tests of the packet reader and the readiness checker (hypothesis).

Promises checked over generated input:

* any bytes are either a JSON value or one :class:`PacketError` line, never another exception;
* any JSON object claiming a packet schema is checked without raising, and the result always
  matches the result schema with status, counts and flags consistent;
* any edit to a real packet that is not re-sealed is blocked; re-sealed or not, checking never
  raises;
* genuine evidence never raises a false alarm: for generated histograms with whole counts (a
  run) or fractional ones (``increase()`` over a window), a packet rendered from them passes
  every evidence check, and the suite verdict is exactly Prometheus's
  ``count(le=T) >= 0.95 * count(+Inf)``.

The mutation tests use a compact packet (a real run's durations re-bucketed into a few
buckets per suite) so each check stays around a few milliseconds.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cavra_prom.evaluation.embedded import evaluate_suite_run
from cavra_prom.evaluation.model import Evaluation, HistogramSnapshot, SuiteEvaluation
from cavra_prom.histogram import histogram_quantile, quantile_bucket
from cavra_prom.packet.canonical import canonical_bytes
from cavra_prom.packet.checker import CheckOptions, check_packet
from cavra_prom.packet.reader import (
    PACKET_SCHEMAS,
    PacketError,
    parse_json_bytes,
    schema_version_of,
)
from cavra_prom.packet.schemas import result_problems
from tests.test_packet_checker import (
    FAST_SPEC,
    PROMETHEUS_URL,
    check,
    embedded_outcome,
    evaluated_at,
    live_evaluation,
    render,
    resealed,
)

NOW = 1_800_000_000.0


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@functools.cache
def compact_live_evaluation() -> Evaluation:
    """A real run's durations in four finite buckets per suite around each threshold."""
    suites = []
    for run in embedded_outcome().runs:
        slo = FAST_SPEC.suite(run.suite_id).slo
        t = slo.p95_latency_seconds_max
        suites.append(evaluate_suite_run(run, (t / 4, t / 2, t, 2 * t), slo))
    return dataclasses.replace(live_evaluation(), suites=tuple(suites))


@functools.cache
def compact_live_packet() -> dict[str, Any]:
    return render(compact_live_evaluation(), PROMETHEUS_URL, 300.0)


def assert_consistent(result: Any) -> None:
    out = result.as_dict()
    assert result_problems(out) == [], result_problems(out)
    assert out["blocker_count"] == sum(c["status"] == "blocker" for c in out["checks"])
    assert out["warning_count"] == sum(c["status"] == "warn" for c in out["checks"])
    assert out["ready_for_benchmark_slo_contract"] == (out["blocker_count"] == 0)
    if out["require_live"]:
        assert out["ready_for_live_benchmark_slo_gate"] == (out["blocker_count"] == 0)
    json.dumps(out, allow_nan=False)


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="ab+:/_1", max_size=8),
    st.sampled_from(["+Inf", "sample://x", "live", "sample", "pass", "blocker", "2026-01-01"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@_settings(1000)
@given(
    st.one_of(
        st.binary(max_size=300),
        json_value.map(lambda v: json.dumps(v).encode()),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_any_bytes_are_json_or_one_packet_error(data: bytes) -> None:
    try:
        parse_json_bytes(data, "input.json")
    except PacketError as error:
        assert len(error.problems) == 1
        assert "\n" not in str(error)


packet_keys = st.sampled_from(
    [
        "product", "evidence_mode", "benchmark_report", "slo_regression_gate", "provenance",
        "operating_evidence", "status", "blocker_count", "warning_count", "integrity",
        "ready_for_benchmark_slo_contract", "ready_for_live_benchmark_slo_gate",
    ]
)  # fmt: skip


@_settings(500)
@given(
    st.sampled_from(sorted(PACKET_SCHEMAS)),
    st.dictionaries(packet_keys, json_value, max_size=8),
    st.booleans(),
)
def test_any_object_claiming_a_packet_schema_is_checked_without_raising(
    schema: str, body: dict[str, Any], require_live: bool
) -> None:
    packet = {**body, "schema_version": schema}
    options = CheckOptions(spec=FAST_SPEC, require_live=require_live, now=NOW)
    result = check_packet(packet, PACKET_SCHEMAS[schema], options)
    assert_consistent(result)
    assert result.status == "blocked" or schema.endswith("v1")


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += paths(value, (*prefix, index))
    return found


PATHS = [p for p in paths(compact_live_packet()) if p]


def apply(packet: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> None:
    parent: Any = packet
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


@_settings(400)
@given(
    st.sampled_from(PATHS),
    json_value,
    st.booleans(),
    st.booleans(),
)
def test_edits_to_a_real_packet_are_blocked_unless_resealed_and_never_raise(
    path: tuple[Any, ...], value: Any, delete: bool, reseal: bool
) -> None:
    original = compact_live_packet()
    packet = copy.deepcopy(original)
    apply(packet, path, value, delete)
    if reseal and "integrity" in packet:
        packet = resealed(packet)
    try:
        version = schema_version_of(packet, "packet.json", PACKET_SCHEMAS, "readiness packet")
    except PacketError:  # the CLI's exit 2: no longer a packet at all
        assert path == ("schema_version",)
        return
    options = CheckOptions(spec=FAST_SPEC, require_live=True, now=evaluated_at(original) + 60)
    result = check_packet(packet, version, options)
    assert_consistent(result)
    if not reseal and canonical_bytes(packet) != canonical_bytes(original):
        assert result.status == "blocked"


def suite_from_counts(suite_id: str, bounds: list[float], counts: list[float]) -> SuiteEvaluation:
    """What an evaluator reports for these cumulative counts, as Prometheus computes it."""
    buckets = list(zip([*bounds, math.inf], counts, strict=True))
    total = counts[-1]
    threshold = FAST_SPEC.suite(suite_id).slo.p95_latency_seconds_max
    at = counts[bounds.index(threshold)]
    lo, hi = quantile_bucket(0.95, buckets) or (math.nan, math.nan)
    return SuiteEvaluation(
        suite_id=suite_id,
        window_seconds=300.0,
        sample_count=round(total),
        error_count=0,
        p50_latency_ms=histogram_quantile(0.5, buckets) * 1000,
        p95_latency_ms=histogram_quantile(0.95, buckets) * 1000,
        p99_latency_ms=histogram_quantile(0.99, buckets) * 1000,
        p95_bucket_ms=(lo * 1000, hi * 1000),
        throughput_per_second=1e6,
        error_ratio=0.0,
        within_slo_ratio=at / total,
        histogram=HistogramSnapshot((*bounds, math.inf), tuple(counts)),
        methods={},
    )


@_settings(250)
@given(
    st.lists(
        st.floats(min_value=0.0, max_value=500.0, allow_nan=False), min_size=6, max_size=6
    ).filter(lambda xs: sum(xs) >= 25),
    st.booleans(),
)
def test_genuine_histograms_raise_no_false_alarm(per_bucket: list[float], whole: bool) -> None:
    suite_id = "runtime_decision_latency"
    t = FAST_SPEC.suite(suite_id).slo.p95_latency_seconds_max
    bounds = [t / 8, t / 4, t / 2, t, 2 * t]
    increments = [float(round(x)) for x in per_bucket] if whole else per_bucket
    counts = [sum(increments[: i + 1]) for i in range(len(increments))]
    if counts[-1] < 25:
        return
    evaluation = compact_live_evaluation()
    suites = tuple(
        suite_from_counts(s.suite_id, bounds, counts) if s.suite_id == suite_id else s
        for s in evaluation.suites
    )
    packet = render(dataclasses.replace(evaluation, suites=suites), PROMETHEUS_URL, 300.0)
    result = check(packet)
    statuses = {c.name: c for c in result.checks}
    assert statuses["suite_evidence"].status == "pass", statuses["suite_evidence"].message
    meets = counts[3] >= 0.95 * counts[-1]
    slo = statuses[f"{suite_id}_slo"]
    assert (slo.status == "pass") == meets, slo.message
    assert "inconsistent" not in slo.message
