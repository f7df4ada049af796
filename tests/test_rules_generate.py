"""The rules generator: committed files match, names, builders, per-suite choices, options."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import promql_parser
import pytest
import yaml

from cavra_prom import conventions as names
from cavra_prom.errors import SpecError
from cavra_prom.promql import queries
from cavra_prom.rules import (
    AlertRule,
    RuleOptions,
    RulesDocument,
    generate_rules,
    regenerate_command,
    render_rules,
)
from cavra_prom.rules.windows import burn_pairs, can_fire, interval_for, pending_for
from cavra_prom.spec.loader import default_spec, load_spec
from cavra_prom.spec.model import AvailabilitySpec, Spec

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "rules" / names.RULES_FILE
VARIANTS_SPEC = "rules/tests/fixtures/variants.spec.yaml"
VARIANTS_RULES = ROOT / "rules" / "tests" / "fixtures" / "variants.rules.yml"
RECORD_NAME = re.compile(r"[a-z]+:[a-z_]+:[a-z0-9_]+")
ALERT_NAMES = {
    value
    for key, value in vars(names).items()
    if key.startswith("ALERT_") and isinstance(value, str)
}


def _default() -> RulesDocument:
    return generate_rules(default_spec())


def _variants() -> Spec:
    return load_spec(ROOT / VARIANTS_SPEC)


def _alerts(document: RulesDocument, name: str) -> list[AlertRule]:
    return [a for a in document.alerts() if a.alert == name]


def _with_objective(spec: Spec, objective: float, period_days: float = 30.0) -> Spec:
    availability = AvailabilitySpec(objective=objective, period_days=period_days)
    return dataclasses.replace(
        spec, ha_dr=dataclasses.replace(spec.ha_dr, availability=availability)
    )


def test_committed_rules_equal_a_fresh_generation() -> None:
    """rules/cavra-benchmark-slo.rules.yml is generated, not edited: regenerate and compare."""
    fresh = render_rules(_default(), regenerate_command(None, RuleOptions()))
    assert COMMITTED.read_text() == fresh, "regenerate with: cavra rules generate"


def test_committed_variants_rules_equal_a_fresh_generation() -> None:
    document = generate_rules(_variants(), source=VARIANTS_SPEC)
    fresh = render_rules(document, regenerate_command(VARIANTS_SPEC, RuleOptions()))
    assert VARIANTS_RULES.read_text() == fresh, (
        f"regenerate with: cavra rules generate --spec {VARIANTS_SPEC} "
        f"--output {VARIANTS_RULES.relative_to(ROOT)}"
    )


def test_header_names_the_command_and_says_do_not_edit() -> None:
    lines = COMMITTED.read_text().splitlines()
    assert "DO NOT EDIT" in lines[0] and "cavra rules generate" in lines[0]
    assert lines[1] == "#   cavra rules generate"
    assert yaml.safe_load(COMMITTED.read_text()) == _default().to_dict()


@pytest.mark.parametrize("spec_name", ["default", "variants"])
def test_every_expression_is_valid_promql_and_every_name_follows_conventions(
    spec_name: str,
) -> None:
    spec = default_spec() if spec_name == "default" else _variants()
    document = generate_rules(spec)
    for rule in document.recording_rules():
        assert RECORD_NAME.fullmatch(rule.record), rule.record
        promql_parser.parse(rule.expr)
    for alert in document.alerts():
        assert alert.alert in ALERT_NAMES
        assert alert.severity in (names.SEVERITY_PAGE, names.SEVERITY_TICKET)
        assert alert.text.summary and alert.text.description
        assert alert.text.runbook_url == f"docs/runbook.md#{alert.alert.lower()}"
        promql_parser.parse(alert.expr)


def test_the_default_spec_gets_every_alert_but_error_ratio() -> None:
    """The built-in spec sets no error_ratio_max; the variants spec covers that alert."""
    generated = {a.alert for a in _default().alerts()}
    assert generated == ALERT_NAMES - {names.ALERT_SUITE_ERROR_RATIO_HIGH}
    assert names.ALERT_SUITE_ERROR_RATIO_HIGH in {
        a.alert for a in generate_rules(_variants()).alerts()
    }


def test_recording_rules_are_the_shared_builders_so_the_page_is_the_packet() -> None:
    """The same builder output the evaluator queries, character for character."""
    recorded = {r.record: r.expr for r in _default().recording_rules()}
    assert recorded["suite:cavra_suite_latency_seconds:p95_rate5m"] == (
        queries.latency_quantile(0.95, "5m")
    )
    assert recorded["suite:cavra_suite_throughput:ratio_rate5m"] == queries.throughput("5m")
    within = queries.within_slo_ratio("5m")
    assert recorded["suite:cavra_suite_within_slo:ratio_rate5m"] == within
    assert recorded["suite:cavra_suite_errors:ratio_rate5m"] == queries.error_ratio("5m")
    assert recorded["suite:cavra_suite_operations:rate5m"] == queries.operations_rate("5m")
    availability = default_spec().ha_dr.availability
    assert recorded["ha:cavra_availability:burnrate1h"] == queries.burn_rate(
        availability.good_query, availability.total_query, "1h", availability.objective
    )


def test_slo_alerts_compare_with_threshold_gauges_so_one_rule_serves_every_suite() -> None:
    document = _default()
    (latency,) = _alerts(document, names.ALERT_SUITE_LATENCY_ABOVE_SLO)
    assert latency.expr.endswith(f"> {queries.latency_threshold()}")
    (throughput,) = _alerts(document, names.ALERT_SUITE_THROUGHPUT_BELOW_FLOOR)
    assert throughput.expr.endswith(f"< {queries.throughput_floor()}")
    assert latency.severity == names.SEVERITY_PAGE
    assert "suite" not in latency.labels


def test_regression_rules_carry_each_suites_tolerance_offset_and_guard() -> None:
    document = generate_rules(_variants())
    (search,) = _alerts(document, names.ALERT_SUITE_LATENCY_REGRESSION)
    assert search.labels == {"suite": "search"}
    assert "> 1.25 * suite:cavra_suite_latency_seconds:p95_rate5m_baseline" in search.expr
    assert '{suite="search"} >= 0.5' in search.expr
    (baseline,) = [
        r
        for r in document.recording_rules()
        if r.record.endswith(names.RULE_SUITE_P95_BASELINE_SUFFIX)
    ]
    assert "offset 7d" in baseline.expr
    # checkout has a pinned baseline and catalog a rolling one: their baseline is a packet.
    for expr in (search.expr, baseline.expr):
        assert "checkout" not in expr and "catalog" not in expr


def test_error_ratio_rules_only_where_the_spec_sets_a_maximum() -> None:
    rules = _alerts(generate_rules(_variants()), names.ALERT_SUITE_ERROR_RATIO_HIGH)
    assert {r.labels["suite"]: r.expr.rsplit(" ", 1)[-1] for r in rules} == {
        "checkout": "0.01",
        "search": "0",
    }


def test_stale_windows_follow_serve_periods_and_drill_schedules() -> None:
    document = generate_rules(_variants())
    no_data = {a.labels["suite"]: a for a in _alerts(document, names.ALERT_SUITE_NO_DATA)}
    assert "[30m]" in no_data["search"].expr  # 3 x a 600 s serve period
    assert "[5m]" in no_data["checkout"].expr  # continuous: the SLI window
    (stale,) = _alerts(document, names.ALERT_DRILL_STALE)
    assert "> 7200" in stale.expr and "[2h]" in stale.expr  # twice an hourly schedule


def test_a_replica_floor_of_zero_generates_no_rule() -> None:
    replicas = _alerts(generate_rules(_variants()), names.ALERT_HA_REPLICAS_BELOW_FLOOR)
    assert [r.labels[names.LABEL_ROLE] for r in replicas] == [names.ROLE_API]
    assert replicas[0].expr.endswith("< 3")


def test_burn_rate_windows_scale_with_the_period() -> None:
    thirty = burn_pairs(30)
    assert [(p.severity, p.factor, p.long_seconds, p.short_seconds) for p in thirty] == [
        ("page", 14.4, 3600, 300),
        ("page", 6.0, 21600, 1800),
        ("ticket", 3.0, 86400, 7200),
        ("ticket", 1.0, 259200, 21600),
    ]
    seven = burn_pairs(7)
    assert [(p.long_seconds, p.short_seconds) for p in seven] == [
        (840, 70),
        (5040, 420),
        (20160, 1680),
        (60480, 5040),
    ]
    rules = generate_rules(_variants())
    (page, ticket) = _alerts(rules, names.ALERT_HA_AVAILABILITY_BURN)
    assert "burnrate14m > 14.4 and ha:cavra_availability:burnrate70s > 14.4" in page.expr
    assert ticket.severity == names.SEVERITY_TICKET and "burnrate1008m > 1" in ticket.expr


@pytest.mark.parametrize(
    ("factor", "objective", "fires"),
    [
        (14.4, 0.999, True),
        (14.4, 0.93, False),
        (14.4, 0.931, True),
        (10, 0.9, False),
        (9.99, 0.9, True),
        (1, 0.5, True),
        (2, 0.5, False),
    ],
)
def test_a_factor_can_fire_only_below_one_over_the_budget(
    factor: float, objective: float, fires: bool
) -> None:
    assert can_fire(factor, objective) is fires


def test_an_objective_at_which_a_page_can_never_fire_is_refused_with_its_path() -> None:
    with pytest.raises(SpecError) as caught:
        generate_rules(_with_objective(default_spec(), 0.9), source="my.yaml")
    (problem,) = caught.value.problems
    assert (problem.source, problem.path) == ("my.yaml", "ha_dr.availability.objective")
    assert "14.4x (page)" in problem.message and "6x" not in problem.message
    assert "cannot exceed 1/(1 - 0.9) = 10" in problem.message
    assert "objective above 0.930556" in problem.message


def test_a_loose_objective_names_every_factor_that_cannot_fire() -> None:
    with pytest.raises(SpecError) as caught:
        generate_rules(_with_objective(default_spec(), 0.5))
    message = caught.value.problems[0].message
    assert "14.4x (page), 6x (page), 3x (ticket)" in message and "1x" not in message


def test_short_windows_for_tests_rename_and_rewrite_the_rules() -> None:
    options = RuleOptions(
        window_seconds=10, baseline_offset_seconds=30, evaluation_interval_seconds=2
    )
    document = generate_rules(default_spec(), options)
    records = {r.record for r in document.recording_rules()}
    assert "suite:cavra_suite_latency_seconds:p95_rate10s" in records
    assert not any(r.endswith("5m") for r in records if r.startswith("suite:"))
    baseline = next(r for r in document.recording_rules() if r.record.endswith("_baseline"))
    assert "[10s] offset 30s" in baseline.expr
    (latency,) = _alerts(document, names.ALERT_SUITE_LATENCY_ABOVE_SLO)
    assert latency.for_seconds == 4  # 40% of the window
    groups = {g.name: g.interval_seconds for g in document.groups}
    assert groups["cavra-benchmark-slo-suite-slis"] == 1
    assert groups["cavra-benchmark-slo-service-alerts"] == 1
    (stale,) = _alerts(document, names.ALERT_PACKET_STALE)
    assert "> 6" in stale.expr and "[6s]" in stale.expr


def test_regenerate_command_lists_only_what_differs_from_the_defaults() -> None:
    assert regenerate_command(None, RuleOptions()) == "cavra rules generate"
    options = RuleOptions(
        job="bench gate",
        evaluation_interval_seconds=30,
        window_seconds=600,
        baseline_offset_seconds=3600,
        runbook_url="https://docs.example/runbook",
    )
    assert regenerate_command("s.yaml", options) == (
        "cavra rules generate --spec s.yaml --job 'bench gate' --evaluation-interval 30s "
        "--window 10m --baseline-offset 1h --runbook-url https://docs.example/runbook"
    )


def test_job_option_reaches_the_evaluator_down_alert() -> None:
    document = generate_rules(default_spec(), RuleOptions(job="cavra-prod"))
    (down,) = _alerts(document, names.ALERT_EVALUATOR_DOWN)
    assert down.expr == 'up{job="cavra-prod"} == 0 or absent(up{job="cavra-prod"})'
    assert "job cavra-prod" in down.text.summary


@pytest.mark.parametrize(
    ("window", "interval"), [(300, 30), (10, 1), (5, 1), (70, 5), (1680, 120), (7200, 300)]
)
def test_group_intervals_come_from_a_ladder_of_round_values(window: float, interval: float) -> None:
    assert interval_for(window, ceiling=300) == interval


def test_pending_is_forty_percent_of_the_window() -> None:
    assert pending_for(300) == 120 and pending_for(5) == 2


def test_options_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="window_seconds"):
        RuleOptions(window_seconds=0)
    with pytest.raises(ValueError, match="job"):
        RuleOptions(job="")
