"""Turn a parsed ``cavra/v1`` document into the internal :class:`~cavra_prom.spec.model.Spec`.

Each part of the file has one small reader below; they all read through
:class:`~cavra_prom.spec._fields.Section`, which records problems instead of raising, so one
pass reports everything wrong with a file. Defaults come from the model's own dataclasses so
the file format and the model cannot disagree about them. Warnings (pyrra-style: valid, but
probably not what the user meant) are computed only for a spec that has no errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from cavra_prom import conventions
from cavra_prom.spec._fields import (
    Report,
    Section,
    describe,
    item,
    quote,
    show_number,
    suggest,
)
from cavra_prom.spec.model import (
    DrillSpec,
    EventBusRequirements,
    GatePolicy,
    HaDrSpec,
    LoadMode,
    SloSpec,
    Spec,
    SuiteSpec,
    TargetSpec,
    WorkloadSpec,
)
from cavra_prom.spec.validate_hooks import fault_choices, read_drill_hooks
from cavra_prom.spec.validate_ops import (
    read_availability,
    read_ha_queries,
    read_regression,
    read_serve,
)
from cavra_prom.spec.validate_targets import command_target, http_target, python_target

SPEC_KEYS: Final = ("version", "suites", "drills", "ha_dr", "gate")
SUITE_KEYS: Final = ("id", "description", "target", "workload", "slo", "serve", "regression")
WORKLOAD_KEYS: Final = (
    "mode",
    "concurrency",
    "arrival_rate_per_second",
    "duration_seconds",
    "iterations",
    "warmup_seconds",
    "warmup_iterations",
    "seed",
)
SLO_KEYS: Final = (
    "p95_latency_ms_max",
    "throughput_per_second_min",
    "p99_latency_ms_max",
    "error_ratio_max",
)
DRILL_KEYS: Final = (
    "id",
    "fault",
    "injected_fault",
    "expected_behavior",
    "operations",
    "recovery_timeout_seconds",
    "seed",
    "schedule_seconds",
    "hooks",
)
HA_DR_KEYS: Final = (
    "rto_minutes",
    "rpo_minutes",
    "min_api_replicas",
    "min_worker_replicas",
    "event_bus",
    "health_endpoints",
    "availability",
    "queries",
)
EVENT_BUS_KEYS: Final = ("durable_delivery", "dead_letter_queue", "replay", "consumer_lag_metrics")
GATE_KEYS: Final = (
    "min_samples_per_suite",
    "required_suites",
    "required_drills",
    "allow_sample_evidence",
)
LOAD_MODES: Final = ("closed", "open")

# Suite and drill ids become Prometheus label values and gate check names.
_ID: Final = re.compile(r"[a-z][a-z0-9_]*")
_ID_RULE: Final = "must match ^[a-z][a-z0-9_]*$ (lowercase letters, digits, underscores)"

_WORKLOAD: Final = WorkloadSpec()
_HA_DR: Final = HaDrSpec()
_EVENT_BUS: Final = EventBusRequirements()
_GATE: Final = GatePolicy()
_DRILL: Final = DrillSpec(id="", fault="", injected_fault="", expected_behavior="")


# --- targets: one reader per kind, so new kinds plug in without touching the rest --------

TargetReader = Callable[[Section], TargetSpec | None]


def _reference_target(target: Section) -> TargetSpec | None:
    """The built-in reference runtime: ``operation`` picks which of its operations to drive."""
    operation = target.string("operation", required=True, choices=conventions.REFERENCE_OPERATIONS)
    options = {k: v for k, v in target.values.items() if k not in ("kind", "operation")}
    if operation is None:
        return None
    return TargetSpec(kind="reference", operation=operation, options=options)


TARGET_KINDS: Final[dict[str, TargetReader]] = {
    "reference": _reference_target,
    "python": python_target,
    "http": http_target,
    "command": command_target,
}


def _target(suite: Section) -> TargetSpec | None:
    target = suite.section("target", None, required=True)
    if target is None:
        return None
    kind = target.string("kind", required=True, choices=tuple(TARGET_KINDS))
    return None if kind is None else TARGET_KINDS[kind](target)


# --- suites ------------------------------------------------------------------------------


def _measured_phase(workload: Section) -> tuple[float | None, int | None]:
    """Exactly one of duration_seconds / iterations; the model's duration when neither."""
    has_duration, has_iterations = workload.has("duration_seconds"), workload.has("iterations")
    if has_duration and has_iterations:
        workload.error("", "give either duration_seconds or iterations, not both")
    duration = workload.number("duration_seconds", gt=0)
    iterations = workload.integer("iterations", ge=1)
    if not (has_duration or has_iterations):
        duration = _WORKLOAD.duration_seconds
    return duration, iterations


