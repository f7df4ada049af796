"""Monitoring detectors on hand-built streams, and the replay over the recorded stream."""

from __future__ import annotations

import itertools
import random

from cavra_prom.runtime import ReferenceRuntime, RuntimeConfig
from cavra_prom.runtime.generate import StreamEvent, generate_stream
from cavra_prom.runtime.monitoring import (
    DeniedBurstDetector,
    FanoutDetector,
    PatternMatcher,
    RateAnomalyDetector,
)


def ev(
    ts: float, who: str = "a", action: str = "read", res: str = "docs/1", effect: str = "allow"
) -> StreamEvent:
    return StreamEvent(ts, who, action, res, effect)


def steady(n: int, rate: float, start: float = 0.0) -> list[StreamEvent]:
    return [ev(start + i / rate, res=f"docs/{i % 7}") for i in range(n)]


def test_rate_anomaly_fires_on_a_spike_not_on_steady_traffic() -> None:
    calm = RateAnomalyDetector()
    assert not any(calm.observe(e) for e in steady(800, 80.0))
    spiky = RateAnomalyDetector()
    events = steady(400, 80.0) + [ev(5.0 + i * 0.002) for i in range(80)]
    alerts = [a for a in (spiky.observe(e) for e in events) if a]
    assert len(alerts) == 1  # one alert per spike (then a quiet window)
    assert alerts[0].ts >= 5.0


def test_denied_burst_per_principal() -> None:
    det = DeniedBurstDetector(window_seconds=2.0, threshold=3)
    spread = [ev(i * 1.5, who="a", effect="deny") for i in range(6)]  # too slow to be a burst
    assert not any(det.observe(e) for e in spread)
    mixed = [ev(20 + i * 0.1, who="ab"[i % 2], effect="deny") for i in range(5)]
    alerts = [a for a in (det.observe(e) for e in mixed) if a]
    assert [a.subject for a in alerts] == ["a"]  # 'b' was denied only twice


def test_fanout_counts_distinct_resources_in_the_window() -> None:
    det = FanoutDetector(window_seconds=5.0, threshold=5)
    same = [ev(i * 0.1, res="docs/1") for i in range(50)]
    assert not any(det.observe(e) for e in same)
    scrape = [ev(10 + i * 0.1, res=f"tickets/{i}") for i in range(6)]
    assert [bool(det.observe(e)) for e in scrape] == [False] * 5 + [True]


def test_pattern_matcher_flags_allowed_risky_events_and_read_then_export() -> None:
    det = PatternMatcher(sequence_seconds=10.0)
    assert det.observe(ev(0, action="delete", res="audit/3", effect="deny")) is None
    tamper = det.observe(ev(1, action="delete", res="audit/3"))
    assert tamper is not None and tamper.detail == "audit_tampering"
    assert det.observe(ev(2, who="x", action="read", res="pii/42")) is None
    assert det.observe(ev(30, who="x", action="export", res="pii/42")) is None  # too late
    det.observe(ev(40, who="y", action="read", res="pii/7"))
    exfil = det.observe(ev(41, who="y", action="export", res="pii/7"))
    assert exfil is not None and exfil.detail == "pii_read_then_export"


def test_generated_stream_is_seeded_and_ordered() -> None:
    a = generate_stream(random.Random(5), 2000)
    assert a == generate_stream(random.Random(5), 2000)
    assert len(a) == 2000
    assert all(x.ts <= y.ts for x, y in itertools.pairwise(a))


def test_replay_processes_a_full_window_and_is_deterministic() -> None:
    rt = ReferenceRuntime(RuntimeConfig(seed=4, monitoring_stream_events=3000))
    first = rt.monitoring.replay(1000)
    again = rt.monitoring.replay(1000)
    assert first.events == rt.config.monitoring_window_events
    assert first.alerts == again.alerts
    total = sum(sum(rt.monitoring.replay(s).by_detector().values()) for s in range(0, 2600, 400))
    assert total > 0  # the recorded stream carries injected incidents the detectors find
    assert rt.monitoring.windows_replayed == 2 + 7
