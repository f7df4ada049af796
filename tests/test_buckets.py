"""latency_buckets: thresholds exact, dense around them, bounded in size, validated."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cavra_prom.buckets import latency_buckets
from cavra_prom.histogram import bucket_counts, histogram_quantile
from cavra_prom.stats import exact_quantile

R61_THRESHOLDS = (0.05, 0.1, 0.25)
_thresholds = st.one_of(st.sampled_from(R61_THRESHOLDS), st.floats(1e-5, 1e4))


def _ratios(bounds: tuple[float, ...], low: float, high: float) -> list[float]:
    """upper/lower of every bucket lying within [low, high]."""
    return [b / a for a, b in itertools.pairwise(bounds) if a >= low and b <= high]


@given(_thresholds)
def test_threshold_is_a_bound_exactly_and_the_layout_is_well_formed(threshold: float) -> None:
    bounds = latency_buckets(threshold)
    assert threshold in bounds  # the very float, no rounding
    assert all(math.isfinite(b) and b > 0 for b in bounds)
    assert all(a < b for a, b in itertools.pairwise(bounds))
    assert len(bounds) == 89


@given(_thresholds)
def test_dense_around_the_threshold_and_reaching_far_from_it(threshold: float) -> None:
    bounds = latency_buckets(threshold)
    fine = _ratios(bounds, threshold / 2, threshold * 2)
    medium = _ratios(bounds, threshold / 4, threshold * 4)
    assert len(fine) == 32
    assert max(fine) < 1.05  # 2**(1/16) plus rounding to 4 significant digits
    assert max(medium) < 1.10  # 2**(1/8) plus rounding
    assert max(_ratios(bounds, 0.0, math.inf)) <= 2.0
    # the fast side keeps a 2**(1/4) grid: a healthy system far below its objective still
    # gets a p95 within about 19%
    assert max(_ratios(bounds, threshold / 2048, threshold / 4)) < 1.20
    assert bounds[0] <= threshold / 2048
    assert bounds[-1] >= threshold * 64


@settings(max_examples=200)
@given(_thresholds, st.lists(st.floats(1e-6, 1e6), max_size=4))
def test_extra_thresholds_are_bounds_exactly(threshold: float, extras: list[float]) -> None:
    bounds = latency_buckets(threshold, extras)
    assert threshold in bounds
    for extra in extras:
        assert extra in bounds
        # Never the highest finite bound (a quantile in +Inf would read as the threshold) ...
        assert bounds[-1] > extra * 1.004
        # ... and nothing crowds it: no sliver bucket right beside a threshold.
        assert not any(
            b != extra and abs(b - extra) < 0.002 * extra
            for b in bounds
            if b not in {threshold, *extras}
        )
    assert all(a < b for a, b in itertools.pairwise(bounds))
    # From the grid's bottom up, neighbours stay within about a factor 2 (an extra below the
    # grid is the lowest bound: its bucket starts at 0, nothing needs to sit close below it).
    assert max(_ratios(bounds, threshold / 64, math.inf)) <= 2.01


def test_cardinality_stays_sane_with_a_p99_threshold() -> None:
    for threshold in R61_THRESHOLDS:
        assert len(latency_buckets(threshold, [threshold * 2])) <= 90
        assert len(latency_buckets(threshold, [threshold * 1.5])) <= 91


def test_extra_far_above_the_grid_gets_doublings_up_to_it() -> None:
    bounds = latency_buckets(0.05, [100.0])
    above = bounds[bounds.index(100.0) + 1]
    below = bounds[bounds.index(100.0) - 1]
    assert above > 100.0 and below >= 50.0


def test_grid_point_crowding_an_extra_gives_way() -> None:
    default = latency_buckets(0.05)
    assert 0.05221 in default
    with_extra = latency_buckets(0.05, [0.0522])
    assert 0.0522 in with_extra and 0.05221 not in with_extra
    assert len(with_extra) == len(default)


def test_labels_are_short() -> None:
    """Rounded to 4 significant digits, or an exact power-of-two multiple of the threshold."""
    threshold = 0.05
    for bound in latency_buckets(threshold):
        octave = math.log2(bound / threshold)
        exact_octave = octave == round(octave) and math.ldexp(threshold, round(octave)) == bound
        assert exact_octave or float(f"{bound:.4g}") == bound


@pytest.mark.parametrize("bad", [0.0, -0.05, math.inf, -math.inf, math.nan])
def test_threshold_must_be_finite_and_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        latency_buckets(bad)
    with pytest.raises(ValueError, match="threshold"):
        latency_buckets(0.05, [bad])


@settings(max_examples=200)
@given(
    st.sampled_from(R61_THRESHOLDS),
    st.lists(st.floats(0.05, 2.0), min_size=20, max_size=200),
    st.lists(st.floats(2.0, 50.0), max_size=1),
)
def test_worst_case_p95_error_under_5_percent_within_half_to_double(
    threshold: float, factors: list[float], outliers: list[float]
) -> None:
    """Any observations, not just smooth ones: if the exact p95 lies in [T/2, 2T], the
    histogram p95 from our layout is within 5% of it (both sit in one narrow bucket)."""
    values = sorted(threshold * f for f in factors + outliers)
    exact = exact_quantile(values, 0.95)
    assume(threshold / 2 <= exact <= threshold * 2)
    estimate = histogram_quantile(0.95, bucket_counts(values, latency_buckets(threshold)))
    assert abs(estimate - exact) / exact < 0.05
