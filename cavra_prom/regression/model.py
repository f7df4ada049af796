"""What a comparison with a baseline found, per suite: the gate's regression input.

Plain frozen dataclasses with no imports from the rest of the package except the data they
carry, so :mod:`cavra_prom.evaluation.model` can hold them (``Evaluation.regressions``) and
:mod:`cavra_prom.gate` can turn them into checks without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from cavra_prom import conventions as names
from cavra_prom.regression.data import LatencyData, ThroughputData

VERDICT_PASS = names.STATUS_PASS
VERDICT_WARN = names.STATUS_WARN
VERDICT_BLOCKER = names.STATUS_BLOCKER
_SEVERITY = {VERDICT_PASS: 0, VERDICT_WARN: 1, VERDICT_BLOCKER: 2}

KIND_PINNED = "pinned"
KIND_ROLLING = "rolling"
KIND_PROMQL = "promql"
"""Baseline kinds, as the spec's ``regression.baseline`` names them."""

METHOD_RAW = "raw"
"""Both sides had raw durations: exact p95s, the test cut at the exact pooled p95."""
METHOD_BUCKETS = "buckets"
"""At least one side is a histogram: interpolated p95s on shared bounds, cut at a bound."""


def worst(*verdicts: str) -> str:
    return max(verdicts, key=lambda v: _SEVERITY[v], default=VERDICT_PASS)


@dataclass(frozen=True)
class BaselineRef:
    """Where a suite's baseline came from.

    ``ref`` is a file path, a URL (without credentials), the store directory, or the PromQL
    offset; ``digest`` the pinned packet's integrity digest; ``packets`` how many stored
    packets a rolling median was taken over; ``guard`` says when the drift guard replaced a
    rolling baseline by the pinned one (and by how much it had drifted), and the two flags
    which comparison it replaced (so a checker can apply the same allowance).
    """

    kind: str
    ref: str
    digest: str | None = None
    packets: int = 1
    guard: str | None = None
    latency_guarded: bool = False
    throughput_guarded: bool = False
    p95_range_seconds: tuple[float, float] | None = None
    """Rolling only: the lowest and highest p95 among the packets the median came from."""


@dataclass(frozen=True)
class LatencyComparison:
    """p95 now against p95 then, the test, and how sure either number is.

    ``limit`` is the largest allowed ratio (``1 + p95_increase_max``; squared under the drift
    guard). ``interval`` is the 95 % interval of the ratio (sampling and bucket resolution);
    ``resolution`` the range the buckets alone allow (None for raw data). ``min_samples`` is
    the size per side at which a slowdown of ``limit**2`` is caught 95 % of the time;
    ``samples_needed`` the same for ``limit`` itself.
    """

    method: str
    baseline_p95_seconds: float
    current_p95_seconds: float
    limit: float
    p_value: float
    cut_seconds: float
    baseline_count: int
    current_count: int
    baseline_above: int
    current_above: int
    interval: tuple[float, float] | None
    resolution: tuple[float, float] | None
    min_samples: int | None
    samples_needed: int | None
    mann_whitney_p: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_p95_seconds <= 0:
            return None
        return self.current_p95_seconds / self.baseline_p95_seconds

    @property
    def limit_within_resolution(self) -> bool:
        """The tolerance point lies inside what the buckets allow: the buckets cannot say on
        which side of it the p95 is, so the counts (the tail test) and the interpolated
        estimate decide, and the packet says so."""
        return self.resolution is not None and self.resolution[0] < self.limit < self.resolution[1]


@dataclass(frozen=True)
class ThroughputComparison:
    """Throughput now against then; ``floor`` is the smallest allowed ratio."""

    baseline: ThroughputData
    current: ThroughputData
    floor: float
    p_value: float
    compared: bool = True
    """False when either side is below ``min_throughput_per_second`` (an idle suite)."""

    @property
    def ratio(self) -> float | None:
        before, now = self.baseline.per_second, self.current.per_second
        if before is None or now is None or before <= 0:
            return None
        return now / before


@dataclass(frozen=True)
class RegressionResult:
    """One suite against its baseline: the verdict and everything it rests on.

    ``latency``/``throughput`` are None when that comparison could not be made (no baseline
    data); ``reasons`` then say why. ``baseline_latency`` is the baseline histogram on the
    bounds compared (a packet carries it so a checker can redo the comparison).
    """

    suite_id: str
    verdict: str
    reasons: tuple[str, ...]
    baseline: BaselineRef
    latency: LatencyComparison | None = None
    throughput: ThroughputComparison | None = None
    baseline_latency: LatencyData | None = None

    @property
    def ratio(self) -> float | None:
        """Current p95 / baseline p95: what ``cavra_suite_regression_ratio`` exports."""
        return None if self.latency is None else self.latency.ratio