def _warmup(workload: Section) -> tuple[float | None, int | None]:
    """warmup_seconds or warmup_iterations; a warm-up counted in iterations has no seconds."""
    if workload.has("warmup_seconds") and workload.has("warmup_iterations"):
        workload.error("", "give either warmup_seconds or warmup_iterations, not both")
    iterations = workload.integer("warmup_iterations", ge=0)
    default = 0.0 if workload.has("warmup_iterations") else _WORKLOAD.warmup_seconds
    return workload.number("warmup_seconds", default=default, ge=0), iterations


def _arrival_rate(workload: Section, mode: str | None) -> float | None:
    """Open loop needs a rate; closed loop must not have one (it would be silently ignored)."""
    rate = workload.number("arrival_rate_per_second", gt=0)
    if mode == "open" and not workload.has("arrival_rate_per_second"):
        workload.missing("arrival_rate_per_second", "is required when mode is open")
    if mode == "closed" and workload.has("arrival_rate_per_second"):
        workload.error("arrival_rate_per_second", "only applies when mode is open")
    return rate


def _workload(suite: Section) -> WorkloadSpec | None:
    workload = suite.section("workload", WORKLOAD_KEYS)
    if workload is None:
        return None
    mode = workload.string("mode", default=_WORKLOAD.mode, choices=LOAD_MODES)
    concurrency = workload.integer("concurrency", default=_WORKLOAD.concurrency, ge=1)
    rate = _arrival_rate(workload, mode)
    duration, iterations = _measured_phase(workload)
    warmup_seconds, warmup_iterations = _warmup(workload)
    seed = workload.integer("seed", default=_WORKLOAD.seed)
    if mode is None or concurrency is None or warmup_seconds is None or seed is None:
        return None
    load_mode: LoadMode = "open" if mode == "open" else "closed"
    return WorkloadSpec(
        mode=load_mode,
        concurrency=concurrency,
        arrival_rate_per_second=rate,
        duration_seconds=duration,
        iterations=iterations,
        warmup_seconds=warmup_seconds,
        warmup_iterations=warmup_iterations,
        seed=seed,
    )


def _slo(suite: Section) -> SloSpec | None:
    slo = suite.section("slo", SLO_KEYS, required=True)
    if slo is None:
        return None
    p95 = slo.number("p95_latency_ms_max", required=True, gt=0)
    throughput = slo.number("throughput_per_second_min", required=True, gt=0)
    p99 = slo.number("p99_latency_ms_max", gt=0)
    error_ratio = slo.number("error_ratio_max", ge=0, le=1)
    if p95 is not None and p99 is not None and p99 < p95:
        slo.error("p99_latency_ms_max", f"must be >= p95_latency_ms_max ({show_number(p95)})")
    if p95 is None or throughput is None:
        return None
    return SloSpec(p95, throughput, p99_latency_ms_max=p99, error_ratio_max=error_ratio)


def _identifier(section: Section) -> str | None:
    """A suite or drill id: it becomes a label value and a check name, so keep it plain."""
    ident = section.string("id", required=True)
    if ident is not None and not _ID.fullmatch(ident):
        section.error("id", f"{_ID_RULE}, got {quote(ident)}")
        return None
    return ident


def _suite(report: Report, path: str, value: object) -> tuple[str | None, SuiteSpec | None]:
    suite = Section.read(report, value, path, SUITE_KEYS)
    if suite is None:
        return None, None
    ident = _identifier(suite)
    description = suite.string("description", default="")
    target, workload, slo = _target(suite), _workload(suite), _slo(suite)
    serve, regression = read_serve(suite), read_regression(suite)
    if ident is None or description is None or target is None or workload is None:
        return ident, None
    if slo is None or serve is None or regression is None:
        return ident, None
    return ident, SuiteSpec(ident, target, workload, slo, description, serve, regression)


# --- drills, HA/DR, gate -----------------------------------------------------------------


