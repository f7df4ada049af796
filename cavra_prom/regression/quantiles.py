"""How uncertain a p95 is, and so how uncertain the ratio of two p95s is.

The interval a packet shows is a bootstrap percentile interval, computed exactly rather than by
resampling. For a quantile the bootstrap distribution has a closed form: in a resample of ``n``
drawn with replacement, the number of observations at or below ``v`` is Binomial(n, F(v)), so
the resampled p95 is at or below ``v`` exactly when that count reaches the p95's rank.

* Raw durations: ``v`` runs over the observed values near the p95 (the distribution of the
  nearest-rank p95 under resampling; the Maritz-Jarrett idea).
* Buckets: ``v`` runs over the bucket bounds, so each atom of the distribution is a bucket,
  and the p95 is known only to lie somewhere in it. The interval carries that too: its lower
  end divides the lowest current value by the highest baseline value the buckets allow, and its
  upper end the other way round. So the packet never shows more precision than the buckets
  hold (the *resolution* of the comparison), and sampling noise widens it further.

The two sides are independent, so the ratio's distribution function is a sum over the
baseline's atoms; its quantiles are found by bisection. Deterministic: no seed.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cavra_prom.regression.data import LatencyData
from cavra_prom.regression.distributions import binom_sf

INTERVAL_LEVEL: Final = 0.95
_SPAN_SIGMAS: Final = 7.0
_MASS_FLOOR: Final = 1e-13
_BISECTIONS: Final = 80


@dataclass(frozen=True)
class Atom:
    """The resampled p95 lies in ``[low, high]`` with this probability."""

    probability: float
    low: float
    high: float


def p95_atoms_raw(sorted_values: Sequence[float], q: float = 0.95) -> list[Atom]:
    """The exact bootstrap distribution of the nearest-rank q-quantile of sorted durations."""
    n = len(sorted_values)
    if n == 0:
        return []
    rank = max(math.ceil(q * n), 1)
    spread = _SPAN_SIGMAS * math.sqrt(n * q * (1 - q)) + 2
    first = max(int(rank - spread), 1)
    last = min(int(rank + spread) + 1, n)
    atoms: list[Atom] = []
    previous = 0.0
    index = first
    while index <= last:
        value = sorted_values[index - 1]
        at_or_below = bisect.bisect_right(sorted_values, value)  # ties count together
        cumulative = 1.0 if at_or_below >= n else binom_sf(rank, n, at_or_below / n)
        if cumulative - previous > _MASS_FLOOR or at_or_below >= last:
            atoms.append(Atom(cumulative - previous, value, value))
            previous = cumulative
        index = at_or_below + 1
    return _close(atoms, previous)


def p95_atoms_buckets(data: LatencyData, q: float = 0.95) -> list[Atom]:
    """The exact bootstrap distribution of the bucket the q-quantile falls in.

    The rank is Prometheus's (``q * count``, the first bucket whose cumulative count reaches
    it). The lowest bucket starts at 0; a quantile in the ``+Inf`` bucket has no upper end.
    """
    counts = data.int_cumulative()
    n = counts[-1]
    if n == 0:
        return []
    rank = math.ceil(q * n)
    atoms: list[Atom] = []
    previous, lower = 0.0, 0.0
    for bound, count in zip(data.bounds, counts, strict=True):
        cumulative = 1.0 if math.isinf(bound) or count >= n else binom_sf(rank, n, count / n)
        if cumulative - previous > _MASS_FLOOR:
            atoms.append(Atom(cumulative - previous, lower, bound))
            previous = cumulative
        lower = bound
        if previous >= 1.0:
            break
    return _close(atoms, previous)


def _close(atoms: list[Atom], total: float) -> list[Atom]:
    """Renormalise (the tails outside the span carry under 1e-12 of the mass)."""
    if not atoms or total <= 0:
        return atoms
    return [Atom(a.probability / total, a.low, a.high) for a in atoms]


def _ratio(x: float, y: float) -> float:
    if y == 0:
        return 0.0 if x == 0 else math.inf
    if math.isinf(y):
        return math.inf if math.isinf(x) else 0.0
    return x / y


def _cdf(t: float, xs: list[tuple[float, float]], ys: Sequence[tuple[float, float]]) -> float:
    """P(X / Y <= t) for independent X (sorted ``(value, cumulative)``) and Y atoms."""
    values = [v for v, _ in xs]
    total = 0.0
    for probability, y in ys:
        if y == 0 or math.isinf(y) or math.isinf(t):
            below = sum(1 for v, _ in xs if _ratio(v, y) <= t)
            share = xs[below - 1][1] if below else 0.0
        else:
            index = bisect.bisect_right(values, t * y)
            share = xs[index - 1][1] if index else 0.0
        total += probability * share
    return total


def _finite_span(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Smallest and largest positive finite ratio x / y, or None if there is none."""
    px = [x for x in xs if 0 < x < math.inf]
    py = [y for y in ys if 0 < y < math.inf]
    if not px or not py:
        return None
    return min(px) / max(py), max(px) / min(py)


def _quantile(
    target: float, xs: Sequence[tuple[float, float]], ys: Sequence[tuple[float, float]]
) -> float:
    """Smallest t with P(X / Y <= t) >= target (``xs``/``ys`` are (probability, value))."""
    ordered = sorted((v, p) for p, v in xs)
    cumulative: list[tuple[float, float]] = []
    running = 0.0
    for value, probability in ordered:
        running += probability
        cumulative.append((value, running))
    if _cdf(0.0, cumulative, ys) >= target:
        return 0.0
    span = _finite_span([x for _, x in xs], [y for _, y in ys])
    if span is None or _cdf(span[1], cumulative, ys) < target:
        return math.inf
    low, high = math.log(span[0]), math.log(span[1])
    if _cdf(math.exp(low), cumulative, ys) >= target:
        return math.exp(low)
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2.0
        if _cdf(math.exp(mid), cumulative, ys) >= target:
            high = mid
        else:
            low = mid
    return math.exp(high)


def ratio_interval(
    current: Sequence[Atom], baseline: Sequence[Atom], level: float = INTERVAL_LEVEL
) -> tuple[float, float] | None:
    """The ``level`` interval of current p95 / baseline p95 (sampling and bucket resolution).

    Ends may be 0 or +Inf when a p95 sits in the lowest or the ``+Inf`` bucket. None when a
    side has no observations.
    """
    if not current or not baseline:
        return None
    tail = (1.0 - level) / 2.0
    low = _quantile(
        tail,
        [(a.probability, a.low) for a in current],
        [(a.probability, a.high) for a in baseline],
    )
    high = _quantile(
        1.0 - tail,
        [(a.probability, a.high) for a in current],
        [(a.probability, a.low) for a in baseline],
    )
    return low, high
