"""The human summary of a benchmark: suites, drills, HA/DR and the verdict with its reasons."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from cavra_prom import conventions as names
from cavra_prom.evaluation.model import Evaluation
from cavra_prom.gate import GateResult, fmt
from cavra_prom.spec.model import Spec


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _verdict(gate: GateResult, check_name: str) -> str:
    check = next((c for c in gate.checks if c.name == check_name), None)
    return "missing" if check is None else check.status


def suite_lines(evaluation: Evaluation, gate: GateResult, spec: Spec) -> list[str]:
    rows = []
    for suite in spec.suites:
        ev = evaluation.suite(suite.id)
        rows.append(
            [
                suite.id,
                fmt(ev.p95_latency_ms if ev else None, " ms"),
                fmt(suite.slo.p95_latency_ms_max, " ms"),
                fmt(ev.p95_exact_latency_ms if ev else None, " ms"),
                fmt(ev.throughput_per_second if ev else None, "/s"),
                fmt(suite.slo.throughput_per_second_min, "/s"),
                f"{ev.sample_count:,}" if ev else "0",
                _verdict(gate, names.suite_slo_check_name(suite.id)),
            ]
        )
    header = ["suite", "p95", "max", "exact p95", "throughput", "min", "samples", "verdict"]
    return _table(header, rows, right={1, 2, 3, 4, 5, 6})


def drill_lines(evaluation: Evaluation) -> list[str]:
    rows = [
        [
            d.drill_id,
            "pass" if d.passed else "FAIL",
            d.observed_behavior,
            fmt(d.recovery_seconds, " s"),
        ]
        for d in evaluation.drills
    ]
    return _table(["drill", "result", "observed", "recovery"], rows, right={3})


def ha_lines(evaluation: Evaluation, spec: Spec) -> list[str]:
    ha, t = evaluation.ha, spec.ha_dr
    rows = [
        ["RTO", fmt(ha.rto_minutes, " min"), f"<= {fmt(t.rto_minutes, ' min')}"],
        ["RPO", fmt(ha.rpo_minutes, " min"), f"<= {fmt(t.rpo_minutes, ' min')}"],
        [
            "availability",
            "unmeasured" if ha.availability_ratio is None else f"{ha.availability_ratio:.4%}",
            f">= {t.availability.objective:.4%}",
        ],
        ["API replicas", str(ha.api_replicas), f">= {t.min_api_replicas}"],
        ["worker replicas", str(ha.worker_replicas), f">= {t.min_worker_replicas}"],
    ]
    for capability, required in sorted(dataclasses.asdict(t.event_bus).items()):
        shown = ha.event_bus.get(capability)
        rows.append(
            [
                f"event bus {capability.replace('_', ' ')}",
                "unmeasured" if shown is None else ("shown" if shown else "not shown"),
                "required" if required else "optional",
            ]
        )
    return _table([f"HA/DR ({ha.evidence_mode} evidence)", "measured", "target"], rows, set())


def verdict_lines(gate: GateResult) -> list[str]:
    word = gate.status.replace("_", " ").upper()
    lines = [f"status: {word} ({gate.blocker_count} blocker(s), {gate.warning_count} warning(s))"]
    for check in gate.checks:
        if check.status != names.STATUS_PASS:
            lines.append(f"  {check.status}: {check.name}: {check.message}")
    return lines


def render_summary(evaluation: Evaluation, gate: GateResult, spec: Spec) -> str:
    parts = [
        f"cavra benchmark: {evaluation.source} ({evaluation.evidence_mode} evidence)",
        "",
        *suite_lines(evaluation, gate, spec),
        "",
        *drill_lines(evaluation),
        "",
        *ha_lines(evaluation, spec),
        "",
        *verdict_lines(gate),
    ]
    return "\n".join(parts) + "\n"