def _drill(report: Report, path: str, value: object) -> tuple[str | None, DrillSpec | None]:
    drill = Section.read(report, value, path, DRILL_KEYS)
    if drill is None:
        return None, None
    ident = _identifier(drill)
    fault = drill.string("fault", required=True, choices=fault_choices(drill))
    injected = drill.string("injected_fault", required=True, nonempty=True)
    expected = drill.string("expected_behavior", required=True, nonempty=True)
    operations = drill.integer("operations", default=_DRILL.operations, ge=1)
    timeout = drill.number(
        "recovery_timeout_seconds", default=_DRILL.recovery_timeout_seconds, gt=0
    )
    seed = drill.integer("seed", default=_DRILL.seed)
    schedule = drill.number("schedule_seconds", default=_DRILL.schedule_seconds, gt=0)
    hooks = read_drill_hooks(drill)
    if drill.has("hooks") and hooks is None:
        return ident, None
    if ident is None or fault is None or injected is None or expected is None:
        return ident, None
    if operations is None or timeout is None or seed is None or schedule is None:
        return ident, None
    return ident, DrillSpec(
        ident, fault, injected, expected, operations, timeout, seed, schedule, hooks
    )


def _event_bus(ha_dr: Section) -> EventBusRequirements | None:
    bus = ha_dr.section("event_bus", EVENT_BUS_KEYS)
    if bus is None:
        return None
    flags = {key: bus.boolean(key, default=getattr(_EVENT_BUS, key)) for key in EVENT_BUS_KEYS}
    if any(flag is None for flag in flags.values()):
        return None
    return EventBusRequirements(**{key: bool(flag) for key, flag in flags.items()})


def _health_endpoints(ha_dr: Section) -> tuple[str, ...] | None:
    if not ha_dr.has("health_endpoints"):
        return _HA_DR.health_endpoints
    endpoints = ha_dr.strings("health_endpoints")
    if endpoints is None:
        return None
    for path, endpoint in endpoints:
        if not endpoint.startswith("/"):
            ha_dr.report.error(path, f"must start with '/', got {quote(endpoint)}")
    return tuple(endpoint for _, endpoint in endpoints)


def _ha_dr(top: Section) -> HaDrSpec | None:
    ha_dr = top.section("ha_dr", HA_DR_KEYS)
    if ha_dr is None:
        return None
    rto = ha_dr.number("rto_minutes", default=_HA_DR.rto_minutes, gt=0)
    rpo = ha_dr.number("rpo_minutes", default=_HA_DR.rpo_minutes, gt=0)
    api = ha_dr.integer("min_api_replicas", default=_HA_DR.min_api_replicas, ge=0)
    workers = ha_dr.integer("min_worker_replicas", default=_HA_DR.min_worker_replicas, ge=0)
    bus, endpoints = _event_bus(ha_dr), _health_endpoints(ha_dr)
    availability, queries = read_availability(ha_dr), read_ha_queries(ha_dr)
    if rto is None or rpo is None or api is None or workers is None:
        return None
    if bus is None or endpoints is None or availability is None or queries is None:
        return None
    return HaDrSpec(rto, rpo, api, workers, bus, endpoints, availability, queries)


def _references(gate: Section, key: str, known: Sequence[str], what: str) -> tuple[str, ...]:
    """Ids the gate requires: each must name a suite/drill of this spec, once."""
    if not gate.has(key):
        return tuple(known)
    listed = gate.strings(key) or []
    seen: set[str] = set()
    for path, ident in listed:
        if ident in seen:
            gate.report.error(path, f"{quote(ident)} is listed twice")
        elif ident not in known:
            guess = suggest(ident, known)
            hint = f", did you mean {guess!r}?" if guess else ""
            gate.report.error(path, f"no {what} with id {quote(ident)} in this spec{hint}")
        seen.add(ident)
    return tuple(ident for _, ident in listed)


def _gate(top: Section, suite_ids: Sequence[str], drill_ids: Sequence[str]) -> GatePolicy | None:
    gate = top.section("gate", GATE_KEYS)
    if gate is None:
        return None
    samples = gate.integer("min_samples_per_suite", default=_GATE.min_samples_per_suite, ge=1)
    suites = _references(gate, "required_suites", suite_ids, "suite")
    drills = _references(gate, "required_drills", drill_ids, "drill")
    allow = gate.boolean("allow_sample_evidence", default=_GATE.allow_sample_evidence)
    if samples is None or allow is None:
        return None
    return GatePolicy(samples, suites, drills, allow)


# --- lists of suites and drills ----------------------------------------------------------


