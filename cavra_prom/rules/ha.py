"""HA/DR step: availability burn rates (recorded), burn-rate alerts, RPO/RTO and replicas.

The burn rates use the spec's own good/total queries through the shared builders, so the
recorded burn rate is the one the evaluator reads. Short and long windows live in separate
groups: a 5m burn rate wants evaluating every 30s, a 3d one every few minutes is plenty.
"""

from __future__ import annotations

from typing import Final

from cavra_prom import conventions as names
from cavra_prom.promql import queries
from cavra_prom.promql.queries import format_duration
from cavra_prom.rules import text as t
from cavra_prom.rules.model import AlertRule, AlertText, RecordingRule, RuleGroup, Severity
from cavra_prom.rules.plan import Plan, burn_rate_name
from cavra_prom.rules.windows import (
    MAX_FAST_INTERVAL_SECONDS,
    MAX_SLOW_INTERVAL_SECONDS,
    BurnPair,
    burn_pairs,
    interval_for,
)

SHORT_WINDOW_LIMIT_SHARE: Final = 1.0 / 720.0
"""Windows up to 1/720 of the period (1h of 30 days) are "short" and evaluated often."""


def _windows(plan: Plan) -> list[float]:
    pairs = burn_pairs(plan.spec.ha_dr.availability.period_days)
    return sorted({w for p in pairs for w in (p.long_seconds, p.short_seconds)})


def burn_rate_recording_rules(plan: Plan) -> tuple[RuleGroup, ...]:
    """One burn-rate series per distinct window, in a short and a long group."""
    availability = plan.spec.ha_dr.availability
    limit = availability.period_days * 86400 * SHORT_WINDOW_LIMIT_SHARE
    windows = _windows(plan)
    groups: list[RuleGroup] = []
    for suffix, chosen, ceiling in (
        ("ha-burn-rates-short", [w for w in windows if w <= limit], MAX_FAST_INTERVAL_SECONDS),
        ("ha-burn-rates-long", [w for w in windows if w > limit], MAX_SLOW_INTERVAL_SECONDS),
    ):
        if not chosen:
            continue
        rules = tuple(
            RecordingRule(
                burn_rate_name(format_duration(w)),
                queries.burn_rate(
                    availability.good_query,
                    availability.total_query,
                    format_duration(w),
                    availability.objective,
                ),
            )
            for w in chosen
        )
        groups.append(RuleGroup(plan.group_name(suffix), interval_for(min(chosen), ceiling), rules))
    return tuple(groups)


def _condition(pair: BurnPair) -> str:
    factor = t.number(pair.factor)
    long_rate = burn_rate_name(format_duration(pair.long_seconds))
    short_rate = burn_rate_name(format_duration(pair.short_seconds))
    return f"({long_rate} > {factor} and {short_rate} > {factor})"


def _pair_text(pair: BurnPair) -> str:
    def rate(seconds: float) -> str:
        window = format_duration(seconds)
        return f"{t.plain_query(burn_rate_name(window), t.FILTER_NUMBER)}x over {window}"

    return (
        f"{rate(pair.long_seconds)} and {rate(pair.short_seconds)} "
        f"(fires above {t.number(pair.factor)}x on both)"
    )


def _burn_alert(plan: Plan, severity: Severity) -> AlertRule:
    alert = names.ALERT_HA_AVAILABILITY_BURN
    availability = plan.spec.ha_dr.availability
    pairs = [p for p in burn_pairs(availability.period_days) if p.severity == severity]
    period = format_duration(availability.period_days * 86400)
    speed = "fast" if severity == names.SEVERITY_PAGE else "steadily"
    return AlertRule(
        alert,
        "\nor ".join(_condition(p) for p in pairs),
        severity,
        AlertText(
            f"HA availability is burning its error budget {speed}",
            f"Availability (objective {t.percent(availability.objective)} over {period}) is "
            f"burning its error budget at {'; or '.join(_pair_text(p) for p in pairs)}. "
            f"At {t.number(pairs[0].factor)}x the whole {period} budget lasts "
            f"{format_duration(availability.period_days * 86400 / pairs[0].factor)}.",
            plan.runbook(alert),
        ),
    )


def _target_alerts(plan: Plan) -> list[AlertRule]:
    ha, q = plan.spec.ha_dr, plan.spec.ha_dr.queries
    rules: list[AlertRule] = []
    for alert, query, target, what in (
        (names.ALERT_HA_RPO_ABOVE_TARGET, q.rpo_minutes, ha.rpo_minutes, "RPO"),
        (names.ALERT_HA_RTO_ABOVE_TARGET, q.rto_minutes, ha.rto_minutes, "RTO"),
    ):
        rules.append(
            AlertRule(
                alert,
                f"({queries.with_window(query, plan.window)}) > {t.number(target)}",
                names.SEVERITY_TICKET,
                AlertText(
                    f"{what} {t.VALUE_NUMBER} min is above its target of {t.number(target)} min",
                    f"The measured {what} is {t.VALUE_NUMBER} minutes, above the HA/DR target "
                    f"of {t.number(target)} minutes; the gate's ha_slo_targets check blocks.",
                    plan.runbook(alert),
                ),
            )
        )
    return rules


def _replica_alerts(plan: Plan) -> list[AlertRule]:
    ha, q, alert = plan.spec.ha_dr, plan.spec.ha_dr.queries, names.ALERT_HA_REPLICAS_BELOW_FLOOR
    rules: list[AlertRule] = []
    for role, query, floor in (
        (names.ROLE_API, q.api_replicas, ha.min_api_replicas),
        (names.ROLE_WORKER, q.worker_replicas, ha.min_worker_replicas),
    ):
        if floor <= 0:
            continue  # a floor of 0 cannot be missed
        rules.append(
            AlertRule(
                alert,
                f"({queries.with_window(query, plan.window)}) < {floor}",
                names.SEVERITY_PAGE,
                AlertText(
                    f"{role} replicas: {t.VALUE_NUMBER} running, below the HA floor of {floor}",
                    f"{t.VALUE_NUMBER} {role} replica(s) are running; HA needs at least "
                    f"{floor}. One more failure takes the {role} role down.",
                    plan.runbook(alert),
                ),
                plan.sli_pending,
                {names.LABEL_ROLE: role},
            )
        )
    return rules


def ha_alerts(plan: Plan) -> tuple[RuleGroup, ...]:
    rules = [
        _burn_alert(plan, names.SEVERITY_PAGE),
        _burn_alert(plan, names.SEVERITY_TICKET),
        *_target_alerts(plan),
        *_replica_alerts(plan),
    ]
    shortest = min(_windows(plan))
    return (RuleGroup(plan.group_name("ha-alerts"), interval_for(shortest), tuple(rules)),)
