"""The shared PromQL builders: every query parses, durations format exactly."""

from __future__ import annotations

import promql_parser
import pytest

from cavra_prom.promql import queries
from cavra_prom.spec.model import AvailabilitySpec

WINDOWED = [
    queries.bucket_increase,
    queries.throughput,
    queries.error_ratio,
    queries.within_slo_ratio,
    queries.sample_count,
    queries.operations_rate,
]
PLAIN = [
    queries.suite_last_run_age,
    queries.latency_threshold,
    queries.throughput_floor,
    queries.drill_passed,
    queries.drill_last_run_age,
    queries.drill_last_run,
    queries.drill_recovery_seconds,
]


@pytest.mark.parametrize("matchers", ["", 'suite=~"a|b"'])
def test_every_builder_gives_valid_promql(matchers: str) -> None:
    built = [queries.latency_quantile(0.95, "5m", matchers)]
    built += [build("30s", matchers) for build in WINDOWED]
    built += [build(matchers) for build in PLAIN]
    for expression in built:
        promql_parser.parse(expression)
        if matchers:
            assert matchers in expression


def test_queries_group_by_suite_so_count_does_not_grow_with_suites() -> None:
    assert "sum by (le, suite)" in queries.latency_quantile(0.95, "5m")
    assert queries.throughput("5m").count("sum by (suite)") == 2


def test_availability_and_burn_rate_fill_the_window() -> None:
    spec = AvailabilitySpec()
    ratio = queries.availability_ratio(spec.good_query, spec.total_query, "1h")
    burn = queries.burn_rate(spec.good_query, spec.total_query, "5m", 0.999)
    assert "$window" not in ratio + burn
    assert "[1h]" in ratio and burn.endswith("/ 0.001")
    promql_parser.parse(ratio)
    promql_parser.parse(burn)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(300, "5m"), (90, "90s"), (3600, "1h"), (86400, "1d"), (0.5, "500ms"), (7200, "2h")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert queries.format_duration(seconds) == text


def test_format_duration_rejects_non_positive() -> None:
    with pytest.raises(ValueError):
        queries.format_duration(0)
