"""Drill step: a failed drill pages; a drill that has not run for twice its schedule tickets."""

from __future__ import annotations

from typing import Final

from cavra_prom import conventions as names
from cavra_prom.promql import queries
from cavra_prom.promql.queries import format_duration, selector
from cavra_prom.rules import text as t
from cavra_prom.rules.model import AlertRule, AlertText, RuleGroup
from cavra_prom.rules.plan import Plan, label_equals
from cavra_prom.rules.windows import MAX_FAST_INTERVAL_SECONDS, interval_for
from cavra_prom.spec.model import DrillSpec

STALE_SCHEDULES: Final = 2.0
"""A drill is stale when it has not run for twice its schedule."""


def _drill_failed(plan: Plan) -> AlertRule:
    alert = names.ALERT_DRILL_FAILED
    return AlertRule(
        alert,
        f"{queries.drill_passed()} == 0",
        names.SEVERITY_PAGE,
        AlertText(
            f"Drill {t.DRILL} failed its last run",
            f"The last run of failure drill {t.DRILL} did not show the expected behaviour "
            f"({names.DRILL_PASSED} = 0): under that fault the system did something unsafe "
            "or could not be checked. The readiness gate blocks until the drill passes again.",
            plan.runbook(alert),
        ),
    )


def _drill_stale(plan: Plan, drill: DrillSpec) -> AlertRule:
    """Stale when the last run is older than twice the schedule, or no run was seen in it."""
    alert, match = names.ALERT_DRILL_STALE, label_equals(names.LABEL_DRILL, drill.id)
    limit = STALE_SCHEDULES * drill.schedule_seconds
    window = format_duration(limit)
    last_run = selector(names.DRILL_LAST_RUN_TIMESTAMP_SECONDS, match)
    last = t.plain_query(
        queries.drill_last_run_age(t.quoted(names.LABEL_DRILL, drill.id)),
        t.FILTER_DURATION,
        found="last finished {} ago",
        missing="has no run exported",
    )
    return AlertRule(
        alert,
        f"{queries.drill_last_run_age(match)} > {t.number(limit)}\n"
        f"or absent_over_time({last_run}[{window}])",
        names.SEVERITY_TICKET,
        AlertText(
            f"Drill {drill.id} has not run for {window}",
            f"Failure drill {drill.id} (scheduled every "
            f"{format_duration(drill.schedule_seconds)}) {last}: nothing within twice its "
            f"schedule ({window}). The gate's verdict for it is old evidence.",
            plan.runbook(alert),
        ),
        labels={names.LABEL_DRILL: drill.id},
    )


def drill_alerts(plan: Plan) -> tuple[RuleGroup, ...]:
    rules: list[AlertRule] = [_drill_failed(plan)]
    rules += [_drill_stale(plan, drill) for drill in plan.spec.drills]
    shortest = min((d.schedule_seconds for d in plan.spec.drills), default=0.0)
    interval = interval_for(shortest) if shortest else MAX_FAST_INTERVAL_SECONDS
    return (RuleGroup(plan.group_name("drill-alerts"), interval, tuple(rules)),)
