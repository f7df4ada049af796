"""Which baseline each suite gets, read from wherever it lives (the I/O edge of regression).

Per suite, ``regression.baseline`` picks the kind; ``--baseline FILE`` (``pinned_override``)
makes every suite pinned to that packet. A kind whose source the caller does not have is not
applicable and yields no result (``cavra benchmark run`` has no packet store and no Prometheus,
so rolling and PromQL baselines are for ``cavra serve`` and ``cavra benchmark evaluate``).

* pinned: a packet file or URL. Unreadable is bad input when given on the command line
  (:class:`~cavra_prom.packet.reader.PacketError`, exit 2) and a blocker when the spec names it
  for a long-running service (``strict=False``): the gate fails closed either way.
* rolling: the median of the last ``rolling_count`` packets in the store, drift-guarded by
  ``pinned_packet`` when the spec gives one. An empty store is a warning ("no baseline yet").
* promql: :mod:`.promql_baseline`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cavra_prom.errors import InputError
from cavra_prom.evaluation.model import Evaluation
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.regression.apply import regression_results, with_regressions
from cavra_prom.regression.baseline import (
    BaselineOutcome,
    SuiteBaseline,
    Unavailable,
    drift_guard,
    rolling_median,
)
from cavra_prom.regression.metrics import RegressionMetrics
from cavra_prom.regression.model import (
    KIND_PINNED,
    KIND_PROMQL,
    KIND_ROLLING,
    VERDICT_BLOCKER,
    VERDICT_WARN,
    BaselineRef,
)
from cavra_prom.regression.promql_baseline import promql_baselines
from cavra_prom.regression.sources import (
    DEFAULT_TIMEOUT_SECONDS,
    pinned_baselines,
    stored_packets,
    suites_of,
)
from cavra_prom.spec.model import Spec, SuiteSpec


@dataclass(frozen=True)
class BaselineSettings:
    """What the caller can reach. ``at``/``window_seconds`` place the PromQL baseline."""

    pinned_override: str | None = None
    store_dir: str | Path | None = None
    source: PrometheusSource | None = None
    window_seconds: float | None = None
    at: float | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    strict: bool = True


class _PinnedCache:
    """Each pinned packet is read once per resolution, however many suites name it."""

    def __init__(self, settings: BaselineSettings) -> None:
        self._settings = settings
        self._read: dict[str, dict[str, SuiteBaseline] | InputError] = {}

    def suites(self, ref: str) -> dict[str, SuiteBaseline] | InputError:
        if ref not in self._read:
            try:
                self._read[ref] = pinned_baselines(ref, self._settings.timeout_seconds)
            except InputError as exc:
                if self._settings.strict:
                    raise
                self._read[ref] = exc
        return self._read[ref]


def resolve_baselines(spec: Spec, settings: BaselineSettings) -> dict[str, BaselineOutcome]:
    """Each suite's baseline, where its kind is applicable (see the module docstring)."""
    pinned = _PinnedCache(settings)
    found: dict[str, BaselineOutcome] = {}
    promql_suites: list[SuiteSpec] = []
    for suite in spec.suites:
        kind = KIND_PINNED if settings.pinned_override else suite.regression.baseline
        if kind == KIND_PINNED:
            ref = settings.pinned_override or suite.regression.pinned_packet
            if ref is not None:
                found[suite.id] = _pinned(suite, ref, pinned)
        elif kind == KIND_ROLLING and settings.store_dir is not None:
            found[suite.id] = _rolling(suite, settings.store_dir, pinned)
        elif kind == KIND_PROMQL and settings.source is not None:
            promql_suites.append(suite)
    if promql_suites and settings.source is not None and settings.window_seconds:
        at = settings.at if settings.at is not None else time.time()
        found.update(promql_baselines(settings.source, promql_suites, settings.window_seconds, at))
    return found


def _pinned(suite: SuiteSpec, ref: str, cache: _PinnedCache) -> BaselineOutcome:
    suites = cache.suites(ref)
    if isinstance(suites, InputError):
        return Unavailable(
            suite.id, BaselineRef(KIND_PINNED, ref), f"unreadable: {suites}", VERDICT_BLOCKER
        )
    baseline = suites.get(suite.id)
    if baseline is None:
        return Unavailable(
            suite.id,
            BaselineRef(KIND_PINNED, ref),
            f"the pinned packet has no suite {suite.id}",
            VERDICT_WARN,
        )
    return baseline


def _rolling(suite: SuiteSpec, store_dir: str | Path, cache: _PinnedCache) -> BaselineOutcome:
    policy = suite.regression
    packets = stored_packets(store_dir, policy.rolling_count)
    ref = BaselineRef(KIND_ROLLING, f"{store_dir} (median of {len(packets)})", packets=len(packets))
    candidates = _candidates(suite.id, packets, ref)
    median = rolling_median(candidates, ref) if candidates else None
    if median is None:
        return Unavailable(
            suite.id, ref, "no earlier packet in the store has this suite yet", VERDICT_WARN
        )
    if policy.pinned_packet is None:
        return median
    anchor = _pinned(suite, policy.pinned_packet, cache)
    if isinstance(anchor, Unavailable):
        return Unavailable(
            suite.id, ref, f"the drift guard's pinned baseline is {anchor.reason}", anchor.verdict
        )
    return drift_guard(median, anchor, policy.p95_increase_max, policy.throughput_decrease_max)


def _candidates(
    suite_id: str, packets: Sequence[dict[str, object]], ref: BaselineRef
) -> list[SuiteBaseline]:
    found = []
    for packet in packets:
        baseline = suites_of(packet, ref).get(suite_id)
        if baseline is not None:
            found.append(baseline)
    return found


def compare_with_baselines(
    evaluation: Evaluation,
    spec: Spec,
    settings: BaselineSettings,
    metrics: RegressionMetrics | None = None,
    raw: Mapping[str, Sequence[float]] | None = None,
) -> Evaluation:
    """Resolve the baselines and attach each suite's comparison: the one call ``cavra serve``
    (``store_dir``, ``source``, ``strict=False``) and ``cavra benchmark evaluate``
    (``source``) make before gating. Updates ``cavra_suite_regression_ratio`` when given."""
    placed = settings
    if settings.at is None:
        placed = dataclasses.replace(settings, at=evaluation.evaluated_at)
    if placed.window_seconds is None and evaluation.window_seconds:
        placed = dataclasses.replace(placed, window_seconds=evaluation.window_seconds)
    baselines = resolve_baselines(spec, placed)
    if not baselines:
        return evaluation
    results = regression_results(evaluation, spec, baselines, raw)
    if metrics is not None:
        metrics.update(results)
    return with_regressions(evaluation, results)
