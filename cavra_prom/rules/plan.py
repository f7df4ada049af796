"""What every generation step needs: the spec, the options and the names derived from them.

Recording-rule names carry their window (``..._rate5m``), so a test build with a 10s window
writes ``..._rate10s``: a name never claims a window its expression does not use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cavra_prom import conventions as names
from cavra_prom.promql.queries import format_duration
from cavra_prom.rules.options import RuleOptions
from cavra_prom.rules.windows import half_interval, interval_for, pending_for
from cavra_prom.spec.model import Spec, SuiteSpec


@dataclass(frozen=True)
class RuleNames:
    """Recording-rule names for one SLI window."""

    p95: str
    p95_baseline: str
    throughput: str
    within_slo: str
    errors: str
    operations: str

    @classmethod
    def for_window(cls, window: str) -> RuleNames:
        p95 = names.RULE_SUITE_P95 + window
        return cls(
            p95=p95,
            p95_baseline=p95 + names.RULE_SUITE_P95_BASELINE_SUFFIX,
            throughput=names.RULE_SUITE_THROUGHPUT + window,
            within_slo=names.RULE_SUITE_WITHIN_SLO + window,
            errors=names.RULE_SUITE_ERRORS + window,
            operations=names.RULE_SUITE_OPERATIONS + window,
        )


def burn_rate_name(window: str) -> str:
    return names.RULE_HA_BURN_RATE + window


def label_equals(label: str, value: str) -> str:
    """``label="value"`` with the value quoted as a PromQL string (JSON escaping is valid)."""
    return f"{label}={json.dumps(value)}"


def suite_matcher(suite: SuiteSpec) -> str:
    return label_equals(names.LABEL_SUITE, suite.id)


def suite_labels(suite: SuiteSpec) -> dict[str, str]:
    """Static labels of a per-suite rule (what its expression yields, stated for promtool)."""
    return {names.LABEL_SUITE: suite.id}


@dataclass(frozen=True)
class Plan:
    """The inputs of generation plus the values derived once from them."""

    spec: Spec
    options: RuleOptions

    @property
    def window(self) -> str:
        return format_duration(self.options.window_seconds)

    @property
    def names(self) -> RuleNames:
        return RuleNames.for_window(self.window)

    @property
    def sli_interval(self) -> float:
        return interval_for(self.options.window_seconds)

    @property
    def sli_pending(self) -> float:
        return pending_for(self.options.window_seconds)

    @property
    def service_interval(self) -> float:
        """Half serve's evaluation interval: a stale packet is noticed within half of one."""
        return half_interval(self.options.evaluation_interval_seconds)

    def group_name(self, suffix: str) -> str:
        return names.RULE_GROUP_PREFIX + suffix

    def runbook(self, alert: str) -> str:
        """The runbook section of ``alert``: its heading's anchor (the name, lower-cased)."""
        return f"{self.options.runbook_url}#{alert.lower()}"

    def baseline_offset(self, suite: SuiteSpec) -> float:
        override = self.options.baseline_offset_seconds
        return suite.regression.offset_seconds if override is None else override
