"""Regression results as gate checks: ``<suite_id>_regression``, one line a person can act on.

The message carries what the issue asks a reader to see: the baseline and where it came from,
both values, the change in percent, the interval (never a bare number where the buckets allow
a range), the p-value, the sample sizes and the verdict's reason. Histogram estimates are
marked as estimates. Pure; :func:`cavra_prom.gate.evaluate_gate` calls :func:`regression_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from cavra_prom import conventions as names
from cavra_prom.gate import GateCheck, fmt
from cavra_prom.regression.model import (
    METHOD_BUCKETS,
    LatencyComparison,
    RegressionResult,
    ThroughputComparison,
)

_TINY_P = 1e-12


def percent(ratio: float | None) -> str:
    """A ratio as a signed change: 1.107 -> ``+10.7%``; 0 -> ``-100%``; +Inf -> ``unbounded``."""
    if ratio is None or math.isnan(ratio):
        return "unmeasured"
    if math.isinf(ratio):
        return "unbounded"
    change = (ratio - 1.0) * 100.0
    return f"{change:+.1f}%"


def p_text(p: float) -> str:
    return f"p<{_TINY_P:g}" if p < _TINY_P else f"p={p:.2g}"


def _ms(seconds: float) -> str:
    return fmt(seconds * 1000.0, " ms")


def latency_text(c: LatencyComparison) -> str:
    estimate = c.method == METHOD_BUCKETS
    mark = "~" if estimate else ""
    parts = [
        f"p95 {mark}{_ms(c.current_p95_seconds)} vs {mark}{_ms(c.baseline_p95_seconds)} "
        f"({percent(c.ratio)}, tolerance {percent(c.limit)}"
    ]
    if c.interval is not None:
        parts.append(f"; 95% interval {percent(c.interval[0])}..{percent(c.interval[1])}")
    if c.resolution is not None:
        parts.append(
            f"; the buckets alone allow {percent(c.resolution[0])}..{percent(c.resolution[1])}"
        )
    if c.limit_within_resolution:
        parts.append(", the tolerance falls inside that range: decided on the bucket counts")
    parts.append(
        f"), tail test {p_text(c.p_value)} ({c.current_above:,} of {c.current_count:,} now vs "
        f"{c.baseline_above:,} of {c.baseline_count:,} before above {_ms(c.cut_seconds)})"
    )
    if c.min_samples is not None:
        catch = percent(c.limit * c.limit)
        parts.append(f", {c.min_samples:,} samples per side catch {catch} 95% of the time")
    return "".join(parts)


def throughput_text(c: ThroughputComparison) -> str:
    now, then = c.current.per_second, c.baseline.per_second
    text = f"throughput {fmt(now, '/s')} vs {fmt(then, '/s')} ({percent(c.ratio)}"
    if not c.compared:
        return text + ", not compared: below the suite's minimum throughput)"
    return text + f", tolerance {percent(c.floor)}, {p_text(c.p_value)})"


def baseline_text(result: RegressionResult) -> str:
    ref = result.baseline
    text = f"{ref.kind} baseline {ref.ref}"
    if ref.digest:
        text += f" ({ref.digest[:19]}...)"
    if ref.guard:
        text += f"; {ref.guard}"
    return text


def regression_message(result: RegressionResult) -> str:
    """The check message: verdict reason first, then the numbers it rests on."""
    details = []
    if result.latency is not None:
        details.append(latency_text(result.latency))
    if result.throughput is not None:
        details.append(throughput_text(result.throughput))
    text = f"{result.suite_id} against its {baseline_text(result)}: {'; '.join(result.reasons)}."
    if details:
        text += " " + "; ".join(details) + "."
    return text


def regression_checks(results: Iterable[RegressionResult]) -> list[GateCheck]:
    """One ``<suite_id>_regression`` check per result, ordered by suite id."""
    return [
        GateCheck(names.suite_regression_check_name(r.suite_id), r.verdict, regression_message(r))
        for r in sorted(results, key=lambda r: r.suite_id)
    ]
