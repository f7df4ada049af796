"""Windows, intervals and burn-rate pairs: the arithmetic behind every group and alert.

The multiwindow, multi-burn-rate pairs are the Google SRE workbook's for a 30-day objective
(page at 14.4x over 1h with a 5m check, 6x over 6h/30m; ticket at 3x over 1d/2h, 1x over
3d/6h). For another period every window scales with it, so each pair still spends the same
share of the budget before it fires (14.4x over 1h is 2% of a 30-day budget).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cavra_prom import conventions as names
from cavra_prom.rules.model import Severity

WORKBOOK_PERIOD_DAYS: Final = 30.0
_HOUR: Final = 3600.0
_MINUTE: Final = 60.0
MIN_INTERVAL_SECONDS: Final = 1.0
MAX_FAST_INTERVAL_SECONDS: Final = 60.0
MAX_SLOW_INTERVAL_SECONDS: Final = 300.0
PENDING_SHARE_OF_WINDOW: Final = 0.4
"""An SLI alert must hold for 40% of its window (2m of 5m) before it fires: one slow
scrape does not page, and a real breach still pages within a window."""


@dataclass(frozen=True)
class BurnPair:
    """One multiwindow condition: both windows burn faster than ``factor``."""

    severity: Severity
    factor: float
    long_seconds: float
    short_seconds: float


WORKBOOK_PAIRS: Final = (
    BurnPair(names.SEVERITY_PAGE, 14.4, 1 * _HOUR, 5 * _MINUTE),
    BurnPair(names.SEVERITY_PAGE, 6.0, 6 * _HOUR, 30 * _MINUTE),
    BurnPair(names.SEVERITY_TICKET, 3.0, 24 * _HOUR, 2 * _HOUR),
    BurnPair(names.SEVERITY_TICKET, 1.0, 72 * _HOUR, 6 * _HOUR),
)


def burn_pairs(period_days: float) -> tuple[BurnPair, ...]:
    """The workbook pairs with windows scaled to ``period_days`` (whole seconds, >= 1 s)."""
    scale = period_days / WORKBOOK_PERIOD_DAYS

    def scaled(seconds: float) -> float:
        return float(max(1, round(seconds * scale)))

    return tuple(
        BurnPair(p.severity, p.factor, scaled(p.long_seconds), scaled(p.short_seconds))
        for p in WORKBOOK_PAIRS
    )


def max_burn_rate(objective: float) -> float:
    """The largest burn rate possible: every request failing burns 1 / (1 - objective)."""
    return 1.0 / (1.0 - objective)


def can_fire(factor: float, objective: float) -> bool:
    """A burn-rate alert fires on ``burn > factor``; it cannot when factor >= the maximum.

    Compared as ``factor * (1 - objective) < 1`` rounded to 9 places, so an objective of 0.9
    with a factor of 10 (exactly the maximum, blurred by float arithmetic) is refused too.
    """
    return round(factor * (1.0 - objective), 9) < 1.0


INTERVAL_LADDER: Final = (1.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)
"""Group intervals people recognise; a window gets the largest that fits ten times in it."""


def interval_for(window_seconds: float, ceiling: float = MAX_FAST_INTERVAL_SECONDS) -> float:
    """Evaluate a window about ten times per window length: 5m -> 30s, 2h -> 5m (ceiling)."""
    fitting = [i for i in INTERVAL_LADDER if i <= min(ceiling, window_seconds / 10)]
    return fitting[-1] if fitting else MIN_INTERVAL_SECONDS


def half_interval(seconds: float) -> float:
    """A group interval of at most half ``seconds`` (noticing a stale packet within half)."""
    return interval_for(seconds * 5)


def pending_for(window_seconds: float) -> float:
    """The ``for`` of an SLI alert read over ``window_seconds`` (whole seconds)."""
    return float(max(MIN_INTERVAL_SECONDS, round(window_seconds * PENDING_SHARE_OF_WINDOW)))
