"""Step 2 of the SLO board: each suite's SLIs over time, beside its objective.

The objective lines come from the gauges each suite exports
(``cavra_slo_latency_threshold_seconds``, ``cavra_slo_throughput_min``), not from numbers
baked into the board, so a spec change shows up on the next scrape.
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders.dashboard import DashboardLink
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom import conventions as names
from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.gate import P95_QUANTILE
from cavra_prom.promql import queries

SUITE_LEGEND = "{{suite}}"
OBJECTIVE_LEGEND = "{{suite}} objective"
DRILL_DOWN_LINK = (
    "/d/" + names.DASHBOARD_SUITE_UID + "?var-suite=${__field.labels.suite}"
    "&${datasource:queryparam}&${window:queryparam}&${__url_time_range}"
)


def suite_panels(ctx: BoardContext) -> Sequence[cogbuilder.Builder[model.Panel]]:
    """p95 and throughput (with objectives), within-SLO ratio, error ratio, sample rate."""
    return (
        _p95(ctx),
        _throughput(ctx),
        p.timeseries_panel(
            p.Look(
                "Within-SLO ratio",
                f"Share of operations at or under the p95 threshold; below {P95_QUANTILE:.0%} "
                "the p95 is over its SLO.",
                8,
                7,
                unit=p.UNIT_RATIO,
                steps=p.higher_is_better(P95_QUANTILE),
            ),
            [p.Query(queries.within_slo_ratio(ctx.window, ctx.suite_matchers), SUITE_LEGEND)],
            links=ctx.links("suite_latency"),
        ),
        p.timeseries_panel(
            p.Look(
                "Error ratio",
                "Share of operations that failed (outcome=error).",
                8,
                7,
                unit=p.UNIT_RATIO,
                steps=_error_steps(ctx),
            ),
            [p.Query(queries.error_ratio(ctx.window, ctx.suite_matchers), SUITE_LEGEND)],
            links=ctx.links("suite_errors"),
        ),
        p.timeseries_panel(
            p.Look(
                "Sample rate",
                "Latency samples recorded per second. Bursty suites (serve.mode: burst) show "
                "a saw-tooth; a flat zero means the suite stopped running.",
                8,
                7,
                unit=p.UNIT_OPS,
            ),
            [p.Query(queries.sample_rate(ctx.window, ctx.suite_matchers), SUITE_LEGEND)],
            links=ctx.links("suite_stale"),
        ),
    )


def _p95(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    panel = p.timeseries_panel(
        p.Look(
            "p95 latency vs objective",
            "histogram_quantile(0.95) over $window per suite (solid), the same number the "
            "packet and the rules use; dashed: the suite's p95 objective. Click a series to "
            "open the suite's drill-down board.",
            12,
            8,
            unit=p.UNIT_SECONDS,
        ),
        [
            p.Query(
                queries.latency_quantile(P95_QUANTILE, ctx.window, ctx.suite_matchers),
                SUITE_LEGEND,
            ),
            p.Query(queries.latency_threshold(ctx.suite_matchers), OBJECTIVE_LEGEND),
        ],
        dashed=["B"],
        links=ctx.links("suite_latency"),
    )
    return panel.data_links(_drill_down())


def _throughput(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    panel = p.timeseries_panel(
        p.Look(
            "Throughput vs floor",
            "Operations per active second (increase of operations over increase of active "
            "seconds), right for bursty and continuous load; dashed: the suite's floor.",
            12,
            8,
            unit=p.UNIT_OPS,
        ),
        [
            p.Query(queries.throughput(ctx.window, ctx.suite_matchers), SUITE_LEGEND),
            p.Query(queries.throughput_floor(ctx.suite_matchers), OBJECTIVE_LEGEND),
        ],
        dashed=["B"],
        links=ctx.links("suite_throughput"),
    )
    return panel.data_links(_drill_down())


def _drill_down() -> list[cogbuilder.Builder[model.DashboardLink]]:
    return [DashboardLink("Open the suite drill-down").url(DRILL_DOWN_LINK)]


def _error_steps(ctx: BoardContext) -> tuple[p.Step, ...]:
    """The strictest error-ratio objective among the suites, when the spec sets any."""
    limits = [s.slo.error_ratio_max for s in ctx.spec.suites if s.slo.error_ratio_max is not None]
    return p.lower_is_better(min(limits)) if limits else ((None, p.GREEN),)
