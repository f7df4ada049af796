"""The drill-down board's panels: one suite in depth (quantiles, buckets, sample floor).

The SLO board shows every suite's p95; when one goes red this board shows the same suite's
p50/p95/p99, how its latency spreads across buckets, and whether the window holds enough
samples for the gate to judge it at all (``gate.min_samples_per_suite``).
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import heatmap
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.gate import P95_QUANTILE
from cavra_prom.promql import queries

QUANTILES = (0.5, P95_QUANTILE, 0.99)
HEATMAP_WINDOW = "$__rate_interval"


def latency_panels(ctx: BoardContext) -> Sequence[cogbuilder.Builder[model.Panel]]:
    m, w = ctx.suite_matchers, ctx.window
    quantile_queries = [
        p.Query(queries.latency_quantile(q, w, m), f"p{q * 100:g}") for q in QUANTILES
    ]
    return (
        p.timeseries_panel(
            p.Look(
                "Latency quantiles vs p95 objective",
                "p50, p95 and p99 over $window (histogram_quantile); dashed: the p95 "
                "objective (cavra_slo_latency_threshold_seconds).",
                16,
                8,
                unit=p.UNIT_SECONDS,
            ),
            [*quantile_queries, p.Query(queries.latency_threshold(m), "p95 objective")],
            dashed=[p.ref_ids(len(QUANTILES) + 1)[-1]],
            links=ctx.links("suite_latency"),
        ),
        _heatmap(ctx),
    )


def _heatmap(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    query = (
        Dataquery()
        .expr(queries.bucket_increase(HEATMAP_WINDOW, ctx.suite_matchers))
        .ref_id("A")
        .datasource(p.DATASOURCE)
        .legend_format("{{le}}")
        .format(PromQueryFormat.HEATMAP)
        .range()
    )
    return (
        heatmap.Panel()
        .title("Latency buckets")
        .description(
            "Operations per latency bucket over time; the p95 objective is a bucket "
            "bound, so the share above it is exact."
        )
        .datasource(p.DATASOURCE)
        .span(8)
        .height(8)
        .unit(p.UNIT_SECONDS)
        .scale_distribution(
            common_builders.ScaleDistributionConfig().type(common.ScaleDistribution.LINEAR)
        )
        .with_target(query)
    )


def volume_panels(ctx: BoardContext) -> Sequence[cogbuilder.Builder[model.Panel]]:
    m, w = ctx.suite_matchers, ctx.window
    floor = ctx.spec.gate.min_samples_per_suite
    return (
        p.timeseries_panel(
            p.Look(
                "Throughput vs floor",
                "Operations per active second; dashed: the floor.",
                8,
                7,
                unit=p.UNIT_OPS,
            ),
            [
                p.Query(queries.throughput(w, m), "throughput"),
                p.Query(queries.throughput_floor(m), "floor"),
            ],
            dashed=["B"],
            links=ctx.links("suite_throughput"),
        ),
        p.timeseries_panel(
            p.Look(
                "Within-SLO and error ratios",
                "Share within the p95 threshold, and share of errors.",
                8,
                7,
                unit=p.UNIT_RATIO,
            ),
            [
                p.Query(queries.within_slo_ratio(w, m), "within SLO"),
                p.Query(queries.error_ratio(w, m), "errors"),
            ],
            links=ctx.links("suite_errors"),
        ),
        p.stat_panel(
            p.Look(
                "Samples in $window",
                f"The gate needs at least {floor} samples "
                "(gate.min_samples_per_suite) to judge a suite.",
                4,
                7,
                steps=p.higher_is_better(floor),
            ),
            [p.Query(queries.sample_count(w, m), instant=True)],
            links=ctx.links("suite_stale"),
        ),
        p.stat_panel(
            p.Look(
                "Last run (ago)",
                "Seconds since the suite last recorded a run.",
                4,
                7,
                unit=p.UNIT_SECONDS,
            ),
            [p.Query(queries.suite_last_run_age(m), instant=True)],
            links=ctx.links("suite_stale"),
        ),
    )
