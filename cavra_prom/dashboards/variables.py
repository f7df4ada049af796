"""The boards' template variables: datasource, suite (multi or single), window.

The datasource is a variable so one board serves any Prometheus (or Thanos, Mimir) a Grafana
knows; the suite list is read from ``cavra_slo_latency_threshold_seconds``, which every
running suite exports, so a suite added to the spec shows up without regenerating the board.
``$window`` is the evaluation window: the board's numbers equal the packet's when it matches
``cavra serve --window`` (default 5m).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom import conventions as names
from cavra_prom.dashboards.panels import DATASOURCE

WINDOW_CHOICES = ("1m", "5m", "15m", "30m", "1h", "6h")
DEFAULT_WINDOW = "5m"

SUITE_MATCHERS = f'{names.LABEL_SUITE}=~"${names.DASHBOARD_VAR_SUITE}"'
"""Splices into every suite selector, so the suite picker filters every suite panel."""

WINDOW = "$" + names.DASHBOARD_VAR_WINDOW


def datasource() -> board.DatasourceVariable:
    return (
        board.DatasourceVariable(names.DASHBOARD_VAR_DATASOURCE)
        .label("Prometheus")
        .type("prometheus")
        .description("The Prometheus that scrapes cavra serve (or holds its metrics).")
    )


def suite(*, multi: bool) -> board.QueryVariable:
    """Suites present in Prometheus; multi-value with All (``.*``) on the SLO board."""
    query = f"label_values({names.SLO_LATENCY_THRESHOLD_SECONDS}, {names.LABEL_SUITE})"
    variable = (
        board.QueryVariable(names.DASHBOARD_VAR_SUITE)
        .label("Suite")
        .datasource(DATASOURCE)
        .query(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(multi)
        .include_all(multi)
    )
    if multi:
        variable = variable.all_value(".*").current(
            model.VariableOption(selected=True, text="All", value="$__all")
        )
    return variable


def window() -> board.IntervalVariable:
    return (
        board.IntervalVariable(names.DASHBOARD_VAR_WINDOW)
        .label("Window")
        .description("The evaluation window (cavra serve --window); 5m by default.")
        .values(",".join(WINDOW_CHOICES))
        .current(model.VariableOption(selected=True, text=DEFAULT_WINDOW, value=DEFAULT_WINDOW))
        .options(
            [
                model.VariableOption(selected=choice == DEFAULT_WINDOW, text=choice, value=choice)
                for choice in WINDOW_CHOICES
            ]
        )
    )
