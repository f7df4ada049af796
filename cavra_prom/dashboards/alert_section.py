"""Firing cavra alerts: markers on every time series and a table of what fires now.

Both read Prometheus's own ``ALERTS`` series, so the board needs no Alertmanager access. The
table is the one panel that may legitimately be empty: it then says no alert is firing.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom import conventions as names
from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.runbook import ALERTNAME_REGEX
from cavra_prom.promql import queries

NO_ALERTS = "No cavra alert is firing"
HIDDEN_COLUMNS = ("Time", "Value", "__name__", names.LABEL_ALERTSTATE)


def alert_annotation() -> board.AnnotationQuery:
    return (
        board.AnnotationQuery()
        .name("Firing cavra alerts")
        .datasource(p.DATASOURCE)
        .enable(True)
        .icon_color(p.RED)
        .expr(queries.firing_alerts(ALERTNAME_REGEX))
    )


def firing_table() -> cogbuilder.Builder[model.Panel]:
    return p.table_panel(
        p.Look(
            "Firing cavra alerts",
            "Alerts firing now, with their labels. Each alert's runbook section is linked "
            "from the panels it is about and from the board's links.",
            24,
            5,
        ),
        [p.Query(queries.firing_alerts(ALERTNAME_REGEX), instant=True, table=True)],
        transformations=[
            model.DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": dict.fromkeys(HIDDEN_COLUMNS, True)},
            )
        ],
        no_value=NO_ALERTS,
    )
