"""What every board step reads: the spec, the suite matchers, the window, the runbook links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cavra_prom.dashboards import variables
from cavra_prom.spec.model import Spec

RunbookLinks = Callable[[str], Sequence[tuple[str, str]]]
"""Topic (``suite_latency``, ``drills``, ...) -> (title, url) of each related alert's runbook."""


@dataclass(frozen=True)
class BoardContext:
    spec: Spec
    runbook: RunbookLinks
    suite_matchers: str = variables.SUITE_MATCHERS
    window: str = variables.WINDOW

    def links(self, topic: str) -> Sequence[tuple[str, str]]:
        return self.runbook(topic)
