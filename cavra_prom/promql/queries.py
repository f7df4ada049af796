"""Pure PromQL builders: one function per SLI, shared by evaluator, rules and dashboards.

The number a release manager reads in the packet, the number that pages and the number on
the board must be one number, so all three are built here. Every builder groups ``by (suite)``
(or ``by (drill)``): the evaluator's query count does not grow with the number of suites.

``window`` is a PromQL duration (``5m``, ``30s``) or a template variable such as
``$__rate_interval`` for dashboards; ``matchers`` are extra label matchers written inside the
selector braces (``suite=~"$suite"``), empty by default.
"""

from __future__ import annotations

import json

from cavra_prom import conventions as names
from cavra_prom.spec.model import WINDOW_PLACEHOLDER


def format_duration(seconds: float) -> str:
    """Seconds as the shortest exact PromQL duration: 300 -> ``5m``, 90 -> ``90s``."""
    if seconds <= 0:
        raise ValueError(f"a PromQL duration must be > 0 seconds, got {seconds!r}")
    whole = round(seconds * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}ms"


def selector(metric: str, matchers: str = "", extra: str = "") -> str:
    """``metric{matchers,extra}``; braces always written so matchers splice in cleanly."""
    parts = [m for m in (matchers, extra) if m]
    return f"{metric}{{{','.join(parts)}}}"


def _by_suite_increase(metric: str, window: str, matchers: str = "", extra: str = "") -> str:
    return f"sum by ({names.LABEL_SUITE}) (increase({selector(metric, matchers, extra)}[{window}]))"


def latency_quantile(q: float, window: str, matchers: str = "") -> str:
    """p-quantile latency (seconds) per suite, as ``histogram_quantile`` over bucket rates."""
    buckets = selector(names.SUITE_LATENCY_BUCKET, matchers)
    return (
        f"histogram_quantile({q}, sum by ({names.LABEL_LE}, {names.LABEL_SUITE}) "
        f"(rate({buckets}[{window}])))"
    )


def bucket_increase(window: str, matchers: str = "") -> str:
    """Cumulative bucket counts per suite over the window: the histogram a packet carries."""
    buckets = selector(names.SUITE_LATENCY_BUCKET, matchers)
    return f"sum by ({names.LABEL_LE}, {names.LABEL_SUITE}) (increase({buckets}[{window}]))"


def throughput(window: str, matchers: str = "") -> str:
    """Operations per active second: right for continuous and for bursty load alike."""
    ops = _by_suite_increase(names.SUITE_OPERATIONS_TOTAL, window, matchers)
    active = _by_suite_increase(names.SUITE_ACTIVE_SECONDS_TOTAL, window, matchers)
    return f"{ops} / {active}"


def error_ratio(window: str, matchers: str = "") -> str:
    errors = _by_suite_increase(
        names.SUITE_OPERATIONS_TOTAL,
        window,
        matchers,
        f'{names.LABEL_OUTCOME}="{names.OUTCOME_ERROR}"',
    )
    total = _by_suite_increase(names.SUITE_OPERATIONS_TOTAL, window, matchers)
    return f"{errors} / {total}"


def within_slo_ratio(window: str, matchers: str = "") -> str:
    """Share of operations at or under the threshold: decides "p95 within SLO" exactly."""
    within = _by_suite_increase(names.SUITE_WITHIN_SLO_TOTAL, window, matchers)
    total = _by_suite_increase(names.SUITE_LATENCY_COUNT, window, matchers)
    return f"{within} / {total}"


def sample_count(window: str, matchers: str = "") -> str:
    return _by_suite_increase(names.SUITE_LATENCY_COUNT, window, matchers)


def operations_rate(window: str, matchers: str = "") -> str:
    """Operations per wall-clock second (the minimum-traffic guard of regression alerts)."""
    ops = selector(names.SUITE_OPERATIONS_TOTAL, matchers)
    return f"sum by ({names.LABEL_SUITE}) (rate({ops}[{window}]))"


def suite_last_run_age(matchers: str = "") -> str:
    last = selector(names.SUITE_LAST_RUN_TIMESTAMP_SECONDS, matchers)
    return f"time() - max by ({names.LABEL_SUITE}) ({last})"


def latency_threshold(matchers: str = "") -> str:
    return (
        f"max by ({names.LABEL_SUITE}) ({selector(names.SLO_LATENCY_THRESHOLD_SECONDS, matchers)})"
    )


def throughput_floor(matchers: str = "") -> str:
    return f"max by ({names.LABEL_SUITE}) ({selector(names.SLO_THROUGHPUT_MIN, matchers)})"


def drill_passed(matchers: str = "") -> str:
    """Per drill, 1 only if every instance's last run passed (min across instances)."""
    return f"min by ({names.LABEL_DRILL}) ({selector(names.DRILL_PASSED, matchers)})"


def drill_last_run_age(matchers: str = "") -> str:
    last = selector(names.DRILL_LAST_RUN_TIMESTAMP_SECONDS, matchers)
    return f"time() - max by ({names.LABEL_DRILL}) ({last})"


def drill_last_run(matchers: str = "") -> str:
    last = selector(names.DRILL_LAST_RUN_TIMESTAMP_SECONDS, matchers)
    return f"max by ({names.LABEL_DRILL}) ({last})"


def drill_recovery_seconds(matchers: str = "") -> str:
    recovery = selector(names.DRILL_RECOVERY_SECONDS, matchers)
    return f"max by ({names.LABEL_DRILL}) ({recovery})"


