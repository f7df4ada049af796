"""Prometheus rules from the spec: recording rules, alerts, and the rule file text.

``generate_rules(spec, options)`` is pure (spec + options -> :class:`RulesDocument`);
``render_rules(document, command)`` gives the file text. Expressions come from the shared
builders in :mod:`cavra_prom.promql.queries`, so the number that pages is the packet's number.
"""

from __future__ import annotations

from cavra_prom.rules.generate import BUILT_IN_SOURCE, STEPS, generate_rules
from cavra_prom.rules.model import AlertRule, RecordingRule, RuleGroup, RulesDocument
from cavra_prom.rules.options import RuleOptions
from cavra_prom.rules.render import regenerate_command, render_rules

__all__ = [
    "BUILT_IN_SOURCE",
    "STEPS",
    "AlertRule",
    "RecordingRule",
    "RuleGroup",
    "RuleOptions",
    "RulesDocument",
    "generate_rules",
    "regenerate_command",
    "render_rules",
]
