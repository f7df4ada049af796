"""The regression statistics on known cases: each checked against brute force or a textbook."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import pytest

from cavra_prom.buckets import latency_buckets
from cavra_prom.regression.data import LatencyData, share_above
from cavra_prom.regression.distributions import (
    binom_cdf,
    binom_sf,
    hypergeom_sf,
    normal_isf,
    normal_sf,
)
from cavra_prom.regression.exceedance import (
    effective_size,
    exceedance_buckets,
    exceedance_raw,
    samples_needed,
)
from cavra_prom.regression.quantiles import (
    Atom,
    p95_atoms_buckets,
    p95_atoms_raw,
    ratio_interval,
)
from cavra_prom.regression.ranktests import mann_whitney
from cavra_prom.stats import exact_quantile


def _binom_sf_brute(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 10, 0.3), (3, 10, 0.3), (9, 10, 0.3), (11, 10, 0.3), (50, 60, 0.95), (57, 60, 0.95)],
)
def test_binomial_tail_matches_the_sum_of_its_terms(k: int, n: int, p: float) -> None:
    assert binom_sf(k, n, p) == pytest.approx(_binom_sf_brute(k, n, p), rel=1e-10, abs=1e-15)
    assert binom_cdf(k, n, p) == pytest.approx(1 - _binom_sf_brute(k + 1, n, p), abs=1e-12)


def test_binomial_tail_stays_accurate_far_out_and_at_large_n() -> None:
    # P(X >= 60) for Binomial(100, 0.3): 1.2e-15 by the exact sum.
    exact = _binom_sf_brute(60, 100, 0.3)
    assert binom_sf(60, 100, 0.3) == pytest.approx(exact, rel=1e-9)
    # Large n: the normal approximation is good to a few 1e-3 at one sigma.
    n, p = 1_000_000, 0.05
    sigma = math.sqrt(n * p * (1 - p))
    assert binom_sf(round(n * p + sigma), n, p) == pytest.approx(normal_sf(1.0), abs=2e-3)


def _hypergeom_sf_brute(x: int, total: int, marked: int, drawn: int) -> Fraction:
    denominator = math.comb(total, drawn)
    hits = sum(
        math.comb(marked, i) * math.comb(total - marked, drawn - i)
        for i in range(x, min(marked, drawn) + 1)
    )
    return Fraction(hits, denominator)


@pytest.mark.parametrize(
    ("x", "total", "marked", "drawn"),
    [(0, 20, 5, 10), (3, 20, 5, 10), (5, 20, 5, 10), (6, 20, 5, 10), (40, 400, 60, 200)],
)
def test_hypergeometric_tail_is_fishers_exact_test(
    x: int, total: int, marked: int, drawn: int
) -> None:
    expected = float(_hypergeom_sf_brute(x, total, marked, drawn))
    assert hypergeom_sf(x, total, marked, drawn) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_normal_quantiles_are_the_textbook_ones() -> None:
    assert normal_isf(0.05) == pytest.approx(1.644854, abs=1e-6)
    assert normal_isf(0.01) == pytest.approx(2.326348, abs=1e-6)
    with pytest.raises(ValueError, match="tail probability"):
        normal_isf(0.0)


def test_mann_whitney_exact_small_case() -> None:
    # Current entirely above baseline: U = 9, and only 1 of C(6, 3) = 20 arrangements does it.
    result = mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert result.exact
    assert result.u == 9
    assert result.p_greater == pytest.approx(1 / 20)
    assert mann_whitney([4.0, 5.0, 6.0], [1.0, 2.0, 3.0]).p_greater == pytest.approx(1.0)


def test_mann_whitney_with_ties_is_close_to_the_permutation_distribution() -> None:
    baseline = [1, 2, 2, 3, 3, 3, 4, 5]
    current = [2, 3, 4, 4, 5, 5, 6, 6]
    result = mann_whitney([float(v) for v in baseline], [float(v) for v in current])
    assert not result.exact
    pooled = baseline + current

    def u_of(indices: tuple[int, ...]) -> float:
        chosen = set(indices)
        cur = [pooled[i] for i in chosen]
        base = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        return sum((c > b) + 0.5 * (c == b) for c in cur for b in base)

    splits = list(itertools.combinations(range(len(pooled)), len(current)))
    observed = u_of(tuple(range(len(baseline), len(pooled))))
    exact_p = sum(u_of(s) >= observed for s in splits) / len(splits)
    assert result.u == observed
    assert result.p_greater == pytest.approx(exact_p, abs=0.01)


def test_exceedance_p_value_is_the_exact_permutation_test() -> None:
    """Every split of the pooled values into the two group sizes, counted: same p-value."""
    baseline = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    current = [3.5, 6.5, 7.0, 8.0, 9.0]
    test = exceedance_raw(baseline, current, quantiles=(0.7,))
    (cut,) = test.cuts
    pooled = sorted(baseline + current)
    above = [v > cut.cut_seconds for v in pooled]
    splits = list(itertools.combinations(range(len(pooled)), len(current)))
    observed = sum(v > cut.cut_seconds for v in current)
    exact = sum(sum(above[i] for i in s) >= observed for s in splits) / len(splits)
    assert cut.current_above == observed
    assert test.p_value == pytest.approx(exact, rel=1e-9)


def test_two_cuts_pay_for_looking_twice() -> None:
    rng = random.Random(5)
    baseline = sorted(rng.lognormvariate(0, 0.5) for _ in range(400))
    current = sorted(rng.lognormvariate(0.3, 0.5) for _ in range(400))
    test = exceedance_raw(baseline, current)
    assert len(test.cuts) == 2
    assert test.p_value == pytest.approx(2 * min(c.p_value for c in test.cuts))
    assert test.deciding is not None and test.deciding.p_value == min(c.p_value for c in test.cuts)


def test_buckets_and_raw_give_the_same_test_when_the_cut_is_a_bound() -> None:
    bounds = (1.0, 2.0, 3.0, 4.0)
    baseline_raw, current_raw = [0.5] * 90 + [3.5] * 10, [0.5] * 80 + [3.5] * 20
    base = LatencyData.from_raw(baseline_raw, bounds)
    cur = LatencyData.from_raw(current_raw, bounds)
    bucketed = exceedance_buckets(base.without_raw(), cur.without_raw(), quantiles=(0.85,))
    raw = exceedance_raw(sorted(baseline_raw), sorted(current_raw), quantiles=(0.85,))
    assert bucketed.cuts[0].current_above == raw.cuts[0].current_above == 20
    assert bucketed.p_value == pytest.approx(raw.p_value)


def test_the_test_holds_its_level_when_nothing_changed() -> None:
    rng = random.Random(11)
    trials, hits = 300, 0
    for _ in range(trials):
        base = sorted(rng.lognormvariate(0, 0.5) for _ in range(200))
        cur = sorted(rng.lognormvariate(0, 0.5) for _ in range(200))
        hits += exceedance_raw(base, cur).p_value < 0.05
    assert hits / trials <= 0.07  # level 5 %; the exact test is conservative


def _bootstrap_brute(values: list[float], q: float) -> Counter[float]:
    """The nearest-rank q-quantile of every one of the n**n equally likely resamples."""
    n = len(values)
    rank = max(math.ceil(q * n), 1)
    counts: Counter[float] = Counter()
    for resample in itertools.product(values, repeat=n):
        counts[sorted(resample)[rank - 1]] += 1
    return counts


@pytest.mark.parametrize("q", [0.5, 0.8, 0.95])
def test_exact_bootstrap_of_a_quantile_matches_enumeration(q: float) -> None:
    values = [1.0, 2.0, 2.0, 5.0, 9.0, 10.0]
    brute = _bootstrap_brute(values, q)
    total = sum(brute.values())
    atoms = p95_atoms_raw(sorted(values), q)
    assert {a.low: pytest.approx(brute[a.low] / total, abs=1e-9) for a in atoms} == {
        v: c / total for v, c in brute.items()
    }


def test_exact_bootstrap_of_the_quantile_bucket_matches_enumeration() -> None:
    bounds = (1.0, 2.0, math.inf)
    data = LatencyData(bounds, (2.0, 3.0, 5.0))  # buckets hold 2, 1 and 2 observations
    cells = [0, 0, 1, 2, 2]
    brute: Counter[int] = Counter()
    for resample in itertools.product(cells, repeat=5):
        counts = Counter(resample)
        cumulative = list(itertools.accumulate(counts[i] for i in range(3)))
        brute[next(i for i, c in enumerate(cumulative) if c >= 0.8 * 5)] += 1
    atoms = p95_atoms_buckets(data, 0.8)
    expected = {i: c / 5**5 for i, c in brute.items()}
    got = {bounds.index(a.high): a.probability for a in atoms}
    assert got == pytest.approx(expected, abs=1e-12)
    assert atoms[0].low == 0.0 and math.isinf(atoms[-1].high)


def test_ratio_interval_of_certain_values_is_their_ratio() -> None:
    certain = ratio_interval([Atom(1.0, 3.0, 3.0)], [Atom(1.0, 2.0, 2.0)])
    assert certain == pytest.approx((1.5, 1.5), rel=1e-9)
    # Within buckets the interval spans what the buckets allow: [1.0/2.0, 2.0/1.0].
    bucketed = ratio_interval([Atom(1.0, 1.0, 2.0)], [Atom(1.0, 1.0, 2.0)])
    assert bucketed == pytest.approx((0.5, 2.0), rel=1e-9)
    open_ended = ratio_interval([Atom(1.0, 4.0, math.inf)], [Atom(1.0, 0.0, 1.0)])
    assert open_ended is not None and open_ended[0] == pytest.approx(4.0)
    assert math.isinf(open_ended[1])


def test_raw_interval_covers_the_true_ratio() -> None:
    rng = random.Random(3)
    base = sorted(rng.lognormvariate(0, 0.5) for _ in range(3000))
    cur = sorted(1.2 * rng.lognormvariate(0, 0.5) for _ in range(3000))
    interval = ratio_interval(p95_atoms_raw(cur), p95_atoms_raw(base))
    assert interval is not None
    low, high = interval
    estimate = exact_quantile(cur, 0.95) / exact_quantile(base, 0.95)
    assert low < estimate < high
    assert low < 1.2 < high
    assert high - low < 0.2


def test_samples_needed_grows_as_the_tolerance_shrinks() -> None:
    rng = random.Random(8)
    values = sorted(rng.lognormvariate(0, 0.5) for _ in range(20000))
    data = LatencyData.from_raw(values, latency_buckets(10.0))
    p95 = exact_quantile(values, 0.95)
    sizes = [samples_needed(data, p95, 1 + t, 0.01) for t in (0.05, 0.1, 0.21, 0.5)]
    assert all(s is not None for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    # By hand for +21 %, lognormal sigma 0.5, at the p90 cut (the smaller size): p0 = 0.10,
    # p1 = P(Z > 1.2816 - ln(1.21) / 0.5) = 0.184; one-sided alpha 0.005 (z 2.576) and power
    # 0.95 (z 1.645): n = ((2.576 * 0.494 + 1.645 * 0.490) / 0.084) ** 2 = 612.
    assert sizes[2] == pytest.approx(612, rel=0.1)
    flat = LatencyData.from_raw([1.0] * 100, (1.0, 2.0))
    assert samples_needed(flat, 1.0, 1.1, 0.01) is not None  # a step: everything moves
    assert samples_needed(data, 0.0, 1.1, 0.01) is None


def test_share_above_is_exact_on_raw_and_interpolated_in_buckets() -> None:
    raw = LatencyData.from_raw([1.0, 2.0, 3.0, 4.0], (2.0, 4.0))
    assert share_above(raw, 2.0) == 0.5
    assert share_above(raw.without_raw(), 3.0) == pytest.approx(0.25)
    assert effective_size(100, 100) == 100
    assert effective_size(0, 100) == 0
