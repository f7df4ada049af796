"""histogram_quantile and friends: hand-computed PromQL cases and property tests.

Expected values below are worked out by hand from PromQL's bucketQuantile (Prometheus 2.42),
step by step in the comments, not produced by running our own code.
"""

from __future__ import annotations

import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram

from cavra_prom.buckets import latency_buckets
from cavra_prom.histogram import (
    Bucket,
    bucket_counts,
    fraction_at_or_below,
    histogram_quantile,
    quantile_bucket,
)
from cavra_prom.stats import exact_quantile

INF = math.inf

# --- hand-computed PromQL cases ---------------------------------------------------------------


def test_interpolates_linearly_inside_a_bucket() -> None:
    buckets = [(0.1, 10.0), (0.2, 20.0), (INF, 20.0)]
    # rank 15 -> first count >= 15 is le=0.2; 0.1 + 0.1 * (15-10)/(20-10)
    assert histogram_quantile(0.75, buckets) == pytest.approx(0.15, rel=1e-15)
    assert quantile_bucket(0.75, buckets) == (0.1, 0.2)
    # rank 10 equals the le=0.1 count exactly: that bucket, at its upper end.
    assert histogram_quantile(0.5, buckets) == 0.1
    assert quantile_bucket(0.5, buckets) == (0.0, 0.1)


def test_rank_in_the_inf_bucket_returns_the_second_highest_bound() -> None:
    buckets = [(0.1, 5.0), (0.2, 8.0), (INF, 10.0)]
    # rank 9.5 > 8: only +Inf holds it.
    assert histogram_quantile(0.95, buckets) == 0.2
    assert quantile_bucket(0.95, buckets) == (0.2, INF)


def test_empty_histogram_is_nan() -> None:
    assert math.isnan(histogram_quantile(0.95, [(0.1, 0.0), (0.2, 0.0), (INF, 0.0)]))
    assert quantile_bucket(0.95, [(0.1, 0.0), (INF, 0.0)]) is None
    assert math.isnan(histogram_quantile(0.95, []))
    assert quantile_bucket(0.5, []) is None


def test_one_bucket_or_no_inf_bucket_is_nan() -> None:
    assert math.isnan(histogram_quantile(0.5, [(INF, 10.0)]))
    assert math.isnan(histogram_quantile(0.5, [(0.1, 5.0), (0.2, 10.0)]))
    assert quantile_bucket(0.5, [(0.1, 5.0), (0.2, 10.0)]) is None


def test_value_in_the_first_bucket_interpolates_from_zero() -> None:
    buckets = [(0.1, 4.0), (0.2, 4.0), (INF, 4.0)]
    # rank 2 of 4 in (0, 0.1]: 0 + 0.1 * 2/4
    assert histogram_quantile(0.5, buckets) == 0.05
    assert quantile_bucket(0.5, buckets) == (0.0, 0.1)


def test_q_zero() -> None:
    # rank 0: the first bucket always matches; 0.1 * 0/2 = 0.
    assert histogram_quantile(0.0, [(0.1, 2.0), (INF, 5.0)]) == 0.0
    # With an empty first bucket PromQL computes 0.1 * (0/0): NaN, not an error.
    assert math.isnan(histogram_quantile(0.0, [(0.1, 0.0), (0.2, 5.0), (INF, 5.0)]))
    assert quantile_bucket(0.0, [(0.1, 0.0), (0.2, 5.0), (INF, 5.0)]) is None


def test_q_one() -> None:
    # rank 10 is first reached at le=0.2: 0.1 + 0.1 * 5/5
    assert histogram_quantile(1.0, [(0.1, 5.0), (0.2, 10.0), (INF, 10.0)]) == 0.2
    # Observations above the highest finite bound: the +Inf rule.
    assert histogram_quantile(1.0, [(0.1, 5.0), (0.2, 10.0), (INF, 12.0)]) == 0.2


def test_q_outside_zero_one_or_nan() -> None:
    buckets = [(0.1, 5.0), (INF, 10.0)]
    assert histogram_quantile(-0.1, buckets) == -INF
    assert histogram_quantile(1.1, buckets) == INF
    assert math.isnan(histogram_quantile(math.nan, buckets))
    # q is judged before the buckets, exactly as PromQL does: even with no buckets at all.
    assert histogram_quantile(-1.0, []) == -INF
    assert histogram_quantile(2.0, []) == INF
    assert quantile_bucket(2.0, buckets) is None


