"""End to end: a latency regression injected under ``cavra serve`` pages through a real
Prometheus and Alertmanager, and clearing it sends the resolved notification.

Nothing is faked: the delay is real sleep inside every operation of the reference runtime,
Prometheus scrapes serve every second and evaluates rules generated from the same spec (5s
SLI window), Alertmanager routes with the shipped example config to a webhook receiver in
this test. Time-to-page is measured by benchmarks/time_to_page.py (docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cavra_prom import conventions as names
from tests.paging import INJECTED_SECONDS, OTHER_SUITE, SUITE, paging_stack
from tests.servers import instant_query, wait_until

HEALTHY_TIMEOUT_SECONDS = 40.0
PAGE_TIMEOUT_SECONDS = 60.0
LATENCY_ALERT = names.ALERT_SUITE_LATENCY_ABOVE_SLO


def _p95(prometheus_url: str, suite: str) -> float | None:
    series = instant_query(
        prometheus_url, f'suite:cavra_suite_latency_seconds:p95_rate5s{{suite="{suite}"}}'
    )
    return float(series[0]["value"][1]) if series else None


@pytest.mark.integration
def test_injected_latency_pages_for_that_suite_and_resolves(tmp_path: Path) -> None:
    with paging_stack(tmp_path) as stack:
        prom = stack.prometheus.url
        # Healthy first: both suites recorded, each p95 under its objective.
        objectives = {SUITE: 0.05, OTHER_SUITE: 0.25}
        wait_until(
            lambda: all((_p95(prom, s) or 1.0) < limit for s, limit in objectives.items()),
            HEALTHY_TIMEOUT_SECONDS,
            "healthy p95 for both suites",
        )

        stack.inject(SUITE, INJECTED_SECONDS)
        page = stack.wait_for_alert(LATENCY_ALERT, SUITE, "firing", PAGE_TIMEOUT_SECONDS)
        assert page.path == "/page"
        (alert,) = [a for a in page.alerts() if a["labels"]["alertname"] == LATENCY_ALERT]
        assert alert["labels"] == {
            "alertname": LATENCY_ALERT,
            "severity": names.SEVERITY_PAGE,
            "suite": SUITE,
        }
        assert page.payload["groupLabels"] == {"alertname": LATENCY_ALERT, "suite": SUITE}
        annotations = alert["annotations"]
        assert annotations["summary"].startswith(f"Suite {SUITE}: p95 latency ")
        assert annotations["summary"].endswith("is above its SLO of 50ms")
        assert annotations["runbook_url"] == "docs/runbook.md#cavrasuitelatencyaboveslo"
        assert (_p95(prom, SUITE) or 0.0) > objectives[SUITE]

        stack.inject(SUITE, 0.0)
        resolved = stack.wait_for_alert(LATENCY_ALERT, SUITE, "resolved", PAGE_TIMEOUT_SECONDS)
        assert resolved.path == "/page" and resolved.status == "resolved"
        assert resolved.received_at > page.received_at

        # The other suite was never slow, so it never paged on latency.
        paged_suites = {
            a["labels"].get("suite")
            for n in stack.hooks.received()
            for a in n.alerts()
            if a["labels"]["alertname"] == LATENCY_ALERT
        }
        assert paged_suites == {SUITE}
