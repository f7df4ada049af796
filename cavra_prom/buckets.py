"""Histogram bucket layout for a suite's latency: exact at the SLO threshold, fine around it.

Why the layout matters. A classic Prometheus histogram only knows how many observations fell
at or below each bound, and ``histogram_quantile`` guesses inside a bucket by linear
interpolation. Two things follow, and the layout is built for both:

* **The decision must be exact.** When the p95 threshold ``T`` is itself a bound,
  ``count(le=T) / count`` is the exact within-SLO ratio, and ``histogram_quantile(0.95) <= T``
  holds exactly when that ratio is ``>= 0.95`` (see :mod:`cavra_prom.histogram`). So ``T`` is in
  the layout as the very float the spec gives (``0.05``, not ``0.05000000000000001``), and so is
  every extra threshold (the p99 maximum, for instance).
* **The reported number must be close.** A quantile estimate is off by at most the width of
  the bucket it falls in, so relative error is bounded by the bucket's ratio ``upper / lower``
  minus one. Prometheus's default buckets step by 2 to 2.5x (0.025, 0.05, 0.1, 0.25); a p95 of
  18 ms reads about 25% off there.

The layout is a geometric grid anchored at ``T`` (``T * 2**(k/n)``), densest where the verdict
is decided and thinning out away from it:

* ``[T/2, 2T]`` in steps of ``2**(1/16)`` (4.4%): 33 bounds, worst-case p95 error under 5%;
* ``[T/4, T/2)`` and ``(2T, 4T]`` in steps of ``2**(1/8)`` (9.1%): 16 bounds, under 10%;
* ``[T/2048, T/4)`` in steps of ``2**(1/4)`` (19%): 36 bounds. A healthy system usually runs
  far below its objective (the reference runtime decides in about 0.1 ms against 50 ms), and
  its p95 is the number a regression is judged on, so the fast side keeps a fine grid down to
  about 25 us for a 50 ms objective;
* ``(4T, 64T]`` in doublings: 4 bounds, a coarse slow tail.

That is 88 bounds, plus one per extra threshold. Three suites make under 300 bucket series:
small for Prometheus, and the price of a p95 that is right wherever the system runs (with only
doublings below T/4, a 0.07 ms p95 under a 50 ms objective read as 0.75 ms). The worst-case
figures hold for *any* set of observations whose p95 falls in the range, because the exact p95
and its estimate share a bucket; smooth distributions do far better (``benchmarks/fidelity.py``
measures). The slow tail keeps slow runs out of the catch-all bucket (a quantile in the
``+Inf`` bucket reads as the highest finite bound).

Three details keep the threshold arithmetic exact (see :mod:`cavra_prom.histogram`): every
threshold has bounds above it (doublings are added past the grid for an extra threshold beyond
64T); from the grid's bottom up, no two neighbouring bounds are more than about a factor 2
apart (an extra threshold below the grid becomes the lowest bound, whose bucket starts at 0);
and a grid point within 0.2% of an extra threshold gives way to it rather than leave a sliver
bucket beside it.

Grid points other than whole octaves are rounded to 4 significant digits: ``le`` labels such as
``0.05221`` read well in PromQL and on dashboards, and the rounding moves a bound by at most
0.05%. Whole octaves (``T * 2**j``) are exact already. ``+Inf`` is not included:
prometheus-client adds it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

# Tiers as (lowest octave, highest octave, steps per octave) relative to the threshold: a tier
# covers T * 2**lo .. T * 2**hi in steps of 2**(1/steps). Dense centre first, then outwards.
_TIERS: Final = (
    (-1, 1, 16),
    (-2, -1, 8),
    (1, 2, 8),
    (-11, -2, 4),
    (2, 6, 1),
)
_TOP_OCTAVE: Final = 6
_SIGNIFICANT_DIGITS: Final = 4
# A grid point this close (relative) to an extra threshold gives way to it: a sliver bucket
# would add a series without adding information, and would sit so close to the threshold that
# the exactness argument in cavra_prom.histogram needs a wider gap.
_CROWDING: Final = 0.002


def latency_buckets(
    threshold_seconds: float, extra_thresholds: Sequence[float] = ()
) -> tuple[float, ...]:
    """Finite, strictly increasing upper bounds (seconds) for one suite's latency histogram.

    ``threshold_seconds`` (the p95 maximum) and every value of ``extra_thresholds`` appear in
    the result exactly as given. Raises ValueError if any of them is not finite and positive.
    """
    _check_threshold("threshold_seconds", threshold_seconds)
    for extra in extra_thresholds:
        _check_threshold("extra threshold", extra)
    grid = _grid(threshold_seconds) | _doublings_beyond_grid(threshold_seconds, extra_thresholds)
    grid = {p for p in grid if not any(_crowds(p, extra) for extra in extra_thresholds)}
    return tuple(sorted(grid | {threshold_seconds, *extra_thresholds}))


def _check_threshold(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")


def _grid(threshold: float) -> set[float]:
    """The tiered geometric grid around ``threshold`` (the threshold itself excluded).

    Whole octaves (``T * 2**j``) are kept unrounded: multiplying by a power of two is exact, so
    they keep ``T``'s short decimal form (0.05 -> 0.1, 0.2, ...) and coarse neighbours stay
    exactly a factor 2 apart.
    """
    points: set[float] = set()
    for low, high, steps in _TIERS:
        for k in range(low * steps, high * steps + 1):
            if k == 0:
                continue
            if k % steps == 0:
                points.add(math.ldexp(threshold, k // steps))
            else:
                points.add(_round_significant(threshold * 2.0 ** (k / steps)))
    return points


def _doublings_beyond_grid(threshold: float, extras: Sequence[float]) -> set[float]:
    """Doublings above the grid until one clears the highest extra threshold.

    An extra threshold must never be the highest finite bound: a quantile in the ``+Inf``
    bucket reads as that bound, which would make "p99 <= extra" true for a p99 far above it.
    The last doubling clears the extra by more than the crowding margin, so it is never removed
    in its favour; and each extra keeps a neighbour within about a factor 2 below it.
    """
    highest = max(extras, default=threshold)
    points: set[float] = set()
    top = math.ldexp(threshold, _TOP_OCTAVE)
    while top <= highest * (1 + 2 * _CROWDING):
        top *= 2
        points.add(top)
    return points


def _crowds(point: float, extra: float) -> bool:
    return point != extra and abs(point - extra) < _CROWDING * extra


def _round_significant(value: float) -> float:
    """``value`` rounded to 4 significant digits (readable ``le`` labels)."""
    exponent = math.floor(math.log10(value))
    return round(value, _SIGNIFICANT_DIGITS - 1 - exponent)
