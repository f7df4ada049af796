"""Tail probabilities of the binomial, hypergeometric and normal distributions, in pure Python.

Why not scipy: the regression tests need four functions, each a short loop, and the gate runs
in pipelines where a 40 MB wheel is a cost. The loops sum probability mass functions in log
space (``math.lgamma``) from the tail inwards, with the ratio of neighbouring terms as the
recurrence, and stop when the terms no longer change the sum: exact to about 1e-12 relative,
for counts up to millions, in at most a few thousand steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

_NEGLIGIBLE: Final = 1e-17
"""A term this small relative to the running sum no longer changes a double."""


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def normal_isf(p: float) -> float:
    """The z with P(Z > z) = p, by bisection on :func:`normal_sf` (p in (0, 1))."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a tail probability must be in (0, 1), got {p!r}")
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if normal_sf(mid) > p:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def log_comb(n: int, k: int) -> float:
    """log C(n, k) for 0 <= k <= n."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _tail_sum(start: int, stop: int, log_first: float, ratio: Callable[[int], float]) -> float:
    """Sum of terms from ``start`` towards ``stop`` (inclusive, either direction).

    ``ratio(x)`` is term(next) / term(x). Stops once terms are negligible and shrinking.
    """
    step = 1 if stop >= start else -1
    term = math.exp(log_first)
    total = term
    x = start
    while x != stop:
        factor = ratio(x)
        term *= factor
        x += step
        total += term
        if term <= _NEGLIGIBLE * total and factor < 1.0:
            break
    return total


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    odds = p / (1.0 - p)
    if k > n * p:  # upper tail is the small side: sum it directly

        def up(x: int) -> float:
            return (n - x) / (x + 1) * odds

        first = log_comb(n, k) + k * math.log(p) + (n - k) * math.log1p(-p)
        return min(1.0, _tail_sum(k, n, first, up))

    def down(x: int) -> float:
        return x / (n - x + 1) / odds

    last = k - 1
    first = log_comb(n, last) + last * math.log(p) + (n - last) * math.log1p(-p)
    return max(0.0, 1.0 - _tail_sum(last, 0, first, down))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    return 1.0 - binom_sf(k + 1, n, p)


def _hypergeom_log_pmf(x: int, total: int, marked: int, drawn: int) -> float:
    return log_comb(marked, x) + log_comb(total - marked, drawn - x) - log_comb(total, drawn)


def hypergeom_sf(x: int, total: int, marked: int, drawn: int) -> float:
    """P(X >= x) where X counts marked items among ``drawn`` taken without replacement from
    ``total`` items of which ``marked`` are marked (Fisher's exact test, one-sided)."""
    low = max(0, drawn - (total - marked))
    high = min(marked, drawn)
    if x <= low:
        return 1.0
    if x > high:
        return 0.0
    unmarked = total - marked

    def up(i: int) -> float:
        return (marked - i) * (drawn - i) / ((i + 1) * (unmarked - drawn + i + 1))

    mean = drawn * marked / total
    if x > mean:
        first = _hypergeom_log_pmf(x, total, marked, drawn)
        return min(1.0, _tail_sum(x, high, first, up))

    def down(i: int) -> float:
        return i * (unmarked - drawn + i) / ((marked - i + 1) * (drawn - i + 1))

    last = x - 1
    first = _hypergeom_log_pmf(last, total, marked, drawn)
    return max(0.0, 1.0 - _tail_sum(last, low, first, down))
