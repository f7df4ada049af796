"""Every query of both boards returns data from a real Prometheus fed by a real `cavra serve`.

The spec is the fast built-in one with short bursts and a 5 s regression offset (a test
cannot wait a day for its baseline); the boards are generated from that spec, as a user
would. Prometheus loads the generated alert rules (short windows) and a latency fault is
injected into one suite through serve's fault endpoint, so real cavra alerts fire and the
alert annotation and table have something to show. Nothing here is faked.
"""

from __future__ import annotations

import json
import math
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from cavra_prom import conventions as names
from cavra_prom.dashboards import generate_boards
from cavra_prom.rules import RuleOptions, generate_rules, render_rules
from cavra_prom.spec.loader import load_spec_text
from tests.dashboard_queries import BoardQuery, board_queries, grafana_values, substitute
from tests.servers import (
    cavra_serve,
    http_get,
    prometheus,
    prometheus_config,
    serve_spec_text,
)

pytestmark = pytest.mark.integration

WINDOW_SECONDS = 10
WINDOW = f"{WINDOW_SECONDS}s"
RATE_INTERVAL = "4s"
OFFSET_SECONDS = 5
SLOW_SUITE = names.SUITE_RUNTIME_DECISION_LATENCY
FAULT_SECONDS = 0.08  # above the suite's 50 ms p95 objective
DATA_TIMEOUT_SECONDS = 120.0
RANGE_SECONDS = 20


def _spec_text() -> str:
    document = yaml.safe_load(serve_spec_text(every_seconds=2.0, burst_seconds=0.5))
    for suite in document["suites"]:
        suite["regression"] = {"offset_seconds": OFFSET_SECONDS}
    return yaml.safe_dump(document, sort_keys=False)


def _rules_file(directory: Path, spec_text: str) -> Path:
    spec = load_spec_text(spec_text, "live-spec")
    options = RuleOptions(
        window_seconds=WINDOW_SECONDS,
        evaluation_interval_seconds=1,
        baseline_offset_seconds=OFFSET_SECONDS,
    )
    path = directory / "cavra.rules.yml"
    path.write_text(render_rules(generate_rules(spec, options), "test"))
    return path


def _inject_latency(serve_url: str, suite: str, seconds: float) -> None:
    body = json.dumps({"suite": suite, "seconds": seconds}).encode()
    request = urllib.request.Request(
        f"{serve_url}/-/faults/latency",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _run(prometheus_url: str, query: BoardQuery, expr: str) -> list[dict[str, Any]]:
    """Run as Grafana does: instant for stats/tables, a range for time series/annotations."""
    now = time.time()
    if query.instant:
        params = {"query": expr, "time": f"{now:.3f}"}
        path = "query"
    else:
        params = {"query": expr, "start": f"{now - RANGE_SECONDS:.3f}", "end": f"{now:.3f}"}
        params["step"] = "1"
        path = "query_range"
    status, body = http_get(
        f"{prometheus_url}/api/v1/{path}?{urllib.parse.urlencode(params)}", timeout=10
    )
    payload = json.loads(body)
    assert status == 200 and payload["status"] == "success", f"{query.where}: {payload}"
    result: list[dict[str, Any]] = payload["data"]["result"]
    return result


def _has_number(result: Sequence[dict[str, Any]]) -> bool:
    """At least one finite sample: a panel of NaN is as empty as a panel of nothing."""
    for series in result:
        samples = series.get("values") or [series["value"]]
        if any(math.isfinite(float(value)) for _, value in samples):
            return True
    return False


def _empty(prometheus_url: str, queries: Sequence[BoardQuery], values: dict[str, str]) -> list[str]:
    empty = []
    for query in queries:
        expr = substitute(query.expr, values)
        if not _has_number(_run(prometheus_url, query, expr)):
            empty.append(f"{query.where}: {expr}")
    return empty


def test_every_board_query_returns_data(tmp_path: Path) -> None:
    spec_text = _spec_text()
    spec = load_spec_text(spec_text, "live-spec")
    boards = generate_boards(spec)
    queries = [q for board in boards for q in board_queries(board.name, board.data)]
    assert any(names.PROMETHEUS_ALERTS in q.expr for q in queries)
    values = grafana_values(None, window=WINDOW, rate_interval=RATE_INTERVAL)
    rules = _rules_file(tmp_path, spec_text)
    serve_args = ["--evaluation-interval=1s", f"--window={WINDOW}", "--allow-fault-injection"]
    with cavra_serve(serve_args, spec_text=spec_text) as serve:
        _inject_latency(serve.url, SLOW_SUITE, FAULT_SECONDS)
        target = urllib.parse.urlsplit(serve.url).netloc
        with prometheus(prometheus_config([target], rule_files=[str(rules)])) as prom:
            deadline = time.monotonic() + DATA_TIMEOUT_SECONDS
            empty = _empty(prom.url, queries, values)
            while empty and time.monotonic() < deadline:
                time.sleep(1.0)
                empty = _empty(prom.url, queries, values)
            assert not empty, "panels without data:\n" + "\n".join(empty) + "\n" + serve.log()
            _check_suite_variable(prom.url, spec.suites)
            _check_alert_fired(prom.url)


def _check_suite_variable(prometheus_url: str, suites: Sequence[Any]) -> None:
    """``label_values(cavra_slo_latency_threshold_seconds, suite)``: what the picker lists."""
    match = urllib.parse.urlencode({"match[]": names.SLO_LATENCY_THRESHOLD_SECONDS})
    status, body = http_get(f"{prometheus_url}/api/v1/label/{names.LABEL_SUITE}/values?{match}")
    assert status == 200
    assert set(json.loads(body)["data"]) == {suite.id for suite in suites}


def _check_alert_fired(prometheus_url: str) -> None:
    """The injected fault is what the alert markers show (not some unrelated alert)."""
    expr = (
        f'{names.PROMETHEUS_ALERTS}{{alertname="{names.ALERT_SUITE_LATENCY_ABOVE_SLO}",'
        f'alertstate="firing",suite="{SLOW_SUITE}"}}'
    )
    status, body = http_get(
        f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    )
    assert status == 200 and json.loads(body)["data"]["result"], expr
