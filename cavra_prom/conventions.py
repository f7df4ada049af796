"""Every name cavra-prom emits: metrics, labels, check names, schema ids.

One module owns them so the runner, the evaluator, the rules, the dashboards and the packet
can never drift apart (the habit is borrowed from sloth's conventions module). Names follow
Prometheus conventions: a ``cavra_`` prefix, base units (seconds), ``_total`` on counters.
"""

from __future__ import annotations

from typing import Final

METRIC_PREFIX: Final = "cavra_"

# --- label names -------------------------------------------------------------------------
LABEL_SUITE: Final = "suite"
LABEL_OUTCOME: Final = "outcome"
LABEL_DRILL: Final = "drill"
LABEL_LE: Final = "le"

OUTCOME_OK: Final = "ok"
OUTCOME_ERROR: Final = "error"
OUTCOMES: Final = (OUTCOME_OK, OUTCOME_ERROR)

# --- suite metrics -----------------------------------------------------------------------
# Names below are the *family* names as prometheus-client registers them: counters are
# declared without ``_total`` and exposed with it.
SUITE_LATENCY_SECONDS: Final = "cavra_suite_latency_seconds"
SUITE_OPERATIONS: Final = "cavra_suite_operations"
SUITE_WITHIN_SLO: Final = "cavra_suite_within_slo"
SUITE_ACTIVE_SECONDS: Final = "cavra_suite_active_seconds"
SUITE_LAST_RUN_TIMESTAMP_SECONDS: Final = "cavra_suite_last_run_timestamp_seconds"
SLO_LATENCY_THRESHOLD_SECONDS: Final = "cavra_slo_latency_threshold_seconds"
SLO_THROUGHPUT_MIN: Final = "cavra_slo_throughput_min"

# Series names as they appear in the exposition and in PromQL.
SUITE_LATENCY_BUCKET: Final = SUITE_LATENCY_SECONDS + "_bucket"
SUITE_LATENCY_COUNT: Final = SUITE_LATENCY_SECONDS + "_count"
SUITE_LATENCY_SUM: Final = SUITE_LATENCY_SECONDS + "_sum"
SUITE_OPERATIONS_TOTAL: Final = SUITE_OPERATIONS + "_total"
SUITE_WITHIN_SLO_TOTAL: Final = SUITE_WITHIN_SLO + "_total"
SUITE_ACTIVE_SECONDS_TOTAL: Final = SUITE_ACTIVE_SECONDS + "_total"

# --- drill metrics -----------------------------------------------------------------------
DRILL_PASSED: Final = "cavra_drill_passed"
DRILL_LAST_RUN_TIMESTAMP_SECONDS: Final = "cavra_drill_last_run_timestamp_seconds"
DRILL_RECOVERY_SECONDS: Final = "cavra_drill_recovery_seconds"

# --- HA/DR metrics (what the default HA PromQL in the spec reads) ------------------------
HA_REPLICAS: Final = "cavra_ha_replicas"
HA_RPO_SECONDS: Final = "cavra_ha_rpo_seconds"
EVENT_BUS_CAPABILITY: Final = "cavra_event_bus_capability"
LABEL_ROLE: Final = "role"
LABEL_CAPABILITY: Final = "capability"
ROLE_API: Final = "api"
ROLE_WORKER: Final = "worker"

# --- gate and packet metrics -------------------------------------------------------------
GATE_READY: Final = "cavra_gate_ready"
GATE_BLOCKERS: Final = "cavra_gate_blockers"
PACKET_LAST_RENDER_TIMESTAMP_SECONDS: Final = "cavra_packet_last_render_timestamp_seconds"

# --- gate check names (R6.1 names, kept for v1 compatibility) ----------------------------
CHECK_BENCHMARK_SUITES: Final = "benchmark_suites"
CHECK_FAILURE_MODE_DRILLS: Final = "failure_mode_drills"
CHECK_HA_SLO_TARGETS: Final = "ha_slo_targets"
CHECK_SUITE_SLO_SUFFIX: Final = "_slo"

STATUS_PASS: Final = "pass"
STATUS_WARN: Final = "warn"
STATUS_BLOCKER: Final = "blocker"

# --- schema identifiers ------------------------------------------------------------------
SPEC_VERSION: Final = "cavra/v1"
PACKET_SCHEMA_V1: Final = "cavra.benchmark-slo.readiness.v1"
PACKET_SCHEMA_V2: Final = "cavra.benchmark-slo.readiness.v2"
REPORT_SCHEMA_V1: Final = "cavra.benchmark-slo.report.v1"
REPORT_SCHEMA_V2: Final = "cavra.benchmark-slo.report.v2"
GATE_SCHEMA_V1: Final = "cavra.benchmark-slo.regression-gate.v1"
GATE_SCHEMA_V2: Final = "cavra.benchmark-slo.regression-gate.v2"
HA_TARGETS_SCHEMA_V1: Final = "cavra.benchmark-slo.ha-targets.v1"
PRODUCT: Final = "CAVRA"

# --- the R6.1 contract: required suites and drills ---------------------------------------
SUITE_RUNTIME_DECISION_LATENCY: Final = "runtime_decision_latency"
SUITE_CONTINUOUS_MONITORING_REPLAY: Final = "continuous_monitoring_replay"
SUITE_POLICY_LIFECYCLE_DRY_RUN: Final = "policy_lifecycle_dry_run"
R61_SUITES: Final = (
    SUITE_RUNTIME_DECISION_LATENCY,
    SUITE_CONTINUOUS_MONITORING_REPLAY,
    SUITE_POLICY_LIFECYCLE_DRY_RUN,
)

# --- the reference runtime's operations (one per R6.1 suite) -------------------------------
OPERATION_RUNTIME_DECISION: Final = "runtime_decision"
OPERATION_MONITORING_REPLAY: Final = "monitoring_replay"
OPERATION_POLICY_DRY_RUN: Final = "policy_dry_run"
REFERENCE_OPERATIONS: Final = (
    OPERATION_RUNTIME_DECISION,
    OPERATION_MONITORING_REPLAY,
    OPERATION_POLICY_DRY_RUN,
)

DRILL_EVENT_BUS_UNAVAILABLE: Final = "event_bus_unavailable"
DRILL_STORE_WRITE_FAILURE: Final = "store_write_failure"
DRILL_CONNECTOR_TIMEOUT: Final = "connector_timeout"
DRILL_POLICY_COMPILE_FAILURE: Final = "policy_compile_failure"
R61_DRILLS: Final = (
    DRILL_EVENT_BUS_UNAVAILABLE,
    DRILL_STORE_WRITE_FAILURE,
    DRILL_CONNECTOR_TIMEOUT,
    DRILL_POLICY_COMPILE_FAILURE,
)


def suite_slo_check_name(suite_id: str) -> str:
    """The gate check that holds one suite's SLO verdict (``<suite_id>_slo``, as in R6.1)."""
    return suite_id + CHECK_SUITE_SLO_SUFFIX
