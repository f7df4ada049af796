"""Human durations on the command line: ``30s``, ``5m``, ``1h``, ``1h30m``, ``250ms``.

The syntax is Prometheus's own duration syntax (units ``ms s m h d w y``, largest first, each at
most once), so a window typed for ``cavra serve --window`` reads the same as the range in a
PromQL query. A bare number is taken as seconds, the unit every other flag uses. The inverse,
seconds to the shortest PromQL duration, is ``cavra_prom.promql.queries.format_duration``.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from typing import Final

UNIT_SECONDS: Final = {
    "y": 365 * 86400.0,
    "w": 7 * 86400.0,
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
}
_ORDER: Final = ("y", "w", "d", "h", "m", "s", "ms")
_PART: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_NUMBER: Final = re.compile(r"\d+(?:\.\d+)?")


class DurationError(ValueError):
    """Text that is not a duration; the message says what was expected."""


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (``"5m"`` -> 300.0); raises :class:`DurationError` when invalid.

    Units must appear largest first and at most once (``1h30m``, not ``30m1h``), as in
    Prometheus, so one string never has two readings. Zero and negative durations are refused:
    every duration this tool takes (a window, an interval, an age) must be positive.
    """
    value = text.strip()
    seconds = float(value) if _NUMBER.fullmatch(value) else _parse_units(value, text)
    if not math.isfinite(seconds) or seconds <= 0:
        raise DurationError(f"{text!r} is not a positive duration")
    return seconds


def _parse_units(value: str, original: str) -> float:
    position, seconds, last_rank = 0, 0.0, -1
    for match in _PART.finditer(value):
        rank = _ORDER.index(match.group(2))
        if match.start() != position or rank <= last_rank:
            break
        seconds += float(match.group(1)) * UNIT_SECONDS[match.group(2)]
        position, last_rank = match.end(), rank
    if position != len(value) or not value:
        raise DurationError(
            f"{original!r} is not a duration; use a number with a unit, "
            "e.g. 30s, 5m, 1h or 1h30m (units ms s m h d w y)"
        )
    return seconds


def duration_arg(minimum_seconds: float = 0.0) -> Callable[[str], float]:
    """An ``argparse`` ``type=`` that parses a duration and enforces a floor, in seconds."""

    def parse(text: str) -> float:
        try:
            seconds = parse_duration(text)
        except DurationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if seconds < minimum_seconds:
            raise argparse.ArgumentTypeError(
                f"{text!r} is shorter than the minimum of {minimum_seconds:g}s"
            )
        return seconds

    return parse
