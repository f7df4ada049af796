"""Step 5 of the SLO board: HA/DR, every value beside its target from ``spec.ha_dr``.

The queries are the spec's own (``ha_dr.availability`` and ``ha_dr.queries``), the ones the
evaluator runs, so pointing the spec at your system's metrics moves the board with it. The
spec's ``$window`` placeholder is the board's ``$window`` variable: Grafana fills it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.promql import queries
from cavra_prom.spec.model import HaDrSpec

LONG_WINDOW_PER_PERIOD = 720
"""The long burn-rate window is the period / 720 (1 h of a 30-day period, as in the SRE
workbook's fast-burn pair); it scales with ``availability.period_days``."""

BUDGET_LOW = 0.25
"""Error budget remaining below this share is shown orange (red once it is spent)."""

CAPABILITY_MAPPING = (("1", "yes", p.GREEN), ("0", "missing", p.RED))


def ha_panels(ctx: BoardContext) -> Sequence[cogbuilder.Builder[model.Panel]]:
    ha = ctx.spec.ha_dr
    return (*_availability(ctx, ha), *_recovery(ctx, ha), _burn(ctx, ha), _bus(ctx, ha))


def _availability(ctx: BoardContext, ha: HaDrSpec) -> Sequence[cogbuilder.Builder[model.Panel]]:
    a = ha.availability
    period = queries.format_duration(a.period_days * 86400)
    objective = p.higher_is_better(a.objective)
    return (
        p.stat_panel(
            p.Look(
                f"Availability ($window), objective {a.objective:.3%}",
                "availability.good_query / availability.total_query over $window.",
                4,
                5,
                unit=p.UNIT_RATIO,
                steps=objective,
                decimals=3,
            ),
            [
                p.Query(
                    queries.availability_ratio(a.good_query, a.total_query, ctx.window),
                    instant=True,
                )
            ],
            links=ctx.links("availability"),
        ),
        p.stat_panel(
            p.Look(
                f"Availability ({period})",
                f"The same ratio over the SLO period ({period}).",
                4,
                5,
                unit=p.UNIT_RATIO,
                steps=objective,
                decimals=3,
            ),
            [
                p.Query(
                    queries.availability_ratio(a.good_query, a.total_query, period), instant=True
                )
            ],
            links=ctx.links("availability"),
        ),
        p.stat_panel(
            p.Look(
                "Error budget remaining",
                f"1 - (error ratio over {period}) / (1 - objective). Below 0 the "
                "period's budget is spent.",
                4,
                5,
                unit=p.UNIT_RATIO,
                decimals=1,
                steps=((None, p.RED), (0.0, p.ORANGE), (BUDGET_LOW, p.GREEN)),
            ),
            [
                p.Query(
                    queries.error_budget_remaining(
                        a.good_query, a.total_query, period, a.objective
                    ),
                    instant=True,
                )
            ],
            links=ctx.links("availability"),
        ),
    )


@dataclass(frozen=True)
class _Measured:
    """One HA/DR value: the spec key whose PromQL measures it, and its target."""

    title: str
    key: str
    expr: str
    unit: str
    steps: tuple[p.Step, ...]
    topic: str


def _recovery(ctx: BoardContext, ha: HaDrSpec) -> Sequence[cogbuilder.Builder[model.Panel]]:
    q = ha.queries
    values = (
        _Measured(
            f"RPO (target {ha.rpo_minutes:g} min)",
            "ha_dr.queries.rpo_minutes",
            q.rpo_minutes,
            p.UNIT_MINUTES,
            p.lower_is_better(ha.rpo_minutes),
            "recovery",
        ),
        _Measured(
            f"RTO (target {ha.rto_minutes:g} min)",
            "ha_dr.queries.rto_minutes",
            q.rto_minutes,
            p.UNIT_MINUTES,
            p.lower_is_better(ha.rto_minutes),
            "recovery",
        ),
        _Measured(
            f"API replicas (min {ha.min_api_replicas})",
            "ha_dr.queries.api_replicas",
            q.api_replicas,
            p.UNIT_COUNT,
            p.higher_is_better(ha.min_api_replicas),
            "replicas",
        ),
        _Measured(
            f"Worker replicas (min {ha.min_worker_replicas})",
            "ha_dr.queries.worker_replicas",
            q.worker_replicas,
            p.UNIT_COUNT,
            p.higher_is_better(ha.min_worker_replicas),
            "replicas",
        ),
    )
    return tuple(_measured(ctx, value) for value in values)


def _measured(ctx: BoardContext, value: _Measured) -> cogbuilder.Builder[model.Panel]:
    return p.stat_panel(
        p.Look(
            value.title,
            f"Measured by the spec's {value.key}: {value.expr}",
            3,
            5,
            unit=value.unit,
            steps=value.steps,
        ),
        [p.Query(queries.with_window(value.expr, ctx.window), instant=True)],
        links=ctx.links(value.topic),
    )


def _burn(ctx: BoardContext, ha: HaDrSpec) -> cogbuilder.Builder[model.Panel]:
    a = ha.availability
    long_window = queries.format_duration(a.period_days * 86400 / LONG_WINDOW_PER_PERIOD)
    return p.timeseries_panel(
        p.Look(
            "Error-budget burn rate",
            "Error ratio / (1 - objective): at 1 the budget lasts exactly the period; "
            f"above 1 it runs out early. Solid: $window; dashed: {long_window}.",
            16,
            7,
            steps=p.lower_is_better(1.0),
        ),
        [
            p.Query(
                queries.burn_rate(a.good_query, a.total_query, ctx.window, a.objective),
                "burn rate ($window)",
            ),
            p.Query(
                queries.burn_rate(a.good_query, a.total_query, long_window, a.objective),
                f"burn rate ({long_window})",
            ),
        ],
        dashed=["B"],
        links=ctx.links("availability"),
    )


def _bus(ctx: BoardContext, ha: HaDrSpec) -> cogbuilder.Builder[model.Panel]:
    return p.stat_panel(
        p.Look(
            "Event bus capabilities",
            "ha_dr.queries.event_bus_capability: one tile per capability the spec "
            "requires (durable delivery, dead-letter queue, replay, consumer-lag metrics).",
            8,
            7,
            steps=p.higher_is_better(1),
        ),
        [
            p.Query(
                queries.with_window(ha.queries.event_bus_capability, ctx.window),
                "{{capability}}",
                instant=True,
            )
        ],
        mappings=[p.value_text(CAPABILITY_MAPPING)],
        links=ctx.links("event_bus"),
    )
