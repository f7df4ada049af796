"""The four R6.1 failure drills, run for real against the reference runtime.

``run_drill`` injects a fault into a fresh runtime, drives load, judges the behaviour from
what the runtime's own store, bus, DLQ, outbox and evidence log show, clears the fault and
times recovery.
"""

from cavra_prom.drills.model import DrillResult
from cavra_prom.drills.runner import DRILL_FAULTS, run_drill

__all__ = ["DRILL_FAULTS", "DrillResult", "run_drill"]