def test_duplicate_bounds_are_merged_by_adding_counts() -> None:
    buckets = [(0.1, 3.0), (0.1, 2.0), (0.2, 10.0), (INF, 10.0)]
    # le=0.1 becomes 5; rank 5 -> le=0.1 at its upper end.
    assert histogram_quantile(0.5, buckets) == 0.1
    # Two +Inf series add up: +Inf count 10, rank 5 -> le=0.1 (count 5), 0.1 * 5/5.
    assert histogram_quantile(0.5, [(0.1, 5.0), (INF, 5.0), (INF, 5.0)]) == 0.1
    # Merging can leave a single bucket: NaN.
    assert math.isnan(histogram_quantile(0.5, [(INF, 1.0), (INF, 2.0)]))


def test_non_monotonic_counts_are_raised_to_the_running_maximum() -> None:
    buckets = [(0.1, 5.0), (0.2, 3.0), (0.4, 8.0), (INF, 8.0)]
    # Envelope: le=0.2 becomes 5. rank 6 -> le=0.4: 0.2 + 0.2 * (6-5)/(8-5) = 0.2666...
    # (without the fix it would be 0.2 + 0.2 * (6-3)/(8-3) = 0.32).
    assert histogram_quantile(0.75, buckets) == pytest.approx(0.2 + 0.2 / 3, rel=1e-15)
    # rank 4 -> le=0.1: 0.1 * 4/5
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.08, rel=1e-15)
    assert fraction_at_or_below(0.2, buckets) == 5 / 8


def test_negative_bounds() -> None:
    buckets = [(-1.0, 2.0), (0.0, 4.0), (1.0, 8.0), (INF, 8.0)]
    # rank 2 falls in the lowest bucket whose bound is <= 0: the bound itself.
    assert histogram_quantile(0.25, buckets) == -1.0
    assert quantile_bucket(0.25, buckets) == (-INF, -1.0)
    # rank 4 -> le=0: -1 + 1 * (4-2)/(4-2)
    assert histogram_quantile(0.5, buckets) == 0.0
    # rank 6 -> le=1: 0 + 1 * (6-4)/(8-4)
    assert histogram_quantile(0.75, buckets) == 0.5
    # A lowest bound of exactly 0 is returned as is too.
    assert histogram_quantile(0.25, [(0.0, 3.0), (1.0, 6.0), (INF, 6.0)]) == 0.0


def test_nan_count_behaves_as_in_go() -> None:
    # Go's comparisons with NaN are false: the envelope leaves it, the search skips it, and
    # rank 5 is found only in +Inf -> the second-highest bound.
    assert histogram_quantile(0.5, [(0.1, math.nan), (INF, 10.0)]) == 0.1


def test_order_of_input_does_not_matter_and_input_is_not_modified() -> None:
    buckets = [(0.1, 10.0), (0.2, 20.0), (0.4, 30.0), (INF, 40.0)]
    shuffled = list(buckets)
    random.Random(7).shuffle(shuffled)
    frozen = list(shuffled)
    assert histogram_quantile(0.6, shuffled) == histogram_quantile(0.6, buckets)
    assert shuffled == frozen


def test_nan_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        histogram_quantile(0.5, [(math.nan, 1.0), (INF, 2.0)])


def test_arbitrary_q_can_differ_from_the_ratio_in_the_last_bit() -> None:
    """The documented limit of the quantile/ratio equivalence: PromQL rounds q * count."""
    q = math.nextafter(0.95, 1.0)
    buckets = [(0.05, 19.0), (0.1, 20.0), (INF, 20.0)]
    assert q * 20 == 19.0
    assert histogram_quantile(q, buckets) == 0.05
    assert fraction_at_or_below(0.05, buckets) < q


def test_threshold_as_highest_finite_bound_breaks_the_equivalence() -> None:
    """Why a layout needs bounds above T: a rank in +Inf reads as the highest finite bound."""
    buckets = [(1.0, 0.0), (2.0, 0.0), (INF, 1.0)]
    assert histogram_quantile(0.95, buckets) == 2.0
    assert fraction_at_or_below(2.0, buckets) == 0.0


# --- fraction_at_or_below ----------------------------------------------------------------------


