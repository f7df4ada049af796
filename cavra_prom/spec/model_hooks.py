"""The validated model of drill hooks: a failure drill against the user's own system.

A hook drill injects a fault by an HTTP call or a command, optionally drives load while the
fault is on, checks assertions (PromQL against the user's own metrics, or HTTP/command
checks), recovers, and times recovery until a readiness check passes. The reader is
:mod:`cavra_prom.spec.validate_hooks`; the runner is :mod:`cavra_prom.drills.hooks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from cavra_prom.spec.model_targets import CommandCall, HttpCall

CUSTOM_FAULT: Final = "custom"
"""The ``fault`` of a drill whose fault is whatever its hooks inject."""

AssertionPhase = Literal["fault", "recovered"]
COMPARISONS: Final = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class HookAction:
    """One step a drill takes or checks: exactly one of an HTTP call or a command."""

    http: HttpCall | None = None
    command: CommandCall | None = None

    def describe(self) -> str:
        if self.http is not None:
            return f"{self.http.method} {self.http.url}"
        if self.command is not None:
            return " ".join(self.command.argv)
        return "nothing"


@dataclass(frozen=True)
class PromqlCheck:
    """A PromQL assertion.

    Without ``compare`` the expression is a filtering comparison (alerting-rule style): it
    holds when the query returns at least one sample. With ``compare`` (an operator and a
    number) every returned sample must satisfy it. Either way an empty result is "no data",
    and the drill fails with that reason.
    """

    expr: str
    compare: tuple[str, float] | None = None


@dataclass(frozen=True)
class DrillAssertion:
    """One named assertion, checked while the fault is on or after recovery."""

    name: str
    promql: PromqlCheck | None = None
    check: HookAction | None = None
    phase: AssertionPhase = "fault"


@dataclass(frozen=True)
class DrillHooks:
    """How a hook drill injects, loads, checks, recovers and proves readiness.

    ``duration_seconds`` is how long the fault stays on; ``settle_seconds`` is a pause before
    assertions are read (Prometheus needs a scrape to see the latest state). ``load`` runs at
    most the drill's ``operations`` times while the fault is on. ``prometheus_url`` is where
    PromQL assertions go; without it the URL given to the drill runner (``cavra serve
    --prometheus-url``) or ``CAVRA_PROMETHEUS_URL`` is used.
    """

    inject: HookAction
    readiness: HookAction
    recover: HookAction | None = None
    load: HookAction | None = None
    duration_seconds: float = 5.0
    settle_seconds: float = 0.0
    assertions: tuple[DrillAssertion, ...] = ()
    prometheus_url: str | None = None
    probe_interval_seconds: float = 0.25
