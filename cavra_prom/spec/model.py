"""The internal spec model: what the loader produces and everything else consumes.

The YAML file is the user's versioned contract (``version: cavra/v1``); these frozen
dataclasses are the validated, unit-normalised form. Keeping them apart (as sloth does)
lets the file format evolve without touching the runner, gate or generators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cavra_prom.spec.model_hooks import DrillHooks

LoadMode = Literal["closed", "open"]


@dataclass(frozen=True)
class TargetSpec:
    """What one operation of a suite does.

    ``kind`` selects an implementation behind the runner's target protocol. ``reference``
    drives the built-in reference runtime (``operation`` names which of its operations);
    other kinds (python, http, command) come with their own ``options``.
    """

    kind: str
    operation: str | None = None
    options: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkloadSpec:
    """How load is generated for one suite.

    Exactly one of ``duration_seconds`` / ``iterations`` bounds the measured phase.
    Closed loop: ``concurrency`` workers issue operations back to back. Open loop: operations
    are due at ``arrival_rate_per_second`` and latency is measured from the due time, so a
    stalled system cannot hide its queueing (no coordinated omission).
    """

    mode: LoadMode = "closed"
    concurrency: int = 1
    arrival_rate_per_second: float | None = None
    duration_seconds: float | None = 3.0
    iterations: int | None = None
    warmup_seconds: float = 0.5
    warmup_iterations: int | None = None
    seed: int = 1


@dataclass(frozen=True)
class SloSpec:
    """The service-level objectives of one suite, in the units users write (ms, /s)."""

    p95_latency_ms_max: float
    throughput_per_second_min: float
    p99_latency_ms_max: float | None = None
    error_ratio_max: float | None = None

    @property
    def p95_latency_seconds_max(self) -> float:
        return self.p95_latency_ms_max / 1000.0


ServeMode = Literal["burst", "continuous"]
BaselineKind = Literal["promql", "pinned", "rolling"]


@dataclass(frozen=True)
class ServeSchedule:
    """How ``cavra serve`` drives a suite: bursts every N seconds, or continuously.

    Bursts keep a benchmark from competing with the system all day; continuous load suits a
    canary. Either way the active-seconds counter makes throughput right.
    """

    mode: ServeMode = "burst"
    every_seconds: float = 30.0
    burst_seconds: float = 5.0


@dataclass(frozen=True)
class RegressionSpec:
    """How a suite is compared with its baseline, and how much worse it may get.

    ``offset_seconds`` is the PromQL baseline's ``offset`` (the same window a day earlier by
    default); ``min_throughput_per_second`` keeps an idle suite from paging on noise.
    """

    baseline: BaselineKind = "promql"
    p95_increase_max: float = 0.10
    throughput_decrease_max: float = 0.10
    offset_seconds: float = 86400.0
    rolling_count: int = 10
    pinned_packet: str | None = None
    min_throughput_per_second: float = 1.0


@dataclass(frozen=True)
class SuiteSpec:
    id: str
    target: TargetSpec
    workload: WorkloadSpec
    slo: SloSpec
    description: str = ""
    serve: ServeSchedule = field(default_factory=ServeSchedule)
    regression: RegressionSpec = field(default_factory=RegressionSpec)


@dataclass(frozen=True)
class DrillSpec:
    """One failure drill: the fault to inject and the behaviour that must be observed."""

    id: str
    fault: str
    injected_fault: str
    expected_behavior: str
    operations: int = 50
    recovery_timeout_seconds: float = 10.0
    seed: int = 1
    schedule_seconds: float = 86400.0
    hooks: DrillHooks | None = None
    """Inject/recover against the user's own system (``fault: custom``); None: built-in."""


@dataclass(frozen=True)
class EventBusRequirements:
    durable_delivery: bool = True
    dead_letter_queue: bool = True
    replay: bool = True
    consumer_lag_metrics: bool = True


WINDOW_PLACEHOLDER = "$window"
"""Written in spec PromQL where a range goes (``rate(x[$window])``); replaced at query time."""


@dataclass(frozen=True)
class AvailabilitySpec:
    """The HA availability objective, as good/total PromQL ratios over a rolling period."""

    objective: float = 0.999
    period_days: float = 30.0
    good_query: str = 'sum(rate(cavra_suite_operations_total{outcome="ok"}[$window]))'
    total_query: str = "sum(rate(cavra_suite_operations_total[$window]))"


@dataclass(frozen=True)
class HaQueries:
    """PromQL that measures each HA/DR value in a live deployment.

    The defaults read the metrics cavra-prom itself exports for the reference runtime; point
    them at your own system's metrics (replica counts from kube-state-metrics, say).
    ``event_bus_capability`` returns one series per ``capability`` label with value 1 or 0.
    """

    rto_minutes: str = "max(cavra_drill_recovery_seconds) / 60"
    rpo_minutes: str = "max(cavra_ha_rpo_seconds) / 60"
    api_replicas: str = 'min(cavra_ha_replicas{role="api"})'
    worker_replicas: str = 'min(cavra_ha_replicas{role="worker"})'
    event_bus_capability: str = "max by (capability) (cavra_event_bus_capability)"


@dataclass(frozen=True)
class HaDrSpec:
    """HA/DR floors (R6.1): recovery objectives, replica floors, event-bus capabilities."""

    rto_minutes: float = 60.0
    rpo_minutes: float = 15.0
    min_api_replicas: int = 2
    min_worker_replicas: int = 2
    event_bus: EventBusRequirements = field(default_factory=EventBusRequirements)
    health_endpoints: tuple[str, ...] = ("/health", "/version", "/console/config")
    availability: AvailabilitySpec = field(default_factory=AvailabilitySpec)
    queries: HaQueries = field(default_factory=HaQueries)


@dataclass(frozen=True)
class GatePolicy:
    """How strict the gate is: sample floors and what evidence is required."""

    min_samples_per_suite: int = 100
    required_suites: tuple[str, ...] = ()
    required_drills: tuple[str, ...] = ()
    allow_sample_evidence: bool = True


@dataclass(frozen=True)
class Spec:
    version: str
    suites: tuple[SuiteSpec, ...]
    drills: tuple[DrillSpec, ...]
    ha_dr: HaDrSpec
    gate: GatePolicy

    def suite(self, suite_id: str) -> SuiteSpec:
        for suite in self.suites:
            if suite.id == suite_id:
                return suite
        raise KeyError(suite_id)
