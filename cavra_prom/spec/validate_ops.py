"""Readers for the operational parts of a spec: serve schedules, regression, HA/DR PromQL.

Kept apart from :mod:`cavra_prom.spec.validate` (the contract parts) so each module stays
small. PromQL written in a spec is parsed with promql-parser (the Rust parser Prometheus-aware
tools share) after ``$window`` is replaced, so a typo is reported at load time with its path,
not at 3 a.m. when the evaluator first runs it.
"""

from __future__ import annotations

from typing import Final

import promql_parser

from cavra_prom.spec._fields import Section
from cavra_prom.spec.model import (
    WINDOW_PLACEHOLDER,
    AvailabilitySpec,
    BaselineKind,
    HaQueries,
    RegressionSpec,
    ServeMode,
    ServeSchedule,
)

SERVE_KEYS: Final = ("mode", "every_seconds", "burst_seconds")
SERVE_MODES: Final = ("burst", "continuous")
REGRESSION_KEYS: Final = (
    "baseline",
    "p95_increase_max",
    "throughput_decrease_max",
    "offset_seconds",
    "rolling_count",
    "pinned_packet",
    "min_throughput_per_second",
)
BASELINES: Final = ("promql", "pinned", "rolling")
AVAILABILITY_KEYS: Final = ("objective", "period_days", "good_query", "total_query")
HA_QUERY_KEYS: Final = (
    "rto_minutes",
    "rpo_minutes",
    "api_replicas",
    "worker_replicas",
    "event_bus_capability",
)

_SERVE: Final = ServeSchedule()
_REGRESSION: Final = RegressionSpec()
_AVAILABILITY: Final = AvailabilitySpec()
_QUERIES: Final = HaQueries()
_PARSE_WINDOW: Final = "5m"


def promql_problem(expression: str) -> str | None:
    """Why ``expression`` is not valid PromQL (after ``$window`` is filled in), or None."""
    try:
        promql_parser.parse(expression.replace(WINDOW_PLACEHOLDER, _PARSE_WINDOW))
    except ValueError as exc:
        return f"is not valid PromQL: {exc}"
    return None


def _promql(section: Section, key: str, default: str) -> str | None:
    text = section.string(key, default=default, nonempty=True)
    if text is None:
        return None
    problem = promql_problem(text)
    if problem is not None:
        section.error(key, problem)
        return None
    return text


def read_serve(suite: Section) -> ServeSchedule | None:
    serve = suite.section("serve", SERVE_KEYS)
    if serve is None:
        return None
    mode = serve.string("mode", default=_SERVE.mode, choices=SERVE_MODES)
    every = serve.number("every_seconds", default=_SERVE.every_seconds, gt=0)
    burst = serve.number("burst_seconds", default=_SERVE.burst_seconds, gt=0)
    if mode == "burst" and every is not None and burst is not None and burst >= every:
        serve.error("burst_seconds", "must be shorter than every_seconds")
        return None
    if mode is None or every is None or burst is None:
        return None
    serve_mode: ServeMode = "continuous" if mode == "continuous" else "burst"
    return ServeSchedule(serve_mode, every, burst)


def read_regression(suite: Section) -> RegressionSpec | None:
    section = suite.section("regression", REGRESSION_KEYS)
    if section is None:
        return None
    baseline = section.string("baseline", default=_REGRESSION.baseline, choices=BASELINES)
    p95 = section.number("p95_increase_max", default=_REGRESSION.p95_increase_max, gt=0)
    throughput = section.number(
        "throughput_decrease_max", default=_REGRESSION.throughput_decrease_max, gt=0, le=1
    )
    offset = section.number("offset_seconds", default=_REGRESSION.offset_seconds, gt=0)
    rolling = section.integer("rolling_count", default=_REGRESSION.rolling_count, ge=1)
    pinned = section.string("pinned_packet", nonempty=True)
    guard = section.number(
        "min_throughput_per_second", default=_REGRESSION.min_throughput_per_second, ge=0
    )
    if baseline == "pinned" and pinned is None and not section.has("pinned_packet"):
        section.missing("pinned_packet", "is required when baseline is pinned")
    values = (baseline, p95, throughput, offset, rolling, guard)
    if any(v is None for v in values) or (baseline == "pinned" and pinned is None):
        return None
    assert baseline is not None and p95 is not None and throughput is not None
    assert offset is not None and rolling is not None and guard is not None
    kind: BaselineKind = (
        "pinned" if baseline == "pinned" else ("rolling" if baseline == "rolling" else "promql")
    )
    return RegressionSpec(kind, p95, throughput, offset, rolling, pinned, guard)


def read_availability(ha_dr: Section) -> AvailabilitySpec | None:
    section = ha_dr.section("availability", AVAILABILITY_KEYS)
    if section is None:
        return None
    objective = section.number("objective", default=_AVAILABILITY.objective, gt=0, le=1)
    if objective == 1.0:
        section.error("objective", "must be < 1: an objective of 100% leaves no error budget")
        objective = None
    period = section.number("period_days", default=_AVAILABILITY.period_days, gt=0)
    good = _promql(section, "good_query", _AVAILABILITY.good_query)
    total = _promql(section, "total_query", _AVAILABILITY.total_query)
    if objective is None or period is None or good is None or total is None:
        return None
    return AvailabilitySpec(objective, period, good, total)


def read_ha_queries(ha_dr: Section) -> HaQueries | None:
    section = ha_dr.section("queries", HA_QUERY_KEYS)
    if section is None:
        return None
    values = {key: _promql(section, key, getattr(_QUERIES, key)) for key in HA_QUERY_KEYS}
    if any(v is None for v in values.values()):
        return None
    return HaQueries(**{k: str(v) for k, v in values.items()})
