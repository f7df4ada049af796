"""The Mann-Whitney U test: does the current run tend to take longer than the baseline?

It is reported beside the p95 test when both sides have raw durations, because the two answer
different questions. Mann-Whitney asks whether the *whole* distribution moved; the tolerance
is on the p95. A spread that widens around the same median, or a slow tail that grows, moves
the p95 and barely moves U (``benchmarks/regression_quality.py`` shows it), so the verdict
rests on the p95 test and U is context: "everything got slower" versus "the tail got slower".

Small samples without ties use the exact null distribution of U (counted by the usual
recurrence); otherwise the normal approximation with the tie correction and a continuity
correction of 1/2.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cavra_prom.regression.distributions import normal_sf

EXACT_MAX_SIZE: Final = 25
"""Both samples at most this large and no ties: the exact distribution is used."""


@dataclass(frozen=True)
class MannWhitney:
    """U counts pairs (baseline b, current c) with c > b, ties as 1/2.

    ``p_greater`` is the one-sided p-value for "current tends to be larger"; ``exact`` says
    which null distribution gave it.
    """

    u: float
    p_greater: float
    exact: bool


def _ranks(pooled: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks of sorted ``pooled`` (1-based) and the sizes of its tie groups."""
    ranks: list[float] = []
    ties: list[int] = []
    i, n = 0, len(pooled)
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1] == pooled[i]:
            j += 1
        size = j - i + 1
        ranks.extend([(i + j + 2) / 2.0] * size)
        ties.append(size)
        i = j + 1
    return ranks, ties


def mann_whitney(baseline: Sequence[float], current: Sequence[float]) -> MannWhitney:
    """U of ``current`` against ``baseline`` and its one-sided p-value (ValueError if empty)."""
    m, n = len(baseline), len(current)
    if m == 0 or n == 0:
        raise ValueError("Mann-Whitney needs at least one value on each side")
    tagged = sorted([(v, 0) for v in baseline] + [(v, 1) for v in current])
    ranks, ties = _ranks([v for v, _ in tagged])
    rank_sum = sum(r for r, (_, side) in zip(ranks, tagged, strict=True) if side == 1)
    u = rank_sum - n * (n + 1) / 2.0
    has_ties = any(t > 1 for t in ties)
    if not has_ties and m <= EXACT_MAX_SIZE and n <= EXACT_MAX_SIZE:
        return MannWhitney(u, _exact_sf(round(u), n, m), exact=True)
    total = m + n
    tie_term = sum(t**3 - t for t in ties) / (total * (total - 1))
    variance = m * n / 12.0 * ((total + 1) - tie_term)
    if variance <= 0:  # every value equal: no evidence either way
        return MannWhitney(u, 1.0, exact=False)
    z = (u - m * n / 2.0 - 0.5) / math.sqrt(variance)
    return MannWhitney(u, normal_sf(z), exact=False)


@functools.cache
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many arrangements of n current and m baseline values give each U = 0..n*m."""
    if n == 0 or m == 0:
        return (1,)
    with_current_last = _u_counts(n - 1, m)  # the largest value is current: U grows by m
    with_baseline_last = _u_counts(n, m - 1)
    counts = [0] * (n * m + 1)
    for u, c in enumerate(with_current_last):
        counts[u + m] += c
    for u, c in enumerate(with_baseline_last):
        counts[u] += c
    return tuple(counts)


def _exact_sf(u: int, n: int, m: int) -> float:
    """P(U >= u) under the null, for ``n`` current and ``m`` baseline values without ties."""
    counts = _u_counts(n, m)
    return sum(counts[max(u, 0) :]) / math.comb(n + m, n)