def test_fraction_at_or_below() -> None:
    buckets = [(0.05, 19.0), (0.1, 20.0), (INF, 20.0)]
    assert fraction_at_or_below(0.05, buckets) == 0.95
    assert fraction_at_or_below(INF, buckets) == 1.0
    with pytest.raises(ValueError):
        fraction_at_or_below(0.07, buckets)
    with pytest.raises(ValueError):
        fraction_at_or_below(math.nan, buckets)
    assert math.isnan(fraction_at_or_below(0.05, [(0.05, 0.0), (INF, 0.0)]))
    assert math.isnan(fraction_at_or_below(0.05, [(0.05, 1.0), (0.1, 2.0)]))  # no +Inf


# --- bucket_counts -----------------------------------------------------------------------------


def test_bucket_counts_is_cumulative_and_inclusive() -> None:
    values = [0.05, 0.05, 0.06, 1.0, 5.0]
    assert bucket_counts(values, [0.05, 0.1, 1.0]) == [
        (0.05, 2.0),
        (0.1, 3.0),
        (1.0, 4.0),
        (INF, 5.0),
    ]
    assert bucket_counts([], [0.1]) == [(0.1, 0.0), (INF, 0.0)]
    assert bucket_counts([3.0], [0.1, INF]) == [(0.1, 0.0), (INF, 1.0)]


@pytest.mark.parametrize("bounds", [[0.2, 0.1], [0.1, 0.1], [math.nan]])
def test_bucket_counts_refuses_bad_bounds(bounds: list[float]) -> None:
    with pytest.raises(ValueError):
        bucket_counts([0.1], bounds)


def test_bucket_counts_refuses_nan_values() -> None:
    with pytest.raises(ValueError):
        bucket_counts([math.nan], [0.1])


def _client_buckets(values: list[float], bounds: tuple[float, ...]) -> list[Bucket]:
    registry = CollectorRegistry()
    histogram = Histogram("probe_seconds", "probe", buckets=bounds, registry=registry)
    for value in values:
        histogram.observe(value)
    return [
        (float(s.labels["le"]), s.value)
        for family in registry.collect()
        for s in family.samples
        if s.name.endswith("_bucket")
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), max_size=60), st.sampled_from([0.05, 0.1, 0.25, 0.0123]))
def test_bucket_counts_matches_prometheus_client(values: list[float], threshold: float) -> None:
    bounds = latency_buckets(threshold)
    assert bucket_counts(values, bounds) == _client_buckets(values, bounds)


# --- property tests ----------------------------------------------------------------------------


def _messy(low: float) -> st.SearchStrategy[list[Bucket]]:
    """Unsorted buckets with duplicate bounds and non-monotonic counts, bounds >= ``low``."""
    return st.lists(
        st.tuples(
            st.one_of(st.floats(low, 1e3, allow_nan=False), st.just(INF)),
            st.floats(0.0, 1e6, allow_nan=False),
        ),
        max_size=12,
    )


