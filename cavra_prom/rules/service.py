"""Service step: alerts on cavra itself (scrape down, no fresh packet, gate blocked).

These watch the gate rather than the system under test: if the evaluator dies or stops
rendering, release tooling would read an old packet, so a silent gate must page.
"""

from __future__ import annotations

from typing import Final

from cavra_prom import conventions as names
from cavra_prom.promql import queries
from cavra_prom.promql.queries import format_duration, selector
from cavra_prom.rules import text as t
from cavra_prom.rules.model import AlertRule, AlertText, RuleGroup
from cavra_prom.rules.plan import Plan

STALE_INTERVALS: Final = 3
"""A packet is stale when none was rendered for three evaluation intervals."""


def _when_instance(present: str, absent: str) -> str:
    """``present`` for an ``up == 0`` series, ``absent`` for ``absent(up)`` (no instance)."""
    condition = f"{{{{ if $labels.{names.LABEL_INSTANCE} }}}}"
    return f"{condition}{present}{{{{ else }}}}{absent}{{{{ end }}}}"


def _evaluator_down(plan: Plan) -> AlertRule:
    alert, job = names.ALERT_EVALUATOR_DOWN, plan.options.job
    up = queries.scrape_up(job)
    interval = format_duration(plan.options.evaluation_interval_seconds)
    return AlertRule(
        alert,
        f"{up} == 0 or absent({up})",
        names.SEVERITY_PAGE,
        AlertText(
            "cavra is down: "
            + _when_instance(
                f"{t.INSTANCE} of job {job} cannot be scraped",
                f"Prometheus has no target in job {job}",
            ),
            _when_instance(
                f"Prometheus has failed to scrape {t.INSTANCE} of job {job} for {interval}",
                f"Prometheus has had no target in job {job} for {interval}",
            )
            + ": no suite, drill or gate metrics arrive and no packet is rendered. Release "
            "tooling would read an old packet.",
            plan.runbook(alert),
        ),
        plan.options.evaluation_interval_seconds,
    )


def _packet_stale(plan: Plan) -> AlertRule:
    """Stale when the newest render is older than three intervals, or none was seen in them.

    ``absent_over_time`` covers a serve that restarted and never rendered again (its gauge is
    gone, so the age is not computable) without a ``for`` that would delay the age case.
    """
    alert = names.ALERT_PACKET_STALE
    every = plan.options.evaluation_interval_seconds
    limit = STALE_INTERVALS * every
    gauge = selector(names.PACKET_LAST_RENDER_TIMESTAMP_SECONDS)
    rendered = t.plain_query(
        queries.packet_age(),
        t.FILTER_DURATION,
        found="was rendered {} ago",
        missing="is not exported by any cavra instance",
    )
    return AlertRule(
        alert,
        f"{queries.packet_age()} > {t.number(limit)}\n"
        f"or absent_over_time({gauge}[{format_duration(limit)}])",
        names.SEVERITY_PAGE,
        AlertText(
            f"No readiness packet rendered for {format_duration(limit)}",
            f"The newest readiness packet {rendered}. "
            f"cavra serve renders one every {format_duration(every)}, so {STALE_INTERVALS} "
            f"intervals ({format_duration(limit)}) have passed without one: /packet/latest "
            "serves old evidence to release tooling.",
            plan.runbook(alert),
        ),
    )


def _gate_blocked(plan: Plan) -> AlertRule:
    alert = names.ALERT_GATE_BLOCKED
    blockers = t.plain_query(queries.gate_blockers(), t.FILTER_NUMBER)
    return AlertRule(
        alert,
        f"{queries.gate_ready()} == 0",
        names.SEVERITY_TICKET,
        AlertText(
            f"The benchmark SLO gate is blocked ({blockers} blockers)",
            f"The latest gate evaluation has {blockers} blocker(s), so the readiness packet says "
            "blocked and releases that require it stop. Alerts naming a specific cause "
            "(a suite, a drill, HA/DR) inhibit this one in Alertmanager; read the packet's "
            "checks for a blocker no other alert names.",
            plan.runbook(alert),
        ),
        plan.options.evaluation_interval_seconds,
    )


def service_alerts(plan: Plan) -> tuple[RuleGroup, ...]:
    rules = (_evaluator_down(plan), _packet_stale(plan), _gate_blocked(plan))
    return (RuleGroup(plan.group_name("service-alerts"), plan.service_interval, rules),)
