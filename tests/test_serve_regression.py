"""`cavra serve` compares each evaluation with a rolling baseline made of its own stored packets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cavra_prom.serve.service import ServeConfig, Service
from cavra_prom.spec.loader import load_spec_text
from tests.servers import LOOPBACK, serve_spec_text, wait_until

SUITE = "runtime_decision_latency"


def test_a_rolling_baseline_is_read_from_the_store(tmp_path: Path) -> None:
    text = serve_spec_text(every_seconds=1.0, burst_seconds=0.2).replace(
        "    serve: {mode: burst, every_seconds: 1.0, burst_seconds: 0.2}\n",
        "    serve: {mode: burst, every_seconds: 1.0, burst_seconds: 0.2}\n"
        "    regression: {baseline: rolling, rolling_count: 3}\n",
        1,
    )
    spec = load_spec_text(text, "rolling.yaml")
    assert spec.suite(SUITE).regression.baseline == "rolling"
    service = Service(ServeConfig(spec, tmp_path, (LOOPBACK, 0), 30.0, 0.5))
    service.start()
    try:

        def compared() -> dict[str, Any] | None:
            stored = service.store.latest()
            if stored is None:
                return None
            entries = json.loads(stored.body)["benchmark_report"].get("regressions", [])
            rolling = [e for e in entries if e["suite_id"] == SUITE]
            return rolling[0] if rolling and "median of" in json.dumps(rolling[0]) else None

        entry = wait_until(compared, 30, "a packet compared with a rolling baseline")
        assert str(tmp_path) in json.dumps(entry)  # the baseline names the store it came from
    finally:
        service.stop()
