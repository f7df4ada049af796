"""Step 4 of the SLO board: the failure drills as one table (passed, last run, recovery).

Three instant queries, one row per drill after Grafana's ``merge`` on the ``drill`` label.
A drill older than twice its schedule is stale (``drills[].schedule_seconds``): the age
column turns red then, when every drill shares one schedule.
"""

from __future__ import annotations

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.dashboards.gate_section import DRILL_MAPPING
from cavra_prom.promql import queries
from cavra_prom.spec.model import Spec

PASSED, AGE, RECOVERY = "Passed", "Last run (ago)", "Recovery"
STALE_FACTOR = 2.0
"""docs/spec.md: a drill is stale after twice its schedule."""


def drills_table(ctx: BoardContext) -> cogbuilder.Builder[model.Panel]:
    return p.table_panel(
        p.Look(
            "Failure drills",
            "Each drill's last run: passed (cavra_drill_passed), how long ago it ran "
            "(cavra_drill_last_run_timestamp_seconds) and how long the system took to serve "
            "normally after the fault was cleared (cavra_drill_recovery_seconds).",
            24,
            7,
        ),
        [
            p.Query(queries.drill_passed(), instant=True, table=True),
            p.Query(queries.drill_last_run_age(), instant=True, table=True),
            p.Query(queries.drill_recovery_seconds(), instant=True, table=True),
        ],
        transformations=[
            model.DataTransformerConfig(id_val="merge", options={}),
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True},
                    "renameByName": {
                        "drill": "Drill",
                        "Value #A": PASSED,
                        "Value #B": AGE,
                        "Value #C": RECOVERY,
                    },
                },
            ),
        ],
        overrides=[
            (PASSED, [_mappings(), _coloured(), _steps(p.higher_is_better(1))]),
            (AGE, [_unit(p.UNIT_SECONDS), _coloured(), _steps(_age_steps(ctx.spec))]),
            (RECOVERY, [_unit(p.UNIT_SECONDS)]),
        ],
    )


def _age_steps(spec: Spec) -> tuple[p.Step, ...]:
    schedules = {drill.schedule_seconds for drill in spec.drills}
    if len(schedules) != 1:
        return ((None, p.GREEN),)
    return p.lower_is_better(STALE_FACTOR * schedules.pop())


def _mappings() -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="mappings", value=[p.value_text(DRILL_MAPPING)])


def _coloured() -> model.DynamicConfigValue:
    return model.DynamicConfigValue(
        id_val="custom.cellOptions",
        value=common.TableColoredBackgroundCellOptions(
            mode=common.TableCellBackgroundDisplayMode.BASIC
        ),
    )


def _unit(unit: str) -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="unit", value=unit)


def _steps(steps: tuple[p.Step, ...]) -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="thresholds", value=p.thresholds_model(steps))
