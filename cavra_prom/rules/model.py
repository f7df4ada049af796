"""The rules document: groups of recording and alerting rules, as Prometheus reads them.

Generation steps build these frozen values; only :mod:`cavra_prom.rules.render` turns them
into YAML. Keeping the document typed (rather than nested dicts) lets the steps and the tests
ask questions of it (which alerts exist, what severity) without re-parsing YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cavra_prom import conventions as names
from cavra_prom.promql.queries import format_duration

Severity = Literal["page", "ticket"]


@dataclass(frozen=True)
class RecordingRule:
    """``record: name`` / ``expr``: a precomputed series other rules and boards read.

    ``labels`` repeat the label a per-suite rule's expression already carries: several rules
    may record one name only if their static labels tell them apart (promtool's lint).
    """

    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        rule: dict[str, object] = {"record": self.record, "expr": self.expr}
        if self.labels:
            rule["labels"] = dict(sorted(self.labels.items()))
        return rule


@dataclass(frozen=True)
class AlertText:
    """What a human reads: a one-line summary, a description with the values, a runbook."""

    summary: str
    description: str
    runbook_url: str


@dataclass(frozen=True)
class AlertRule:
    """An alerting rule; ``severity`` decides the Alertmanager route (page or ticket)."""

    alert: str
    expr: str
    severity: Severity
    text: AlertText
    for_seconds: float = 0.0
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        rule: dict[str, object] = {"alert": self.alert, "expr": self.expr}
        if self.for_seconds > 0:
            rule["for"] = format_duration(self.for_seconds)
        rule["labels"] = {names.LABEL_SEVERITY: self.severity, **dict(sorted(self.labels.items()))}
        rule["annotations"] = {
            names.ANNOTATION_SUMMARY: self.text.summary,
            names.ANNOTATION_DESCRIPTION: self.text.description,
            names.ANNOTATION_RUNBOOK_URL: self.text.runbook_url,
        }
        return rule


Rule = RecordingRule | AlertRule


@dataclass(frozen=True)
class RuleGroup:
    """Rules evaluated together at one interval (chosen for the windows they read)."""

    name: str
    interval_seconds: float
    rules: tuple[Rule, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "interval": format_duration(self.interval_seconds),
            "rules": [rule.to_dict() for rule in self.rules],
        }


@dataclass(frozen=True)
class RulesDocument:
    """A Prometheus rule file: the ordered groups."""

    groups: tuple[RuleGroup, ...]

    def to_dict(self) -> dict[str, object]:
        return {"groups": [group.to_dict() for group in self.groups if group.rules]}

    def alerts(self) -> list[AlertRule]:
        return [r for g in self.groups for r in g.rules if isinstance(r, AlertRule)]

    def recording_rules(self) -> list[RecordingRule]:
        return [r for g in self.groups for r in g.rules if isinstance(r, RecordingRule)]
