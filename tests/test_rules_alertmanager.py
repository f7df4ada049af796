"""The example Alertmanager and Prometheus configs: checked by amtool/promtool, and routing
and inhibition shown on a real Alertmanager with alerts posted to its API."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cavra_prom import conventions as names
from tests.alerting import (
    EXAMPLE_ALERTMANAGER,
    EXAMPLE_PROMETHEUS,
    example_alertmanager_config,
    labels_of,
    webhook_receiver,
)
from tests.servers import alertmanager, binary, http_get, wait_until

NOTIFY_TIMEOUT_SECONDS = 30.0


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary(argv[0]), *argv[1:]], capture_output=True, text=True, timeout=60, check=False
    )


def test_amtool_check_config_passes() -> None:
    result = _run("amtool", "check-config", str(EXAMPLE_ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 inhibit rules" in result.stdout and "2 receivers" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ([f"alertname={names.ALERT_SUITE_LATENCY_ABOVE_SLO}", "severity=page", "suite=x"], "page"),
        ([f"alertname={names.ALERT_DRILL_STALE}", "severity=ticket", "drill=y"], "ticket"),
        (["alertname=SomethingElse"], "ticket"),
    ],
)
def test_routes_send_pages_and_tickets_to_their_receivers(labels: list[str], receiver: str) -> None:
    """amtool's own router: severity decides the receiver; unlabelled alerts are tickets."""
    result = _run(
        "amtool", "config", "routes", "test", f"--config.file={EXAMPLE_ALERTMANAGER}", *labels
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receiver


def test_promtool_check_config_passes_and_loads_the_rules() -> None:
    result = _run("promtool", "check", "config", str(EXAMPLE_PROMETHEUS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert names.RULES_FILE in result.stdout and "SUCCESS" in result.stdout


def _post_alerts(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def _alert(alertname: str, severity: str, **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": alertname, "severity": severity, **labels}}


def _inhibited(url: str) -> dict[tuple[str, str], bool]:
    status, body = http_get(f"{url}/api/v2/alerts")
    assert status == 200
    return {
        (a["labels"]["alertname"], a["labels"].get("suite", "")): bool(a["status"]["inhibitedBy"])
        for a in json.loads(body)
    }


@pytest.mark.integration
def test_a_real_alertmanager_routes_groups_and_inhibits(tmp_path: Path) -> None:
    """A cause inhibits the blocked-gate ticket; the page inhibits its own suite's ticket."""
    latency, within = names.ALERT_SUITE_LATENCY_ABOVE_SLO, names.ALERT_SUITE_WITHIN_SLO_LOW
    gate = names.ALERT_GATE_BLOCKED
    with webhook_receiver() as hooks, alertmanager(example_alertmanager_config(hooks.url)) as am:
        _post_alerts(
            am.url,
            [
                _alert(latency, "page", suite="runtime_decision_latency"),
                _alert(within, "ticket", suite="runtime_decision_latency"),
                _alert(within, "ticket", suite="policy_lifecycle_dry_run"),
                _alert(gate, "ticket"),
            ],
        )
        page = hooks.wait_for(
            lambda n: n.path == "/page", NOTIFY_TIMEOUT_SECONDS, "the page notification"
        )
        ticket = hooks.wait_for(
            lambda n: n.path == "/ticket", NOTIFY_TIMEOUT_SECONDS, "the ticket notification"
        )
        expected = {
            (latency, "runtime_decision_latency"): False,
            (within, "runtime_decision_latency"): True,  # same suite as the page
            (within, "policy_lifecycle_dry_run"): False,  # another suite: not inhibited
            (gate, ""): True,  # a cause already fires
        }
        wait_until(lambda: _inhibited(am.url) == expected, NOTIFY_TIMEOUT_SECONDS, "inhibition")
        assert labels_of(page) == [
            {"alertname": latency, "severity": "page", "suite": "runtime_decision_latency"}
        ]
        assert labels_of(ticket) == [
            {"alertname": within, "severity": "ticket", "suite": "policy_lifecycle_dry_run"}
        ]
        # Grouped by alertname and suite: one notification per group, none for inhibited ones.
        assert page.payload["groupLabels"] == {
            "alertname": latency,
            "suite": "runtime_decision_latency",
        }
        delivered = {
            (a["alertname"], a.get("suite")) for n in hooks.received() for a in labels_of(n)
        }
        assert (gate, None) not in delivered
        assert (within, "runtime_decision_latency") not in delivered
