"""Check one drill assertion: PromQL against the user's own metrics, or an HTTP/command check.

PromQL goes through the project's PromQL client (:class:`~cavra_prom.promql.client.PromQLClient`:
timeouts, retries, credentials kept out of messages). The rule for "held" is the alerting
rule's: a filtering comparison holds when it returns at least one sample; with ``expect`` every
sample must satisfy the comparison. An empty result is never a pass: the metric may not exist,
the service may not be scraped, or the condition is false, and the reason says so.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cavra_prom.drills.actions import perform
from cavra_prom.drills.model import Observation
from cavra_prom.promql.client import PromQLClient
from cavra_prom.promql.faults import SourceFault
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.spec.model_hooks import DrillAssertion, PromqlCheck

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
NO_PROMETHEUS: Final = (
    "a PromQL assertion needs a Prometheus: set hooks.prometheus_url in the spec, pass "
    "--prometheus-url to cavra serve, or set CAVRA_PROMETHEUS_URL"
)


@dataclass(frozen=True)
class AssertionOutcome:
    held: bool
    observed: Observation
    word: str = ""
    reason: str = ""


def _failed(observed: Observation, word: str, reason: str) -> AssertionOutcome:
    return AssertionOutcome(False, observed, word, reason)


def _show(value: float) -> Observation:
    """A sample value as an observation (packets are strict JSON: no NaN or Infinity)."""
    return value if math.isfinite(value) else str(value)


def check_promql(check: PromqlCheck, source: PrometheusSource | None) -> AssertionOutcome:
    """Evaluate ``check`` now against ``source`` (see the module docstring for "held")."""
    if source is None:
        return _failed("no_prometheus", "assertion_error", NO_PROMETHEUS)
    try:
        with PromQLClient(source) as client:
            result = client.query(check.expr, time.time())
    except SourceFault as exc:
        return _failed("query_failed", "assertion_error", f"query failed: {exc.message}")
    values = [sample.value for sample in result.samples]
    if not values:
        return _failed(
            "no_data",
            "assertion_no_data",
            f"{check.expr} returned no data (the condition is false, or the series do not "
            "exist: is the service scraped?)",
        )
    if check.compare is None:
        return AssertionOutcome(True, _show(values[0]))
    op, bound = check.compare
    for value in values:
        if not _COMPARE[op](value, bound):
            return _failed(
                _show(value),
                "assertion_failed",
                f"{check.expr} is {value:g}, expected {op} {bound:g}",
            )
    return AssertionOutcome(True, _show(values[0]))


def check_assertion(assertion: DrillAssertion, source: PrometheusSource | None) -> AssertionOutcome:
    """Check one assertion; never raises for the check's own failure."""
    if assertion.promql is not None:
        return check_promql(assertion.promql, source)
    if assertion.check is None:
        return _failed("nothing", "assertion_error", "the assertion has nothing to check")
    outcome = perform(assertion.check)
    if outcome.ok:
        return AssertionOutcome(True, outcome.detail)
    return _failed(
        outcome.detail,
        "assertion_failed",
        f"check {assertion.check.describe()} failed: {outcome.detail}",
    )
