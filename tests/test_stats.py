"""exact_quantile and summarize: nearest rank, and its agreement with the within-SLO ratio."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cavra_prom.stats import LatencySummary, exact_quantile, summarize

ONE_TO_TWENTY = [float(i) for i in range(1, 21)]


def test_nearest_rank_by_hand() -> None:
    # n = 20: rank = ceil(q * 20)
    assert exact_quantile(ONE_TO_TWENTY, 0.95) == 19.0  # rank 19
    assert exact_quantile(ONE_TO_TWENTY, 0.951) == 20.0  # rank ceil(19.02) = 20
    assert exact_quantile(ONE_TO_TWENTY, 0.5) == 10.0  # rank 10, no averaging with 11
    assert exact_quantile(ONE_TO_TWENTY, 0.0) == 1.0  # rank 0 is taken as 1: the minimum
    assert exact_quantile(ONE_TO_TWENTY, 1.0) == 20.0
    assert exact_quantile([7.0], 0.95) == 7.0
    # n = 10: rank ceil(9.5) = 10, the maximum
    assert exact_quantile([float(i) for i in range(10)], 0.95) == 9.0


def test_empty_is_nan() -> None:
    assert math.isnan(exact_quantile([], 0.95))


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_q_outside_zero_one_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="quantile"):
        exact_quantile(ONE_TO_TWENTY, q)


@pytest.mark.parametrize("values", [[2.0, 1.0], [1.0, math.nan, 3.0]])
def test_unsorted_or_nan_values_are_refused(values: list[float]) -> None:
    with pytest.raises(ValueError, match="sorted"):
        exact_quantile(values, 0.5)


_values = st.lists(st.floats(0.0, 10.0), min_size=1, max_size=200).map(sorted)
_slo_q = st.integers(1, 10_000).map(lambda k: k / 10_000)


@st.composite
def _values_and_threshold(draw: st.DrawFn) -> tuple[list[float], float]:
    """Values, and a threshold that is often exactly one of them (the boundary case)."""
    values = draw(_values)
    threshold = draw(st.one_of(st.sampled_from(values), st.floats(0.0, 10.0)))
    return values, threshold


@given(_values_and_threshold(), st.floats(0.0, 1.0, exclude_min=True))
def test_at_or_below_threshold_iff_count_reaches_q_times_n(
    case: tuple[list[float], float], q: float
) -> None:
    """For any q in (0, 1]: p_q <= T  <=>  count(<= T) >= q * n, in floating point as PromQL
    computes its rank. (q = 0 is excluded: the minimum is returned, yet 0 values qualify.)"""
    values, threshold = case
    at_or_below = sum(v <= threshold for v in values)
    assert (exact_quantile(values, q) <= threshold) == (at_or_below >= q * len(values))


@given(_values_and_threshold(), _slo_q)
def test_at_or_below_threshold_iff_fraction_reaches_q(
    case: tuple[list[float], float], q: float
) -> None:
    """For decimal SLO quantiles: p_q <= T  <=>  fraction of values <= T is >= q."""
    values, threshold = case
    fraction = sum(v <= threshold for v in values) / len(values)
    assert (exact_quantile(values, q) <= threshold) == (fraction >= q)


@given(_values, _slo_q)
def test_is_the_smallest_value_whose_fraction_reaches_q(values: list[float], q: float) -> None:
    n = len(values)
    qualifying = [v for v in values if sum(w <= v for w in values) / n >= q]
    assert exact_quantile(values, q) == min(qualifying)


def test_summarize_by_hand() -> None:
    summary = summarize(list(reversed(ONE_TO_TWENTY)))  # order does not matter
    assert summary == LatencySummary(
        count=20, min=1.0, p50=10.0, p95=19.0, p99=20.0, max=20.0, mean=10.5
    )


def test_summarize_mean_is_exactly_rounded() -> None:
    # A naive left-to-right sum of ten 0.1s is 0.9999999999999999.
    assert summarize([0.1] * 10).mean == 0.1


def test_summarize_empty_is_count_zero_and_nan() -> None:
    summary = summarize([])
    assert summary.count == 0
    assert all(math.isnan(x) for x in (summary.min, summary.p50, summary.p95, summary.p99))
    assert math.isnan(summary.max) and math.isnan(summary.mean)


def test_summarize_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        summarize([0.1, math.nan])
