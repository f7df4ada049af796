"""Re-judge a hook drill (one that injects faults into the user's own system) from its packet.

A hook drill's observations are what its steps and assertions saw: ``assertion_<name>`` is the
value a PromQL assertion read (or the detail of an HTTP/command check), ``recovered`` whether
readiness came back, ``failures`` how many steps failed. The spec the checker is given says
what each PromQL assertion required, so the recorded value is compared again here: a value
edited into the packet, or a comparison loosened after the fact, shows. An HTTP or command
check leaves only its detail text, so for those the drill's failure count is what is checked.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Final

from cavra_prom.drills.model import Observation
from cavra_prom.packet.drill_rules import DrillJudgement
from cavra_prom.spec.model_hooks import DrillAssertion, DrillHooks

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _number(value: Observation | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _assertion_problem(assertion: DrillAssertion, observed: Observation | None) -> str | None:
    key = f"assertion_{assertion.name}"
    if observed is None:
        return f"{key} was not observed"
    if assertion.promql is None:
        return None  # an HTTP/command check: its failure is counted in `failures`
    value = _number(observed)
    if value is None:
        return f"{key} is {observed!r}, not a sample value"
    if assertion.promql.compare is not None:
        op, bound = assertion.promql.compare
        if not _COMPARE[op](value, bound):
            return f"{key} is {value:g}, expected {op} {bound:g}"
    return None


def judge_hook_drill(hooks: DrillHooks, observations: Mapping[str, Observation]) -> DrillJudgement:
    """The verdict a hook drill's observations support under the spec's assertions."""
    if not observations:
        return DrillJudgement(False, "no_observations", "the drill carries no observations")
    failures = _number(observations.get("failures"))
    if failures:
        return DrillJudgement(False, "step_failed", f"{failures:g} drill step(s) failed")
    for assertion in hooks.assertions:
        problem = _assertion_problem(assertion, observations.get(f"assertion_{assertion.name}"))
        if problem:
            return DrillJudgement(False, "assertion_failed", problem)
    if observations.get("recovered") is not True:
        return DrillJudgement(False, "recovery_timeout", "readiness did not come back")
    return DrillJudgement(True, "", None)
