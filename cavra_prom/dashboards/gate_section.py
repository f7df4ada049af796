"""Step 1 of the SLO board: the release gate at a glance, and who holds it back.

Gate status, blocker count, packet age and firing alerts answer "can we ship?"; the suite
and drill tiles beside them answer "if not, why?" without scrolling.
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.dashboards.runbook import ALERTNAME_REGEX
from cavra_prom.gate import P95_QUANTILE
from cavra_prom.promql import queries

GATE_MAPPING = (("1", "READY", p.GREEN), ("0", "BLOCKED", p.RED))
DRILL_MAPPING = (("1", "pass", p.GREEN), ("0", "FAIL", p.RED))


def gate_panels(
    ctx: BoardContext, late_seconds: float, stale_seconds: float
) -> Sequence[cogbuilder.Builder[model.Panel]]:
    """The first row: gate, blockers, packet age, firing alerts, suites and drills.

    The packet age is orange from ``late_seconds`` and red from ``stale_seconds`` (when
    CavraPacketStale fires).
    """
    return (
        p.stat_panel(
            p.Look(
                "Gate",
                "cavra_gate_ready of the latest packet: READY when no check is a blocker.",
                4,
                5,
                steps=p.higher_is_better(1),
            ),
            [p.Query(queries.gate_ready(), instant=True)],
            mappings=[p.value_text(GATE_MAPPING)],
            links=ctx.links("gate"),
        ),
        p.stat_panel(
            p.Look(
                "Blockers",
                "Checks of the latest gate that block the release (cavra_gate_blockers).",
                3,
                5,
                steps=p.lower_is_better(1),
            ),
            [p.Query(queries.gate_blockers(), instant=True)],
            links=ctx.links("gate"),
        ),
        p.stat_panel(
            p.Look(
                "Packet age",
                "Seconds since cavra serve last rendered a packet. A stale packet means the "
                "evaluator is stuck or down: its verdict no longer describes the system.",
                3,
                5,
                unit=p.UNIT_SECONDS,
                steps=p.lower_is_better(stale_seconds, warn=late_seconds),
            ),
            [p.Query(queries.packet_age(), instant=True)],
            links=ctx.links("packet"),
        ),
        p.stat_panel(
            p.Look(
                "Firing alerts",
                "cavra alerts firing now (Prometheus ALERTS). Markers on the time series "
                "show when each fired.",
                3,
                5,
                steps=p.lower_is_better(1),
            ),
            [p.Query(queries.firing_alert_count(ALERTNAME_REGEX), instant=True)],
        ),
        _suite_tiles(ctx),
        _drill_tiles(ctx),
    )


def _suite_tiles(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    return p.stat_panel(
        p.Look(
            "Suites: share of operations within the p95 threshold",
            f"Per suite over $window. At or above {P95_QUANTILE:.0%} means the p95 is within "
            "its SLO (the threshold is a bucket bound, so this is exact); red names the suite "
            "holding the gate back.",
            11,
            5,
            unit=p.UNIT_RATIO,
            steps=p.higher_is_better(P95_QUANTILE),
            decimals=1,
        ),
        [
            p.Query(
                queries.within_slo_ratio(ctx.window, ctx.suite_matchers),
                legend="{{suite}}",
                instant=True,
            )
        ],
        links=ctx.links("suite_latency"),
    )


def _drill_tiles(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    return p.stat_panel(
        p.Look(
            "Failure drills: last run",
            "cavra_drill_passed per drill: FAIL names the drill holding the gate back.",
            24,
            3,
            steps=p.higher_is_better(1),
        ),
        [p.Query(queries.drill_passed(), legend="{{drill}}", instant=True)],
        mappings=[p.value_text(DRILL_MAPPING)],
        links=ctx.links("drills"),
    )
