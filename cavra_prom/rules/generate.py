"""Generation as small ordered steps (the sloth habit): each step is a pure function from the
plan (spec + options) to rule groups; the document is their concatenation, in this order.

Recording rules come first so a reader meets each series before the alerts that read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from cavra_prom.rules.drills import drill_alerts
from cavra_prom.rules.ha import burn_rate_recording_rules, ha_alerts
from cavra_prom.rules.model import RuleGroup, RulesDocument
from cavra_prom.rules.options import RuleOptions
from cavra_prom.rules.plan import Plan
from cavra_prom.rules.service import service_alerts
from cavra_prom.rules.suites import baseline_recording_rules, sli_recording_rules, suite_alerts
from cavra_prom.rules.validate import check_spec
from cavra_prom.spec.model import Spec

Step = Callable[[Plan], tuple[RuleGroup, ...]]

STEPS: Final[tuple[Step, ...]] = (
    sli_recording_rules,
    baseline_recording_rules,
    burn_rate_recording_rules,
    suite_alerts,
    service_alerts,
    drill_alerts,
    ha_alerts,
)

BUILT_IN_SOURCE: Final = "built-in spec"


def generate_rules(
    spec: Spec, options: RuleOptions | None = None, *, source: str = BUILT_IN_SOURCE
) -> RulesDocument:
    """The rules document for ``spec``; raises ``SpecError`` naming ``source`` on bad input."""
    check_spec(spec, source)
    plan = Plan(spec, options or RuleOptions())
    groups = tuple(group for step in STEPS for group in step(plan) if group.rules)
    return RulesDocument(groups)
