"""Fidelity of the histogram p95: our bucket layout against prometheus-client's defaults.

For a seeded matrix of latency distributions (lognormal, narrow lognormal, bimodal, Pareto-like
long tail), each scaled so that its *true* p95 sits at 0.5x, just under, at, just over and 2x
each R6.1 suite's p95 threshold, this draws several thousand samples, observes them into a real
prometheus-client Histogram (on its own registry) with each layout, reads the exposed buckets
back, and compares the p95 Prometheus's ``histogram_quantile`` gives from them with the exact
(nearest-rank) p95 of the samples. It also checks that the within-SLO verdict (p95 <= threshold)
from the histogram, from the exact p95 and from the within-SLO ratio are the same.

Run: ``.venv/bin/python benchmarks/fidelity.py [--samples N] [--seed S]``. Exit 1 if our layout
misses the targets: relative error above 5% in any case, or any verdict disagreement.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Histogram

from cavra_prom.buckets import latency_buckets
from cavra_prom.histogram import Bucket, fraction_at_or_below, histogram_quantile
from cavra_prom.stats import exact_quantile

Q = 0.95
MAX_RELATIVE_ERROR = 0.05
THRESHOLDS = {  # the R6.1 suites' p95 maxima, seconds
    "runtime_decision_latency": 0.050,
    "continuous_monitoring_replay": 0.100,
    "policy_lifecycle_dry_run": 0.250,
}
POSITIONS = (0.5, 0.97, 1.0, 1.03, 2.0)  # true p95 as a multiple of the threshold
# A healthy system usually runs far below its objective; these cases are reported apart (the
# 5% target is for p95s around the threshold, where the layout is densest).
FAR_BELOW_POSITIONS = (0.005, 0.05)
REFERENCE_P95 = 0.018  # the lognormal around 18 ms where the default buckets read ~25% off

Sampler = Callable[[random.Random], float]


@dataclass(frozen=True)
class Shape:
    """A distribution family at unit scale, with its true p95 (so it can be scaled onto one)."""

    name: str
    sample: Sampler
    p95: float


@dataclass(frozen=True)
class Case:
    shape: str
    threshold: float
    true_p95: float
    exact_p95: float
    ours_p95: float
    default_p95: float
    ours_agree: bool
    default_agree: bool
    far_below: bool = False

    @property
    def ours_error(self) -> float:
        return abs(self.ours_p95 - self.exact_p95) / self.exact_p95

    @property
    def default_error(self) -> float:
        return abs(self.default_p95 - self.exact_p95) / self.exact_p95


def _shapes() -> list[Shape]:
    z95 = statistics.NormalDist().inv_cdf(Q)
    alpha = 1.5  # Lomax tail with an offset: a floor plus a heavy tail, p95 at 0.5+0.5*(20^(1/a)-1)
    return [
        Shape("lognormal s=0.5", lambda r: r.lognormvariate(0.0, 0.5), math.exp(0.5 * z95)),
        Shape("lognormal s=0.1", lambda r: r.lognormvariate(0.0, 0.1), math.exp(0.1 * z95)),
        Shape("bimodal 88/12", _bimodal_sample, _bimodal_p95()),
        Shape(
            "pareto a=1.5",
            lambda r: 0.5 + 0.5 * (r.paretovariate(alpha) - 1.0),
            0.5 + 0.5 * (20 ** (1 / alpha) - 1.0),
        ),
    ]


_SLOW_SHARE, _SLOW_MEDIAN, _FAST_SIGMA, _SLOW_SIGMA = 0.12, 5.0, 0.25, 0.2


def _bimodal_sample(rng: random.Random) -> float:
    """A fast mode and a slow mode (cache misses, retries): p95 sits inside the slow mode."""
    if rng.random() < _SLOW_SHARE:
        return rng.lognormvariate(math.log(_SLOW_MEDIAN), _SLOW_SIGMA)
    return rng.lognormvariate(0.0, _FAST_SIGMA)


def _bimodal_p95() -> float:
    """True p95 of the mixture, by bisection on its CDF."""
    unit = statistics.NormalDist()

    def cdf(x: float) -> float:
        fast = unit.cdf(math.log(x) / _FAST_SIGMA)
        slow = unit.cdf((math.log(x) - math.log(_SLOW_MEDIAN)) / _SLOW_SIGMA)
        return (1 - _SLOW_SHARE) * fast + _SLOW_SHARE * slow

    low, high = 1e-3, 1e3
    for _ in range(200):
        middle = math.sqrt(low * high)
        low, high = (middle, high) if cdf(middle) < Q else (low, middle)
    return math.sqrt(low * high)


def _observed_buckets(samples: Sequence[float], bounds: Sequence[float]) -> list[Bucket]:
    """Observe into a real prometheus-client Histogram and read back what it would expose."""
    registry = CollectorRegistry()
    histogram = Histogram("fidelity_seconds", "fidelity", buckets=bounds, registry=registry)
    for value in samples:
        histogram.observe(value)
    return [
        (float(sample.labels["le"]), sample.value)
        for family in registry.collect()
        for sample in family.samples
        if sample.name.endswith("_bucket")
    ]


def _verdicts_agree(buckets: Sequence[Bucket], threshold: float, exact_within: bool) -> bool:
    """Histogram p95 verdict, within-SLO ratio verdict and exact verdict: all the same?"""
    by_quantile = histogram_quantile(Q, buckets) <= threshold
    if threshold not in {bound for bound, _ in buckets}:
        return by_quantile == exact_within
    by_ratio = fraction_at_or_below(threshold, buckets) >= Q
    return by_quantile == by_ratio == exact_within


def run_case(shape: Shape, threshold: float, true_p95: float, rng: random.Random, n: int) -> Case:
    scale = true_p95 / shape.p95
    samples = sorted(shape.sample(rng) * scale for _ in range(n))
    exact = exact_quantile(samples, Q)
    ours = _observed_buckets(samples, latency_buckets(threshold))
    default = _observed_buckets(samples, Histogram.DEFAULT_BUCKETS)
    return Case(
        shape=shape.name,
        threshold=threshold,
        true_p95=true_p95,
        exact_p95=exact,
        ours_p95=histogram_quantile(Q, ours),
        default_p95=histogram_quantile(Q, default),
        ours_agree=_verdicts_agree(ours, threshold, exact <= threshold),
        default_agree=_verdicts_agree(default, threshold, exact <= threshold),
        far_below=true_p95 < threshold * min(POSITIONS),
    )


def run_matrix(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    shapes = _shapes()
    cases = [
        run_case(shape, threshold, threshold * position, rng, n)
        for threshold in THRESHOLDS.values()
        for shape in shapes
        for position in (*POSITIONS, *FAR_BELOW_POSITIONS)
    ]
    cases.append(run_case(shapes[0], THRESHOLDS["runtime_decision_latency"], REFERENCE_P95, rng, n))
    return cases


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def report(cases: Sequence[Case], n: int, seed: int) -> str:
    lines = [
        f"p95 fidelity: {len(cases)} cases, {n} samples each, seed {seed}",
        "",
        "| shape | T ms | true p95 ms | exact p95 ms | ours p95 ms | ours err | "
        "default p95 ms | default err | exact verdict | ours agree | default agree |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for c in cases:
        lines.append(
            f"| {c.shape} | {_ms(c.threshold)} | {_ms(c.true_p95)} | {_ms(c.exact_p95)} | "
            f"{_ms(c.ours_p95)} | {c.ours_error:6.2%} | {_ms(c.default_p95)} | "
            f"{c.default_error:6.2%} | {'within' if c.exact_p95 <= c.threshold else 'over'} | "
            f"{'yes' if c.ours_agree else 'NO'} | {'yes' if c.default_agree else 'NO'} |"
        )
    for title, group in (
        ("p95 around the threshold (0.5x-2x): the target", [c for c in cases if not c.far_below]),
        (
            "p95 below 0.5x the threshold (0.005x, 0.05x, the 18 ms case): reported",
            [c for c in cases if c.far_below],
        ),
    ):
        lines += ["", title, ""]
        lines += _summary(group)
    return "\n".join(lines)


def _summary(cases: Sequence[Case]) -> list[str]:
    lines = ["| layout | bounds | max rel err | mean rel err | verdicts agree |"]
    lines.append("|---|---:|---:|---:|---:|")
    for name, errors, agree, bounds in (
        (
            "ours (latency_buckets)",
            [c.ours_error for c in cases],
            sum(c.ours_agree for c in cases),
            _our_bound_counts(),
        ),
        (
            "prometheus-client default",
            [c.default_error for c in cases],
            sum(c.default_agree for c in cases),
            str(len(Histogram.DEFAULT_BUCKETS) - 1),
        ),
    ):
        lines.append(
            f"| {name} | {bounds} | {max(errors):.2%} | {statistics.fmean(errors):.2%} | "
            f"{agree}/{len(cases)} |"
        )
    return lines


def _our_bound_counts() -> str:
    """Bounds per suite in our layout, e.g. "57" (or "56-58" if the suites differed)."""
    counts = sorted({len(latency_buckets(t)) for t in THRESHOLDS.values()})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    cases = run_matrix(args.samples, args.seed)
    print(report(cases, args.samples, args.seed))
    worst = max(c.ours_error for c in cases if not c.far_below)
    disagreements = sum(not c.ours_agree for c in cases)
    if worst > MAX_RELATIVE_ERROR or disagreements:
        print(
            f"\nTARGET MISSED: max relative error {worst:.2%} (target {MAX_RELATIVE_ERROR:.0%}), "
            f"{disagreements} verdict disagreement(s) (target 0)"
        )
        return 1
    print(
        f"\ntargets met: max relative error {worst:.2%} <= {MAX_RELATIVE_ERROR:.0%}, "
        "every verdict agrees"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