def with_window(expression: str, window: str) -> str:
    """Fill the spec's ``$window`` placeholder (HA/DR queries written by users)."""
    return expression.replace(WINDOW_PLACEHOLDER, window)


def availability_ratio(good_query: str, total_query: str, window: str) -> str:
    """The HA availability SLI over ``window``, from the spec's good/total queries."""
    return f"({with_window(good_query, window)}) / ({with_window(total_query, window)})"


def burn_rate(good_query: str, total_query: str, window: str, objective: float) -> str:
    """Error-budget burn rate over ``window``: error ratio / (1 - objective)."""
    budget = round(1.0 - objective, 12)
    return f"(1 - {availability_ratio(good_query, total_query, window)}) / {budget}"


# --- dashboards (issue 6): gate and packet gauges, sample rate, baseline window, alerts ----


def gate_ready(matchers: str = "") -> str:
    """1 when the latest gate had no blocker; ``min`` so one blocked instance shows blocked."""
    return f"min({selector(names.GATE_READY, matchers)})"


def gate_blockers(matchers: str = "") -> str:
    """Blockers in the latest gate (the most any instance reports)."""
    return f"max({selector(names.GATE_BLOCKERS, matchers)})"


def packet_age(matchers: str = "") -> str:
    """Seconds since the newest packet was rendered: a stale packet is a dead evaluator."""
    return f"time() - max({selector(names.PACKET_LAST_RENDER_TIMESTAMP_SECONDS, matchers)})"


def sample_rate(window: str, matchers: str = "") -> str:
    """Latency samples recorded per wall-clock second (what the sample floor is made of)."""
    count = selector(names.SUITE_LATENCY_COUNT, matchers)
    return f"sum by ({names.LABEL_SUITE}) (rate({count}[{window}]))"


def _by_suite_increase_at(metric: str, window: str, offset: str, matchers: str) -> str:
    ranged = f"{selector(metric, matchers)}[{window}] offset {offset}"
    return f"sum by ({names.LABEL_SUITE}) (increase({ranged}))"


def latency_quantile_baseline(q: float, window: str, offset: str, matchers: str = "") -> str:
    """``latency_quantile`` over the same window ``offset`` earlier (the PromQL baseline)."""
    buckets = f"{selector(names.SUITE_LATENCY_BUCKET, matchers)}[{window}] offset {offset}"
    grouped = f"sum by ({names.LABEL_LE}, {names.LABEL_SUITE}) (rate({buckets}))"
    return f"histogram_quantile({q}, {grouped})"


def throughput_baseline(window: str, offset: str, matchers: str = "") -> str:
    """``throughput`` over the same window ``offset`` earlier (the PromQL baseline)."""
    ops = _by_suite_increase_at(names.SUITE_OPERATIONS_TOTAL, window, offset, matchers)
    active = _by_suite_increase_at(names.SUITE_ACTIVE_SECONDS_TOTAL, window, offset, matchers)
    return f"{ops} / {active}"


def error_budget_remaining(good_query: str, total_query: str, period: str, objective: float) -> str:
    """Share of the period's error budget left: 1 - burn rate over the whole period."""
    return f"1 - {burn_rate(good_query, total_query, period, objective)}"


def firing_alerts(alertname_regex: str, matchers: str = "") -> str:
    """Prometheus's ``ALERTS`` series of firing alerts whose name matches the regex."""
    extra = (
        f'{names.LABEL_ALERTNAME}=~"{alertname_regex}",'
        f'{names.LABEL_ALERTSTATE}="{names.ALERTSTATE_FIRING}"'
    )
    return selector(names.PROMETHEUS_ALERTS, matchers, extra)


def firing_alert_count(alertname_regex: str, matchers: str = "") -> str:
    """How many matching alerts fire; 0 (not "no data") when none do."""
    return f"count({firing_alerts(alertname_regex, matchers)}) or vector(0)"


def latency_quantile_change(q: float, window: str, offset: str, matchers: str = "") -> str:
    """Relative change of the quantile against the baseline: 0.1 is 10 % slower."""
    now = latency_quantile(q, window, matchers)
    return f"{now} / {latency_quantile_baseline(q, window, offset, matchers)} - 1"


def throughput_change(window: str, offset: str, matchers: str = "") -> str:
    """Relative change of throughput against the baseline: -0.1 is 10 % lower."""
    now = throughput(window, matchers)
    return f"({now}) / ({throughput_baseline(window, offset, matchers)}) - 1"


# --- rules (issue 5): scrape health of the cavra job ---------------------------------------


def scrape_up(job: str) -> str:
    """Prometheus's ``up`` series of ``job``: 0 when the last scrape of a target failed.

    The job name is written as a quoted PromQL string (JSON escaping is valid PromQL), so any
    name a scrape config allows is safe here.
    """
    return selector(names.PROMETHEUS_UP, f"{names.LABEL_JOB}={json.dumps(job)}")


# --- regression (issue 8): the baseline histogram -----------------------------------------


def bucket_increase_baseline(window: str, offset: str, matchers: str = "") -> str:
    """``bucket_increase`` over the same window ``offset`` earlier: the PromQL baseline's
    histogram, which the regression tests compare bucket by bucket."""
    ranged = f"{selector(names.SUITE_LATENCY_BUCKET, matchers)}[{window}] offset {offset}"
    return f"sum by ({names.LABEL_LE}, {names.LABEL_SUITE}) (increase({ranged}))"