def _unique_ids(report: Report, ids: Sequence[tuple[str, str | None]]) -> list[str]:
    """Valid ids in order; a repeated id is a problem naming both places it is used."""
    first: dict[str, str] = {}
    for path, ident in ids:
        if ident is None:
            continue
        if ident in first:
            report.error(
                f"{path}.id", f"duplicate id {quote(ident)}, already used by {first[ident]}"
            )
        else:
            first[ident] = path
    return list(first)


def _suites(top: Section) -> tuple[tuple[SuiteSpec, ...], list[str]]:
    elements = top.sequence("suites", required=True)
    if elements is None:
        return (), []
    if not elements:
        top.error("suites", "must list at least one suite")
    read = [(path, _suite(top.report, path, value)) for path, value in elements]
    ids = _unique_ids(top.report, [(path, ident) for path, (ident, _) in read])
    return tuple(suite for _, (_, suite) in read if suite is not None), ids


def _drills(top: Section) -> tuple[tuple[DrillSpec, ...], list[str]]:
    elements = top.sequence("drills") or []
    read = [(path, _drill(top.report, path, value)) for path, value in elements]
    ids = _unique_ids(top.report, [(path, ident) for path, (ident, _) in read])
    return tuple(drill for _, (_, drill) in read if drill is not None), ids


# --- the whole document ------------------------------------------------------------------


def _version_supported(top: Section) -> bool:
    """A missing version is reported and checking goes on (likely forgotten); a different
    version stops here, since the rest of such a file follows another schema."""
    if not top.has("version"):
        top.missing("version", f"is required: write version: {conventions.SPEC_VERSION}")
        return True
    version = top.values["version"]
    if version == conventions.SPEC_VERSION:
        return True
    supported = repr(conventions.SPEC_VERSION)
    if isinstance(version, str):
        message = f"unsupported version {quote(version)}; this cavra-prom reads {supported}"
    else:
        message = f"must be {supported}, got {describe(version)}"
    top.error("version", message)
    return False


def build_spec(data: object, report: Report) -> Spec | None:
    """The validated model of a parsed document, or ``None`` with every problem in ``report``."""
    top = Section.read(report, data, "", SPEC_KEYS)
    if top is None or not _version_supported(top):
        return None
    suites, suite_ids = _suites(top)
    drills, drill_ids = _drills(top)
    ha_dr = _ha_dr(top)
    gate = _gate(top, suite_ids, drill_ids)
    if report.errors or ha_dr is None or gate is None:
        return None
    return Spec(conventions.SPEC_VERSION, suites, drills, ha_dr, gate)


# --- warnings: valid, but probably not what the author meant -----------------------------


def _expected_samples(workload: WorkloadSpec) -> tuple[float, str] | None:
    """Samples a run will produce when that is known up front, and how it was worked out.

    A closed loop running for a duration produces as many as the system's latency allows,
    which is not known before the run, so it gets no estimate.
    """
    if workload.iterations is not None:
        return float(workload.iterations), "iterations"
    rate, duration = workload.arrival_rate_per_second, workload.duration_seconds
    if workload.mode == "open" and rate is not None and duration is not None:
        return rate * duration, "duration_seconds"
    return None


def _suite_warnings(report: Report, path: str, suite: SuiteSpec, min_samples: int) -> None:
    workload, slo = suite.workload, suite.slo
    expected = _expected_samples(workload)
    if expected is not None and expected[0] < min_samples:
        report.warn(
            f"{path}.workload.{expected[1]}",
            f"gives about {show_number(round(expected[0], 3))} samples, fewer than "
            f"gate.min_samples_per_suite ({min_samples}): the suite would block the gate",
        )
    if slo.p95_latency_ms_max < 1:
        report.warn(
            f"{path}.slo.p95_latency_ms_max",
            "is under 1 ms: timer and scheduling noise are of that size, the verdict will flap",
        )
    rate = workload.arrival_rate_per_second
    if workload.mode == "open" and rate is not None and rate < slo.throughput_per_second_min:
        report.warn(
            f"{path}.workload.arrival_rate_per_second",
            f"is below slo.throughput_per_second_min ({show_number(slo.throughput_per_second_min)})"
            ": this suite can never pass",
        )


def add_warnings(spec: Spec, report: Report) -> None:
    """Record the warnings of a valid spec."""
    for index, suite in enumerate(spec.suites):
        _suite_warnings(report, item("suites", index), suite, spec.gate.min_samples_per_suite)
    if not spec.drills:
        report.warn("drills", "the spec has no drills: failure handling is not checked at all")
    if not spec.gate.required_suites:
        report.warn("gate.required_suites", "is empty: no suite's SLO can block the gate")