@given(_messy(0.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_monotone_in_q_even_for_messy_input(buckets: list[Bucket], q1: float, q2: float) -> None:
    """Never decreasing in q, for non-negative bounds (latencies). PromQL's interpolation can
    round past a bucket's upper bound when the bucket straddles zero (see the next test)."""
    low, high = sorted((q1, q2))
    a, b = histogram_quantile(low, buckets), histogram_quantile(high, buckets)
    if not (math.isnan(a) or math.isnan(b)):
        assert a <= b


@given(_messy(-1e3), st.floats(0.0, 1.0))
def test_result_lies_within_the_named_bucket(buckets: list[Bucket], q: float) -> None:
    value = histogram_quantile(q, buckets)
    bounds = quantile_bucket(q, buckets)
    assert (bounds is None) == math.isnan(value)
    if bounds is None:
        return
    lower, upper = bounds
    assert upper in {bound for bound, _ in buckets}
    if lower >= 0 or lower == -INF:
        assert lower <= value <= upper
    else:  # start + (end - start) * r rounds like PromQL: within an ulp of the bucket
        slack = 2 * math.ulp(max(abs(lower), abs(upper)))
        assert lower - slack <= value <= upper + slack


def test_interpolation_across_zero_rounds_like_promql() -> None:
    """-1 + (u - -1) * 1 with a tiny negative u: 1 - u rounds to 1.0, so the result is 0.0,
    just above the bucket's upper bound. Prometheus computes the same; we do not "fix" it."""
    tiny = -4.922974127111095e-253
    buckets = [(INF, 0.0), (-1.0, 0.0), (tiny, 1.0)]
    assert histogram_quantile(1.0, buckets) == 0.0
    assert quantile_bucket(1.0, buckets) == (-1.0, tiny)


# Decimal SLO quantiles (0.0001 .. 1): the equivalence is exact for these (module docstring).
_slo_q = st.integers(1, 10_000).map(lambda k: k / 10_000)


@st.composite
def _layout_and_threshold(draw: st.DrawFn) -> tuple[list[float], float]:
    """Bounds with neighbours a factor 1.001..2 apart, one of them (not the highest) as the
    threshold: a threshold that is the highest finite bound breaks the equivalence, see
    test_threshold_as_highest_finite_bound_breaks_the_equivalence."""
    bound = draw(st.floats(1e-4, 10.0))
    bounds = [bound]
    for ratio in draw(st.lists(st.floats(1.001, 2.0), min_size=1, max_size=15)):
        bound *= ratio
        bounds.append(bound)
    return bounds, draw(st.sampled_from(bounds[:-1]))


@settings(max_examples=300)
@given(
    _layout_and_threshold(),
    st.lists(st.integers(0, 1000), min_size=2, max_size=17),
    _slo_q,
)
def test_quantile_at_or_below_threshold_iff_ratio_reaches_q(
    layout: tuple[list[float], float], per_bucket: list[int], q: float
) -> None:
    """The key contract: histogram_quantile(q) <= T  <=>  fraction_at_or_below(T) >= q."""
    bounds, threshold = layout
    edges = [*bounds, INF]
    running, buckets = 0, []
    for edge, count in zip(edges, per_bucket + [0] * len(edges), strict=False):
        running += count
        buckets.append((edge, float(running)))
    if running == 0:
        return
    within = fraction_at_or_below(threshold, buckets) >= q
    assert (histogram_quantile(q, buckets) <= threshold) == within


@settings(max_examples=200)
@given(
    st.sampled_from([0.05, 0.1, 0.25]),
    st.lists(st.sampled_from([0.25, 0.9, 0.99, 1.0, 1.001, 1.05, 3.0, 100.0]), min_size=1),
    st.lists(st.floats(0.0, 5.0), max_size=40),
    _slo_q,
)
def test_histogram_ratio_and_exact_verdicts_agree_on_our_layout(
    threshold: float, factors: list[float], noise: list[float], q: float
) -> None:
    """Raw values (many exactly at T) through our layout: all three verdicts are one."""
    values = sorted([threshold * f for f in factors] + [threshold * n for n in noise])
    buckets = bucket_counts(values, latency_buckets(threshold))
    by_quantile = histogram_quantile(q, buckets) <= threshold
    by_ratio = fraction_at_or_below(threshold, buckets) >= q
    by_exact = exact_quantile(values, q) <= threshold
    assert by_quantile == by_ratio == by_exact


@given(st.integers(1, 10**9), st.sampled_from([0.05, 0.1, 0.25]))
def test_boundary_rank_exactly_equal(m: int, threshold: float) -> None:
    """Exactly 95% at or below T: p95 is T itself and within SLO; one fewer and it is over."""
    n, at_or_below = 20 * m, 19 * m
    assert 0.95 * n == at_or_below  # PromQL's rank lands exactly on the le=T count
    above = threshold * 2
    exactly = [(threshold, float(at_or_below)), (above, float(n)), (INF, float(n))]
    assert histogram_quantile(0.95, exactly) == threshold
    assert fraction_at_or_below(threshold, exactly) == 0.95
    one_short = [(threshold, float(at_or_below - 1)), (above, float(n)), (INF, float(n))]
    assert histogram_quantile(0.95, one_short) > threshold
    assert fraction_at_or_below(threshold, one_short) < 0.95


@settings(max_examples=30)
@given(st.integers(1, 300), st.sampled_from([0.05, 0.1, 0.25]))
def test_boundary_rank_exactly_equal_from_raw_values(m: int, threshold: float) -> None:
    """The same boundary through our layout, with values exactly at T and one ulp above it."""
    n, at_or_below = 20 * m, 19 * m
    above = math.nextafter(threshold, INF)
    values = [threshold] * at_or_below + [above] * (n - at_or_below)
    buckets = bucket_counts(values, latency_buckets(threshold))
    assert histogram_quantile(0.95, buckets) == threshold
    assert exact_quantile(values, 0.95) == threshold
    assert fraction_at_or_below(threshold, buckets) == 0.95
    values[at_or_below - 1] = above
    buckets = bucket_counts(values, latency_buckets(threshold))
    assert histogram_quantile(0.95, buckets) > threshold
    assert exact_quantile(values, 0.95) > threshold
    assert fraction_at_or_below(threshold, buckets) < 0.95


# --- against the real thing: Prometheus's own engine via promtool -----------------------------


def _random_case(rng: random.Random) -> tuple[float, list[Bucket]]:
    """A random classic histogram, messy on purpose: unsorted, duplicates, dips, negatives."""
    pool = [-1.0, -0.5, 0.0, 0.001, 0.0123, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0]
    pool += [rng.uniform(0.0, 5.0) for _ in range(3)]
    bounds = sorted(rng.sample(pool, rng.randint(1, 8)))
    if rng.random() < 0.9:
        bounds.append(INF)
    running, buckets = 0.0, []
    for bound in bounds:
        running += rng.choice([0.0, 1.0, float(rng.randint(1, 500)), round(rng.uniform(0, 50), 3)])
        dip = rng.random() < 0.1  # a non-monotonic count, as from non-atomic scrapes
        buckets.append((bound, max(running - rng.randint(1, 5), 0.0) if dip else running))
    if rng.random() < 0.2:
        buckets.append(rng.choice(buckets))  # a duplicate bound (written differently below)
    q = rng.choice([0.0, 0.5, 0.9, 0.95, 0.99, 1.0, rng.random(), -0.5, 1.5])
    rng.shuffle(buckets)
    return q, buckets


def _le(bound: float, spelling: int) -> str:
    if bound == INF:
        return ["+Inf", "Inf", "inf"][spelling % 3]
    return repr(bound) if spelling == 0 else f"{bound:.20e}"


def _promtool_file(cases: list[tuple[float, list[Bucket]]]) -> str:
    """A promtool rules unit test asserting, bit for bit, that PromQL gives our results."""
    series, checks = [], []
    for index, (q, buckets) in enumerate(cases):
        seen: dict[float, int] = {}
        for bound, count in buckets:
            spelling = seen.get(bound, -1) + 1
            seen[bound] = spelling
            assert "e" not in repr(count)  # promtool's series notation has no exponents
            labels = f'case="{index}",le="{_le(bound, spelling)}"'
            series.append(f"      - series: 'm_bucket{{{labels}}}'\n        values: '{count!r}'")
        ours = histogram_quantile(q, buckets)
        expr = f'histogram_quantile({q!r}, m_bucket{{case="{index}"}})'
        if math.isnan(ours):  # NaN never equals NaN: count the NaN samples instead
            expr, labels, value = f"count({expr} != {expr})", "{}", "1"
        else:
            labels = f'{{case="{index}"}}'
            value = {INF: ".inf", -INF: "-.inf"}.get(ours, repr(ours))
        checks.append(
            f"      - expr: '{expr}'\n        eval_time: 0m\n        exp_samples:\n"
            f"          - labels: '{labels}'\n            value: {value}"
        )
    return (
        "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
        "    input_series:\n"
        + "\n".join(series)
        + "\n    promql_expr_test:\n"
        + "\n".join(checks)
        + "\n"
    )


@pytest.mark.integration
def test_bit_identical_to_prometheus(tmp_path: Path) -> None:
    """300 messy histograms evaluated by Prometheus's PromQL engine (promtool compares values
    exactly, so one ulp of difference fails)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus; `make test` installs it)")
    rng = random.Random(20240601)
    cases = [_random_case(rng) for _ in range(300)]
    cases += [(0.95, [(0.05, 19.0), (0.1, 20.0), (INF, 20.0)]), (0.0, [(0.1, 0.0), (INF, 5.0)])]
    rules_test = tmp_path / "histogram_quantile_test.yml"
    rules_test.write_text(_promtool_file(cases), encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", str(rules_test)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "SUCCESS" in result.stdout
