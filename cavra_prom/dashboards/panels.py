"""Small wrappers over grafana-foundation-sdk builders: the house style of every cavra panel.

Each panel on the boards is one call here with a title, a description, a size and PromQL
from :mod:`cavra_prom.promql.queries`; the shared choices (the ``$datasource`` reference,
ref ids A, B, ..., threshold colours, how a threshold series is drawn) live in one place so
the boards cannot drift apart in style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.builders import stat, table, timeseries
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from cavra_prom import conventions as names

DATASOURCE = model.DataSourceRef(
    type_val="prometheus", uid="${" + names.DASHBOARD_VAR_DATASOURCE + "}"
)

# Grafana unit ids (see Grafana's valueFormats): seconds, minutes, ops per second, 0..1 as %.
UNIT_SECONDS = "s"
UNIT_MINUTES = "m"
UNIT_OPS = "ops"
UNIT_RATIO = "percentunit"
UNIT_COUNT = "none"
UNIT_TIME_FROM_NOW = "dateTimeFromNow"

GREEN = "green"
ORANGE = "orange"
RED = "red"
BLUE = "blue"

Step = tuple[float | None, str]


@dataclass(frozen=True)
class Query:
    """One PromQL target: the expression, its legend, and how Grafana should run it."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class Look:
    """What a panel looks like: title, why it is there, size, unit and thresholds."""

    title: str
    description: str
    width: int
    height: int
    unit: str = UNIT_COUNT
    steps: tuple[Step, ...] = ((None, GREEN),)
    decimals: int | None = None


def higher_is_better(floor: float) -> tuple[Step, ...]:
    """Red below ``floor``, green at or above it (ratios, throughput, replica counts)."""
    return ((None, RED), (floor, GREEN))


def lower_is_better(ceiling: float, warn: float | None = None) -> tuple[Step, ...]:
    """Green below ``ceiling``, red at or above it; orange from ``warn`` when given."""
    steps: list[Step] = [(None, GREEN)]
    if warn is not None and warn < ceiling:
        steps.append((warn, ORANGE))
    steps.append((ceiling, RED))
    return tuple(steps)


def target(query: Query, ref_id: str) -> Dataquery:
    built = Dataquery().expr(query.expr).ref_id(ref_id).datasource(DATASOURCE)
    if query.legend:
        built = built.legend_format(query.legend)
    if query.table:
        built = built.format(PromQueryFormat.TABLE)
    return built.instant() if query.instant else built.range()


def ref_ids(count: int) -> list[str]:
    """A, B, C, ... (Grafana's own naming, so an override ``by query`` reads naturally)."""
    return [chr(ord("A") + i) for i in range(count)]


def _steps(steps: Sequence[Step]) -> list[model.Threshold]:
    return [model.Threshold(value=value, color=color) for value, color in steps]


def _thresholds(steps: Sequence[Step]) -> board.ThresholdsConfig:
    return board.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(_steps(steps))


def thresholds_model(steps: Sequence[Step]) -> model.ThresholdsConfig:
    """Thresholds as a field-override value (overrides take models, not builders)."""
    return model.ThresholdsConfig(mode=model.ThresholdsMode.ABSOLUTE, steps=_steps(steps))


def _links(links: Sequence[tuple[str, str]]) -> list[cogbuilder.Builder[model.DashboardLink]]:
    return [board.DashboardLink(title).url(url).target_blank(True) for title, url in links]


def stat_panel(
    look: Look,
    queries: Sequence[Query],
    *,
    mappings: Sequence[model.ValueMap] = (),
    links: Sequence[tuple[str, str]] = (),
) -> stat.Panel:
    """A big number (or one tile per series) coloured by its thresholds."""
    panel = (
        stat.Panel()
        .title(look.title)
        .description(look.description)
        .datasource(DATASOURCE)
        .span(look.width)
        .height(look.height)
        .unit(look.unit)
        .thresholds(_thresholds(look.steps))
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .targets([target(q, ref) for q, ref in zip(queries, ref_ids(len(queries)), strict=True)])
    )
    if look.decimals is not None:
        panel = panel.decimals(look.decimals)
    if mappings:
        panel = panel.mappings(list(mappings))
    if links:
        panel = panel.links(_links(links))
    return panel


def timeseries_panel(
    look: Look,
    queries: Sequence[Query],
    *,
    dashed: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
) -> timeseries.Panel:
    """Lines over time; the ref ids in ``dashed`` (threshold or baseline series) are dashed.

    Thresholds are drawn as a line too, so a static objective shows on the chart itself.
    """
    panel = (
        timeseries.Panel()
        .title(look.title)
        .description(look.description)
        .datasource(DATASOURCE)
        .span(look.width)
        .height(look.height)
        .unit(look.unit)
        .thresholds(_thresholds(look.steps))
        .thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(
                common.GraphThresholdsStyleMode.LINE
                if len(look.steps) > 1
                else common.GraphThresholdsStyleMode.OFF
            )
        )
        .line_width(1)
        .fill_opacity(0)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .targets([target(q, ref) for q, ref in zip(queries, ref_ids(len(queries)), strict=True)])
    )
    if look.decimals is not None:
        panel = panel.decimals(look.decimals)
    for ref_id in dashed:
        panel = panel.override_by_query(ref_id, [_dash()])
    if links:
        panel = panel.links(_links(links))
    return panel


def _dash() -> model.DynamicConfigValue:
    return model.DynamicConfigValue(
        id_val="custom.lineStyle", value=common.LineStyle(fill="dash", dash=[10.0, 10.0])
    )


def table_panel(
    look: Look,
    queries: Sequence[Query],
    *,
    transformations: Sequence[model.DataTransformerConfig] = (),
    overrides: Sequence[tuple[str, list[model.DynamicConfigValue]]] = (),
    no_value: str = "",
) -> table.Panel:
    """One row per series (instant queries merged on their labels)."""
    panel = (
        table.Panel()
        .title(look.title)
        .description(look.description)
        .datasource(DATASOURCE)
        .span(look.width)
        .height(look.height)
        .unit(look.unit)
        .thresholds(_thresholds(look.steps))
        .targets([target(q, ref) for q, ref in zip(queries, ref_ids(len(queries)), strict=True)])
        .transformations(list(transformations))
        # Grafana's own defaults, written out: the SDK fills them in when it reads a board,
        # so leaving them out would break the round trip through its model.
        .align(common.FieldTextAlignment.AUTO)
        .inspect(False)
    )
    for field_name, properties in overrides:
        panel = panel.override_by_name(field_name, properties)
    if no_value:
        panel = panel.no_value(no_value)
    return panel


def value_text(mapping: Sequence[tuple[str, str, str]]) -> model.ValueMap:
    """Map exact values to text and colour: ``[("1", "PASS", "green"), ...]``."""
    return model.ValueMap(
        options={
            value: model.ValueMappingResult(text=text, color=color, index=index)
            for index, (value, text, color) in enumerate(mapping)
        }
    )


def row(title: str) -> board.Row:
    return board.Row(title)
