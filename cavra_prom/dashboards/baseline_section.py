"""Step 3 of the SLO board: each suite now against its baseline window.

The baseline is the same window ``regression.offset_seconds`` earlier (the PromQL baseline
the evaluator and the regression alerts use). Suites are grouped by their regression policy
(offset and allowed change): one set of panels per group, each with that group's limits as
thresholds, so no suite is compared against another suite's policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom import conventions as names
from cavra_prom.dashboards import panels as p
from cavra_prom.dashboards.context import BoardContext
from cavra_prom.gate import P95_QUANTILE
from cavra_prom.promql import queries
from cavra_prom.spec.model import Spec


@dataclass(frozen=True)
class RegressionGroup:
    """Suites sharing one regression policy, and the matchers that select them."""

    offset: str
    p95_increase_max: float
    throughput_decrease_max: float
    suite_ids: tuple[str, ...]
    matchers: str


def regression_groups(spec: Spec, base_matchers: str) -> tuple[RegressionGroup, ...]:
    """Group suites by (offset, limits), in spec order.

    With one group (the usual case) the panels select every suite the picker allows, so a
    suite added later appears too; with several, each group's panels name their suites.
    """
    keyed: dict[tuple[float, float, float], list[str]] = {}
    for suite in spec.suites:
        r = suite.regression
        key = (r.offset_seconds, r.p95_increase_max, r.throughput_decrease_max)
        keyed.setdefault(key, []).append(suite.id)
    groups = []
    for (offset, p95_max, throughput_max), ids in keyed.items():
        matchers = base_matchers
        if len(keyed) > 1:
            matchers = f'{base_matchers},{names.LABEL_SUITE}=~"{"|".join(ids)}"'
        groups.append(
            RegressionGroup(
                queries.format_duration(offset), p95_max, throughput_max, tuple(ids), matchers
            )
        )
    return tuple(groups)


def group_title(group: RegressionGroup, count: int) -> str:
    title = f"Now vs baseline (same window {group.offset} earlier)"
    return title if count == 1 else f"{title}: {', '.join(group.suite_ids)}"


def baseline_panels(
    ctx: BoardContext, group: RegressionGroup
) -> Sequence[cogbuilder.Builder[model.Panel]]:
    """p95 and throughput now (solid) and at the baseline (dashed), and their change."""
    now, then = "{{suite}} now", "{{suite}} " + group.offset + " earlier"
    w, o, m = ctx.window, group.offset, group.matchers
    q = P95_QUANTILE
    return (
        p.timeseries_panel(
            p.Look(
                "p95: now vs baseline",
                "p95 over $window, now and at the baseline.",
                8,
                8,
                unit=p.UNIT_SECONDS,
            ),
            [
                p.Query(queries.latency_quantile(q, w, m), now),
                p.Query(queries.latency_quantile_baseline(q, w, o, m), then),
            ],
            dashed=["B"],
            links=ctx.links("regression"),
        ),
        p.timeseries_panel(
            p.Look(
                "Throughput: now vs baseline",
                "Throughput now and at the baseline.",
                8,
                8,
                unit=p.UNIT_OPS,
            ),
            [
                p.Query(queries.throughput(w, m), now),
                p.Query(queries.throughput_baseline(w, o, m), then),
            ],
            dashed=["B"],
            links=ctx.links("regression"),
        ),
        p.stat_panel(
            p.Look(
                "p95 change",
                f"p95 now / baseline - 1. Red from +{group.p95_increase_max:.0%} "
                "(regression.p95_increase_max).",
                4,
                8,
                unit=p.UNIT_RATIO,
                decimals=1,
                steps=p.lower_is_better(group.p95_increase_max),
            ),
            [p.Query(queries.latency_quantile_change(q, w, o, m), "{{suite}}", instant=True)],
            links=ctx.links("regression"),
        ),
        p.stat_panel(
            p.Look(
                "Throughput change",
                f"Throughput now / baseline - 1. Red below -{group.throughput_decrease_max:.0%} "
                "(regression.throughput_decrease_max).",
                4,
                8,
                unit=p.UNIT_RATIO,
                decimals=1,
                steps=p.higher_is_better(-group.throughput_decrease_max),
            ),
            [p.Query(queries.throughput_change(w, o, m), "{{suite}}", instant=True)],
            links=ctx.links("regression"),
        ),
    )
