"""Generator options: what a deployment (or a test) may change without editing the spec."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

DEFAULT_JOB: Final = "cavra"
DEFAULT_EVALUATION_INTERVAL_SECONDS: Final = 60.0
DEFAULT_WINDOW_SECONDS: Final = 300.0
DEFAULT_RUNBOOK_URL: Final = "docs/runbook.md"


@dataclass(frozen=True)
class RuleOptions:
    """How to generate rules from a spec.

    ``job`` is the scrape job of ``cavra serve`` (the evaluator-down alert reads its ``up``).
    ``evaluation_interval_seconds`` is serve's packet interval: a packet older than three of
    them is stale. ``window_seconds`` is the SLI window of the recording rules (5m; tests use
    seconds). ``baseline_offset_seconds`` overrides every suite's regression offset (a test
    cannot wait a day for its baseline). ``runbook_url`` is where docs/runbook.md is served;
    each alert links to its section.
    """

    job: str = DEFAULT_JOB
    evaluation_interval_seconds: float = DEFAULT_EVALUATION_INTERVAL_SECONDS
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    baseline_offset_seconds: float | None = None
    runbook_url: str = DEFAULT_RUNBOOK_URL

    def __post_init__(self) -> None:
        positive = {
            "evaluation_interval_seconds": self.evaluation_interval_seconds,
            "window_seconds": self.window_seconds,
            "baseline_offset_seconds": self.baseline_offset_seconds,
        }
        for key, value in positive.items():
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{key} must be a finite number > 0, got {value!r}")
        if not self.job:
            raise ValueError("job must not be empty")
