"""What a suite is compared against, and the guard that keeps a rolling baseline honest.

A baseline is a latency histogram and a throughput (counts and active seconds), whatever it
was read from: a pinned packet, the median of the last packets in the store, or the same
window an offset earlier in Prometheus (:mod:`.sources` reads them). Pure functions here.

**Median of N.** The rolling baseline is the *median packet*: the stored packet whose p95 is
the (lower) median of the last N, used whole, so the comparison is against one real window
with the same kind of sampling noise as the current one, and one noisy window among N cannot
move it. Throughput takes its own median packet.

**Run-to-run noise.** A rolling baseline also knows how much the p95 varied across its
packets. A rise that stays within that range (the current p95 is no higher than the slowest of
the last N) is what a noisy machine or a noisy neighbour produces from one run to the next, so
it is a warning, not a blocker, however significant within the two windows. An unchanged
system exceeds the slowest of N earlier runs only 1 time in N + 1.

**Drift guard.** A rolling baseline follows the system, so a slowdown of 9 % a week would pass
every week and never alert. When a pinned baseline is configured too, the rolling one may
never be worse than the pinned one plus the tolerance: past that, the pinned packet is the
baseline and the allowed ratio is ``(1 + tolerance)`` times the usual one, which is exactly
"compared with the pinned baseline plus tolerance". The packet names the guard when it acts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from cavra_prom.evaluation.model import SuiteEvaluation
from cavra_prom.gate import fmt
from cavra_prom.histogram import histogram_quantile
from cavra_prom.regression.data import LatencyData, ThroughputData
from cavra_prom.regression.exceedance import Q95
from cavra_prom.regression.model import BaselineRef


@dataclass(frozen=True)
class SuiteBaseline:
    """One suite's baseline. ``*_allowance`` multiplies the allowed ratio (1 unless guarded)."""

    suite_id: str
    ref: BaselineRef
    latency: LatencyData | None
    throughput: ThroughputData | None
    latency_allowance: float = 1.0
    throughput_allowance: float = 1.0


@dataclass(frozen=True)
class Unavailable:
    """No baseline for this suite, and what that means for the gate (warn or blocker)."""

    suite_id: str
    ref: BaselineRef
    reason: str
    verdict: str


BaselineOutcome = SuiteBaseline | Unavailable


def from_suite(ev: SuiteEvaluation, ref: BaselineRef) -> SuiteBaseline:
    """A baseline from a suite as a packet or Prometheus reported it (histogram, throughput)."""
    latency = None
    if ev.histogram is not None and ev.histogram.bounds_seconds:
        snapshot = ev.histogram
        if math.isinf(snapshot.bounds_seconds[-1]):
            latency = LatencyData(snapshot.bounds_seconds, snapshot.cumulative_counts)
    count = latency.cumulative[-1] if latency is not None else float(ev.sample_count)
    return SuiteBaseline(
        ev.suite_id, ref, latency, ThroughputData.from_rate(count, ev.throughput_per_second)
    )


def p95_seconds(latency: LatencyData | None) -> float | None:
    """Prometheus's p95 estimate of a baseline histogram (None when it has no data)."""
    if latency is None or latency.count == 0:
        return None
    value = histogram_quantile(Q95, latency.buckets())
    return value if math.isfinite(value) else None


def _lower_median(items: Sequence[SuiteBaseline]) -> SuiteBaseline:
    return items[(len(items) - 1) // 2]


def rolling_median(candidates: Sequence[SuiteBaseline], ref: BaselineRef) -> SuiteBaseline | None:
    """The median packet by p95 (latency) and by throughput, each taken whole."""
    by_p95 = sorted(
        (b for b in candidates if p95_seconds(b.latency) is not None),
        key=lambda b: p95_seconds(b.latency) or 0.0,
    )
    by_rate = sorted(
        (b for b in candidates if b.throughput and b.throughput.per_second is not None),
        key=lambda b: (b.throughput.per_second or 0.0) if b.throughput else 0.0,
    )
    if not by_p95 and not by_rate:
        return None
    suite_id = candidates[0].suite_id
    if by_p95:
        spread = (p95_seconds(by_p95[0].latency) or 0.0, p95_seconds(by_p95[-1].latency) or 0.0)
        ref = dataclasses.replace(ref, p95_range_seconds=spread)
    return SuiteBaseline(
        suite_id,
        ref,
        _lower_median(by_p95).latency if by_p95 else None,
        _lower_median(by_rate).throughput if by_rate else None,
    )


def within_run_to_run(ref: BaselineRef, current_p95_seconds: float) -> bool:
    """True when a rolling baseline's own packets already reached this p95: the rise is
    within the run-to-run variation the store has seen (a noisy machine looks like this)."""
    spread = ref.p95_range_seconds
    return spread is not None and not ref.latency_guarded and current_p95_seconds <= spread[1]


def drift_guard(
    rolling: SuiteBaseline,
    pinned: SuiteBaseline,
    p95_increase_max: float,
    throughput_decrease_max: float,
) -> SuiteBaseline:
    """The rolling baseline, or the pinned one plus tolerance where the rolling one drifted."""
    guarded = rolling
    notes: list[str] = []
    rolled, anchor = p95_seconds(rolling.latency), p95_seconds(pinned.latency)
    if rolled is not None and anchor is not None and rolled > anchor * (1 + p95_increase_max):
        guarded = dataclasses.replace(
            guarded, latency=pinned.latency, latency_allowance=1 + p95_increase_max
        )
        notes.append(
            f"rolling p95 {fmt(rolled * 1000, ' ms')} is worse than the pinned "
            f"{fmt(anchor * 1000, ' ms')} plus {fmt(p95_increase_max * 100, '%')}"
        )
    now = rolling.throughput.per_second if rolling.throughput else None
    then = pinned.throughput.per_second if pinned.throughput else None
    if now is not None and then is not None and now < then * (1 - throughput_decrease_max):
        guarded = dataclasses.replace(
            guarded, throughput=pinned.throughput, throughput_allowance=1 - throughput_decrease_max
        )
        notes.append(
            f"rolling throughput {fmt(now, '/s')} is worse than the pinned {fmt(then, '/s')} "
            f"minus {fmt(throughput_decrease_max * 100, '%')}"
        )
    if not notes:
        return rolling
    note = "drift guard: " + "; ".join(notes) + f", so compared with {pinned.ref.ref}"
    ref = dataclasses.replace(
        rolling.ref,
        guard=note,
        latency_guarded=guarded.latency_allowance != 1.0,
        throughput_guarded=guarded.throughput_allowance != 1.0,
    )
    return dataclasses.replace(guarded, ref=ref)


def guard_allowances(
    ref: BaselineRef, p95_increase_max: float, throughput_decrease_max: float
) -> tuple[float, float]:
    """The (latency, throughput) allowances a guarded reference implies under these tolerances."""
    return (
        1 + p95_increase_max if ref.latency_guarded else 1.0,
        1 - throughput_decrease_max if ref.throughput_guarded else 1.0,
    )
