"""The reference runtime: the governed system behind the three R6.1 suites and four drills.

It wires the components together (policy registry and lifecycle, decision engine replicas,
audit store with outbox, event bus with replica, connector, monitoring replay, fault
switchboard) and hands the runner one callable per worker for each reference operation.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Final

from cavra_prom import conventions
from cavra_prom.errors import TargetError
from cavra_prom.runtime.breaker import CircuitBreaker
from cavra_prom.runtime.bus import EventBus
from cavra_prom.runtime.capabilities import measure_capabilities
from cavra_prom.runtime.config import RuntimeConfig
from cavra_prom.runtime.connector import Connector, ConnectorSettings, Downstream
from cavra_prom.runtime.decisions import (
    DECISIONS_TOPIC,
    DecisionEngine,
    EngineDeps,
    IdSequence,
    OutboxRelay,
)
from cavra_prom.runtime.evidence import EvidenceLog
from cavra_prom.runtime.faults import FaultSwitchboard
from cavra_prom.runtime.generate import (
    generate_bundle_text,
    generate_fixtures,
    generate_stream,
    random_request,
)
from cavra_prom.runtime.lifecycle import PolicyLifecycle, PolicyRegistry
from cavra_prom.runtime.monitoring import MonitoringReplay
from cavra_prom.runtime.policy import CompiledPolicy, compile_bundle
from cavra_prom.runtime.policy_lang import parse_bundle
from cavra_prom.runtime.store import AuditStore

Operation = Callable[[], bool]

OP_RUNTIME_DECISION: Final = conventions.OPERATION_RUNTIME_DECISION
OP_MONITORING_REPLAY: Final = conventions.OPERATION_MONITORING_REPLAY
OP_POLICY_DRY_RUN: Final = conventions.OPERATION_POLICY_DRY_RUN
REFERENCE_OPERATIONS: Final = conventions.REFERENCE_OPERATIONS


class ReferenceRuntime:
    """One governed runtime instance; every public method is safe to call from many threads."""

    def __init__(self, config: RuntimeConfig | None = None) -> None:
        self.config = cfg = config or RuntimeConfig()
        self.faults = FaultSwitchboard()
        self.evidence = EvidenceLog()
        self.store = AuditStore(self.faults, cfg.audit_retention_records)
        self.bus = EventBus(
            self.faults,
            ack_mode=cfg.bus_ack_mode,
            retention=cfg.bus_retention_events,
            dead_letter=cfg.bus_dead_letter,
        )
        self.breaker = CircuitBreaker(cfg.breaker_failure_threshold, cfg.breaker_reset_seconds)
        self.registry = PolicyRegistry(self._baseline_policy())
        self.lifecycle = PolicyLifecycle(
            self.registry,
            self.faults,
            self.evidence,
            generate_fixtures(random.Random(cfg.seed + 1), cfg.policy_fixture_count),
            fail_closed=cfg.fail_closed,
        )
        deps = EngineDeps(
            self.registry, self.store, self.bus, self.evidence, self.breaker,
            IdSequence("d-"), cfg.fail_closed, cfg.replication_batch_events,
        )  # fmt: skip
        self.engines = tuple(DecisionEngine(f"api-{i}", deps) for i in range(cfg.api_replicas))
        self.relay = OutboxRelay(self.store, self.bus, self.breaker)
        self.downstream = Downstream(self.faults)
        self.connector = Connector(self.bus, self.downstream, self._connector_settings())
        self.monitoring = MonitoringReplay(
            lambda: generate_stream(random.Random(cfg.seed + 2), cfg.monitoring_stream_events),
            cfg.monitoring_window_events,
        )
        self._workers = itertools.count()
        self._bundle_versions = itertools.count(2)

    def _baseline_policy(self) -> CompiledPolicy:
        text = generate_bundle_text(
            random.Random(self.config.seed), "baseline", 1, self.config.policy_filler_rules
        )
        return compile_bundle(parse_bundle(text))

    def _connector_settings(self) -> ConnectorSettings:
        cfg = self.config
        return ConnectorSettings(
            topic=DECISIONS_TOPIC,
            timeout_seconds=cfg.connector_timeout_seconds,
            max_attempts=cfg.connector_max_attempts,
            backoff_base_seconds=cfg.connector_backoff_base_seconds,
            backoff_max_seconds=cfg.connector_backoff_max_seconds,
            fail_closed=cfg.fail_closed,
            seed=cfg.seed,
        )

    def make_operation(self, name: str, rng: random.Random) -> Operation:
        """A callable for one worker; True = succeeded, False = a governed error outcome."""
        worker = next(self._workers)
        if name == OP_RUNTIME_DECISION:
            return self._with_latency(self._decision_op(worker, rng))
        if name == OP_MONITORING_REPLAY:
            return self._with_latency(self._monitoring_op(rng))
        if name == OP_POLICY_DRY_RUN:
            return self._with_latency(self._policy_op(worker, rng))
        known = ", ".join(REFERENCE_OPERATIONS)
        raise TargetError(f"unknown reference operation {name!r}; known: {known}")

    def _with_latency(self, op: Operation) -> Operation:
        """Every operation first waits the injected latency fault (usually 0: one read).

        The delay is inside the operation, so the runner measures it as latency exactly as it
        would a slow dependency, and open-loop queueing behind it shows up too.
        """
        delay = self.faults.delay

        def delayed() -> bool:
            delay()
            return op()

        return delayed

    def _decision_op(self, worker: int, rng: random.Random) -> Operation:
        engine = self.engines[worker % len(self.engines)]  # workers spread over API replicas
        counter = itertools.count()

        def op() -> bool:
            request = random_request(rng, f"w{worker}-{next(counter)}")
            return not engine.decide(request).blocked

        return op

    def _monitoring_op(self, rng: random.Random) -> Operation:
        def op() -> bool:
            last_start = len(self.monitoring.stream) - self.monitoring.window_events
            report = self.monitoring.replay(rng.randrange(last_start + 1))
            return report.events == self.monitoring.window_events

        return op

    def _policy_op(self, worker: int, rng: random.Random) -> Operation:
        def op() -> bool:
            version = next(self._bundle_versions)
            text = generate_bundle_text(
                rng, f"bundle-w{worker}", version, self.config.policy_filler_rules
            )
            return self.lifecycle.run(text).promoted

        return op

    def event_bus_capabilities(self) -> dict[str, bool]:
        """durable_delivery, dead_letter_queue, replay, consumer_lag_metrics, each measured."""
        return measure_capabilities(self.bus)

    def relay_outbox(self) -> int:
        """Republish outboxed events (a pass of the outbox relay); returns how many."""
        return self.relay.relay()
