"""Refuse a spec whose rules could never fire, before writing any rule.

A burn-rate alert fires when the burn rate exceeds its factor, and the burn rate cannot exceed
1 / (1 - objective) (every request failing). With objective 0.9 the ceiling is 10, so the
14.4x page would stay silent through a total outage: the generator says so instead.
"""

from __future__ import annotations

from cavra_prom.errors import Problem, SpecError
from cavra_prom.rules import text as t
from cavra_prom.rules.windows import burn_pairs, can_fire, max_burn_rate
from cavra_prom.spec.model import Spec

OBJECTIVE_PATH = "ha_dr.availability.objective"


def check_spec(spec: Spec, source: str) -> None:
    """Raise :class:`SpecError` (one line naming ``source`` and the path) if rules cannot fire."""
    availability = spec.ha_dr.availability
    objective = availability.objective
    dead = [p for p in burn_pairs(availability.period_days) if not can_fire(p.factor, objective)]
    if not dead:
        return
    factors = ", ".join(f"{t.number(p.factor)}x ({p.severity})" for p in dead)
    largest = max(p.factor for p in dead)
    message = (
        f"burn-rate factor(s) {factors} can never fire at objective {t.number(objective)}: "
        f"a burn rate cannot exceed 1/(1 - {t.number(objective)}) = "
        f"{max_burn_rate(objective):.4g}; use an objective above {1 - 1 / largest:.6g}"
    )
    raise SpecError([Problem(source, OBJECTIVE_PATH, message)])
