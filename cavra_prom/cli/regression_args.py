"""``--baseline`` and ``--inject-latency`` for ``cavra benchmark run``.

``--baseline FILE|URL`` compares every suite with that readiness packet (pinned baseline);
without it, suites whose spec names a ``pinned_packet`` are compared with theirs. The baseline
is read and checked *before* the suites run, so a bad file fails in a second with exit 2, not
after the whole benchmark.

``--inject-latency SUITE=DURATION`` adds that much real delay to every operation of a reference
suite (the runtime's latency fault, the same one ``cavra serve --allow-fault-injection``
exposes): a way to watch the regression gate block a real slowdown, and the end-to-end test of
it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from prometheus_client.registry import CollectorRegistry

from cavra_prom.benchmark import Regress
from cavra_prom.durations import DurationError, parse_duration
from cavra_prom.errors import InputError, Problem
from cavra_prom.evaluation.model import Evaluation
from cavra_prom.regression.apply import regression_results, with_regressions
from cavra_prom.regression.metrics import RegressionMetrics
from cavra_prom.regression.resolve import BaselineSettings, resolve_baselines
from cavra_prom.runner import SuiteRun
from cavra_prom.runtime.faults import MAX_LATENCY_SECONDS
from cavra_prom.spec.model import Spec

FLAG_BASELINE = "--baseline"
FLAG_INJECT = "--inject-latency"


def add_baseline_arguments(parser: Any) -> None:
    parser.add_argument(
        FLAG_BASELINE,
        metavar="FILE|URL",
        help="compare every suite with this readiness packet (regression gate)",
    )
    parser.add_argument(
        FLAG_INJECT,
        metavar="SUITE=DURATION",
        action="append",
        default=[],
        help="slow every operation of a reference suite by DURATION (e.g. 5ms); repeatable",
    )


def latency_faults(args: argparse.Namespace, spec: Spec) -> dict[str, float]:
    """``--inject-latency`` values by suite id; :class:`InputError` for a bad one."""
    faults: dict[str, float] = {}
    for text in args.inject_latency:
        suite_id, sep, duration = str(text).partition("=")
        problem = _fault_problem(spec, suite_id, sep, duration)
        if problem:
            raise InputError([Problem(FLAG_INJECT, text, problem)])
        faults[suite_id] = parse_duration(duration)
    return faults


def _fault_problem(spec: Spec, suite_id: str, sep: str, duration: str) -> str | None:
    if not sep:
        return "expected SUITE=DURATION, e.g. runtime_decision_latency=5ms"
    suite = next((s for s in spec.suites if s.id == suite_id), None)
    if suite is None:
        return f"no suite {suite_id!r} in the spec ({', '.join(s.id for s in spec.suites)})"
    if suite.target.kind != "reference":
        return f"suite {suite_id} is a {suite.target.kind} target; only reference suites slow down"
    try:
        seconds = parse_duration(duration)
    except DurationError as exc:
        return str(exc)
    if seconds > MAX_LATENCY_SECONDS:
        return f"at most {MAX_LATENCY_SECONDS:g}s per operation"
    return None


def regression_hook(
    baseline: str | None, spec: Spec, registry: CollectorRegistry | None
) -> Regress | None:
    """Resolve the baselines now; the returned hook compares the run with them.

    None when no suite has an applicable baseline (no ``--baseline``, no pinned packet in the
    spec): the gate then has no regression checks, as before.
    """
    baselines = resolve_baselines(spec, BaselineSettings(pinned_override=baseline))
    if not baselines:
        return None
    metrics = RegressionMetrics(registry)

    def regress(evaluation: Evaluation, runs: Sequence[SuiteRun]) -> Evaluation:
        raw = {run.suite_id: run.latencies_seconds() for run in runs}
        results = regression_results(evaluation, spec, baselines, raw)
        metrics.update(results)
        return with_regressions(evaluation, results)

    return regress
