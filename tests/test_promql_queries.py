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


@pytest.mark.parametrize("job", ["cavra", 'odd "job" \\ name'])
def test_scrape_up_quotes_the_job_name(job: str) -> None:
    """The evaluator-down alert reads ``up`` of the scrape job; any job name stays valid."""
    expression = queries.scrape_up(job)
    assert expression.startswith("up{job=")
    parsed = promql_parser.parse(expression)
    values = {m.name: m.value for m in parsed.matchers.matchers}
    assert values == {"job": job}  # the parser reads the original name back


# --- builders added for the Grafana boards (issue 6) ---------------------------------------


@pytest.mark.parametrize("matchers", ["", 'suite=~"a|b"'])
def test_board_builders_give_valid_promql(matchers: str) -> None:
    spec = AvailabilitySpec()
    built = [
        queries.gate_ready(),
        queries.gate_blockers(),
        queries.packet_age(),
        queries.sample_rate("30s", matchers),
        queries.latency_quantile_baseline(0.95, "5m", "1d", matchers),
        queries.throughput_baseline("5m", "1d", matchers),
        queries.latency_quantile_change(0.95, "5m", "1d", matchers),
        queries.throughput_change("5m", "1d", matchers),
        queries.error_budget_remaining(spec.good_query, spec.total_query, "30d", 0.999),
        queries.firing_alerts("Cavra.*", matchers),
        queries.firing_alert_count("Cavra.*"),
    ]
    for expression in built:
        promql_parser.parse(expression)


def test_baseline_builders_are_the_current_ones_shifted_by_the_offset() -> None:
    """The board's baseline must be the evaluator's number, only ``offset`` earlier."""
    now = queries.latency_quantile(0.95, "5m", 'suite=~"x"')
    then = queries.latency_quantile_baseline(0.95, "5m", "1d", 'suite=~"x"')
    assert then == now.replace("[5m]", "[5m] offset 1d")
    throughput_then = queries.throughput_baseline("5m", "2h")
    assert throughput_then == queries.throughput("5m").replace("[5m]", "[5m] offset 2h")
    change = queries.latency_quantile_change(0.95, "5m", "1d")
    assert change == f"{queries.latency_quantile(0.95, '5m')} / " + (
        f"{queries.latency_quantile_baseline(0.95, '5m', '1d')} - 1"
    )


def test_error_budget_remaining_is_one_minus_the_period_burn_rate() -> None:
    spec = AvailabilitySpec()
    remaining = queries.error_budget_remaining(spec.good_query, spec.total_query, "30d", 0.999)
    burn = queries.burn_rate(spec.good_query, spec.total_query, "30d", 0.999)
    assert remaining == f"1 - {burn}"


def test_firing_alerts_select_firing_alerts_by_name() -> None:
    parsed = promql_parser.parse(queries.firing_alerts("Cavra.*"))
    matchers = {m.name: m.value for m in parsed.matchers.matchers}
    assert parsed.name == "ALERTS"
    assert matchers == {"alertname": "Cavra.*", "alertstate": "firing"}
    assert queries.firing_alert_count("Cavra.*").endswith(" or vector(0)")


def test_baseline_histogram_is_the_bucket_increase_offset_earlier() -> None:
    built = queries.bucket_increase_baseline("5m", "1d", 'suite="a"')
    promql_parser.parse(built)
    now = queries.bucket_increase("5m", 'suite="a"')
    assert built == now.replace("[5m]", "[5m] offset 1d")
