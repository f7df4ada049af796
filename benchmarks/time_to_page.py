"""Time to page: from a latency fault injected under ``cavra serve`` to Alertmanager's webhook.

Runs the scenario of tests/test_alerting_e2e.py (real cavra serve, Prometheus, Alertmanager;
1 s scrape and rule intervals; rules generated with a 5s SLI window; Alertmanager's shipped
config with group_wait/group_interval 1s) and measures, per round:

- time to page: from the moment ``POST /-/faults/latency`` returns until the webhook receives
  the CavraSuiteLatencyAboveSLO page for that suite;
- time to resolve: from clearing the fault until the resolved notification arrives.

Beside each median it prints the budget the configuration implies (the delays a page must
pass through, each at its worst), so a figure far above it points at a slow stage.

Run: ``.venv/bin/python benchmarks/time_to_page.py [--rounds N]`` (needs prometheus and
prometheus-alertmanager: ``make servers``). Exit 1 if a median exceeds its budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scenario lives with the tests (tests/paging.py)

from cavra_prom import conventions as names  # noqa: E402
from cavra_prom.rules.windows import pending_for  # noqa: E402
from tests.paging import INJECTED_SECONDS, RULE_OPTIONS, SUITE, paging_stack  # noqa: E402
from tests.servers import instant_query, wait_until  # noqa: E402

SCRAPE_SECONDS = 1.0
RULE_INTERVAL_SECONDS = 1.0
GROUP_WAIT_SECONDS = 1.0
GROUP_INTERVAL_SECONDS = 1.0
ALERT = names.ALERT_SUITE_LATENCY_ABOVE_SLO
TIMEOUT_SECONDS = 60.0
P95_SHARE = 0.05


def page_budget() -> float:
    """Slow operations finish, are scraped, recorded, alerted on, held for `for`, grouped."""
    return (
        INJECTED_SECONDS
        + SCRAPE_SECONDS
        + 2 * RULE_INTERVAL_SECONDS  # recording rule, then the alert reading it
        + pending_for(RULE_OPTIONS.window_seconds)
        + RULE_INTERVAL_SECONDS  # the evaluation that sees `for` elapsed
        + GROUP_WAIT_SECONDS
    )


def resolve_budget() -> float:
    """95% of the window must be fast again, then scrape, rules, the next group interval."""
    return (
        (1 - P95_SHARE) * RULE_OPTIONS.window_seconds
        + INJECTED_SECONDS
        + SCRAPE_SECONDS
        + 2 * RULE_INTERVAL_SECONDS
        + GROUP_INTERVAL_SECONDS
    )


def one_round(directory: Path) -> tuple[float, float]:
    with paging_stack(directory) as stack:
        query = f'suite:cavra_suite_latency_seconds:p95_rate5s{{suite="{SUITE}"}}'
        wait_until(
            lambda: instant_query(stack.prometheus.url, query),
            TIMEOUT_SECONDS,
            "the suite's p95 in Prometheus",
        )
        stack.inject(SUITE, INJECTED_SECONDS)
        injected = time.monotonic()
        page = stack.wait_for_alert(ALERT, SUITE, "firing", TIMEOUT_SECONDS)
        stack.inject(SUITE, 0.0)
        cleared = time.monotonic()
        resolved = stack.wait_for_alert(ALERT, SUITE, "resolved", TIMEOUT_SECONDS)
        return page.received_at - injected, resolved.received_at - cleared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages, resolves = [], []
    for index in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="cavra-ttp-") as tmp:
            to_page, to_resolve = one_round(Path(tmp))
        pages.append(to_page)
        resolves.append(to_resolve)
        print(f"round {index + 1}: page after {to_page:.2f} s, resolved after {to_resolve:.2f} s")
    rows = [
        ("time to page", pages, page_budget()),
        ("time to resolve", resolves, resolve_budget()),
    ]
    print(f"\n{'':16} {'median s':>9} {'min s':>7} {'max s':>7} {'budget s':>9}")
    failed = False
    for label, values, budget in rows:
        median = statistics.median(values)
        failed |= median > budget
        print(f"{label:16} {median:9.2f} {min(values):7.2f} {max(values):7.2f} {budget:9.2f}")
    print("\ntarget: each median within its budget:", "MISSED" if failed else "met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
