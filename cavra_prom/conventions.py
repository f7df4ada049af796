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

# --- PromQL evaluator: why an evaluation from Prometheus failed (issue 4) -------------------
# Family name (exposed with ``_total``); each reason is a label value and an
# ``EvaluationProblem.reason``. Fatal reasons mean "could not evaluate" (exit 3).
EVALUATION_ERRORS: Final = "cavra_evaluation_errors"
EVALUATION_ERRORS_TOTAL: Final = EVALUATION_ERRORS + "_total"
LABEL_REASON: Final = "reason"
REASON_CONFIGURATION: Final = "configuration"
REASON_CREDENTIALS: Final = "credentials"
REASON_UNREACHABLE: Final = "unreachable"
REASON_TIMEOUT: Final = "timeout"
REASON_TLS: Final = "tls"
REASON_UNAUTHORIZED: Final = "unauthorized"
REASON_HTTP_ERROR: Final = "http_error"
REASON_BAD_QUERY: Final = "bad_query"
REASON_BAD_RESPONSE: Final = "bad_response"
REASON_PARTIAL_RESPONSE: Final = "partial_response"
REASON_NO_DATA: Final = "no_data"
REASON_NAN: Final = "nan"
REASON_STALE: Final = "stale"
REASON_INSUFFICIENT_SAMPLES: Final = "insufficient_samples"
REASON_THRESHOLD_MISMATCH: Final = "threshold_mismatch"
REASON_INCONSISTENT: Final = "inconsistent"
EVALUATION_REASONS: Final = (
    REASON_CONFIGURATION,
    REASON_CREDENTIALS,
    REASON_UNREACHABLE,
    REASON_TIMEOUT,
    REASON_TLS,
    REASON_UNAUTHORIZED,
    REASON_HTTP_ERROR,
    REASON_BAD_QUERY,
    REASON_BAD_RESPONSE,
    REASON_PARTIAL_RESPONSE,
    REASON_NO_DATA,
    REASON_NAN,
    REASON_STALE,
    REASON_INSUFFICIENT_SAMPLES,
    REASON_THRESHOLD_MISMATCH,
    REASON_INCONSISTENT,
)

# --- Prometheus rules and alerts (issue 5) -------------------------------------------------
# Recording rules are named level:metric:operations; the window (``5m``) is appended by
# cavra_prom.rules.names so a test build with short windows gets names that say so.
RULE_SUITE_P95: Final = "suite:cavra_suite_latency_seconds:p95_rate"
RULE_SUITE_P95_BASELINE_SUFFIX: Final = "_baseline"
RULE_SUITE_THROUGHPUT: Final = "suite:cavra_suite_throughput:ratio_rate"
RULE_SUITE_WITHIN_SLO: Final = "suite:cavra_suite_within_slo:ratio_rate"
RULE_SUITE_ERRORS: Final = "suite:cavra_suite_errors:ratio_rate"
RULE_SUITE_OPERATIONS: Final = "suite:cavra_suite_operations:rate"
RULE_HA_BURN_RATE: Final = "ha:cavra_availability:burnrate"
RULE_GROUP_PREFIX: Final = "cavra-benchmark-slo-"
ALERT_SUITE_LATENCY_ABOVE_SLO: Final = "CavraSuiteLatencyAboveSLO"
ALERT_SUITE_THROUGHPUT_BELOW_FLOOR: Final = "CavraSuiteThroughputBelowFloor"
ALERT_SUITE_WITHIN_SLO_LOW: Final = "CavraSuiteWithinSLORatioLow"
ALERT_SUITE_ERROR_RATIO_HIGH: Final = "CavraSuiteErrorRatioHigh"
ALERT_SUITE_LATENCY_REGRESSION: Final = "CavraSuiteLatencyRegression"
ALERT_SUITE_NO_DATA: Final = "CavraSuiteNoData"
ALERT_EVALUATOR_DOWN: Final = "CavraEvaluatorDown"
ALERT_PACKET_STALE: Final = "CavraPacketStale"
ALERT_GATE_BLOCKED: Final = "CavraGateBlocked"
ALERT_DRILL_FAILED: Final = "CavraDrillFailed"
ALERT_DRILL_STALE: Final = "CavraDrillStale"
ALERT_HA_AVAILABILITY_BURN: Final = "CavraHaAvailabilityBudgetBurn"
ALERT_HA_RPO_ABOVE_TARGET: Final = "CavraHaRpoAboveTarget"
ALERT_HA_RTO_ABOVE_TARGET: Final = "CavraHaRtoAboveTarget"
ALERT_HA_REPLICAS_BELOW_FLOOR: Final = "CavraHaReplicasBelowFloor"
LABEL_SEVERITY: Final = "severity"
SEVERITY_PAGE: Final = "page"
SEVERITY_TICKET: Final = "ticket"
# Prometheus's own per-target health series (1 = the last scrape succeeded).
PROMETHEUS_UP: Final = "up"
ANNOTATION_SUMMARY: Final = "summary"
ANNOTATION_DESCRIPTION: Final = "description"
ANNOTATION_RUNBOOK_URL: Final = "runbook_url"
RULES_FILE: Final = "cavra-benchmark-slo.rules.yml"

# --- cavra serve: scheduled jobs (issue 4) -------------------------------------------------
# Family name (exposed with ``_total``). NB: a scraped ``job`` label collides with the target
# label Prometheus adds, so without ``honor_labels`` it is stored as ``exported_job``.
JOB_FAILURES: Final = "cavra_job_failures"
JOB_FAILURES_TOTAL: Final = JOB_FAILURES + "_total"
LABEL_JOB: Final = "job"
JOB_EVALUATION: Final = "evaluation"
JOB_SUITE_PREFIX: Final = "suite:"
JOB_DRILL_PREFIX: Final = "drill:"
# Pushgateway grouping key of `cavra benchmark run --pushgateway` (suites stay labels).
PUSHGATEWAY_JOB: Final = "cavra_benchmark"
LABEL_INSTANCE: Final = "instance"

# --- gate check names (R6.1 names, kept for v1 compatibility) ----------------------------
CHECK_BENCHMARK_SUITES: Final = "benchmark_suites"
CHECK_FAILURE_MODE_DRILLS: Final = "failure_mode_drills"
CHECK_HA_SLO_TARGETS: Final = "ha_slo_targets"
CHECK_SUITE_SLO_SUFFIX: Final = "_slo"

# Regression against a baseline (issue 8): one check per suite, ``<suite_id>_regression``.
CHECK_SUITE_REGRESSION_SUFFIX: Final = "_regression"
# Current p95 / baseline p95 per suite (1.0 = unchanged), for the rules and the board.
SUITE_REGRESSION_RATIO: Final = "cavra_suite_regression_ratio"

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

# --- readiness packet: checker results, export manifest, artifacts (issue 3) --------------
READINESS_RESULT_SCHEMA_V1: Final = "cavra.benchmark-slo.readiness-result.v1"
READINESS_RESULT_SCHEMA_V2: Final = "cavra.benchmark-slo.readiness-result.v2"
EXPORT_SCHEMA_V1: Final = "cavra.benchmark-slo.export.v1"
EXPORT_SCHEMA_V2: Final = "cavra.benchmark-slo.export.v2"
ARTIFACT_REPORT_FILE: Final = "benchmark-slo-report.json"
ARTIFACT_GATE_FILE: Final = "benchmark-slo-regression-gate.json"
ARTIFACT_PACKET_FILE: Final = "benchmark-slo-readiness-packet.json"
ARTIFACT_EXPORT_FILE: Final = "benchmark-slo-export.json"
ARTIFACT_SUMMARY_FILE: Final = "benchmark-slo-summary.md"
ARTIFACT_JUNIT_FILE: Final = "benchmark-slo-junit.xml"
SIGNATURE_ALGORITHM: Final = "ed25519"
SAMPLE_REF_SCHEME: Final = "sample://"
# Checks only the readiness checker makes (the gate's own names are above and in gate.py).
# R6.1's checker used schema_version, evidence_mode and operating_evidence; they keep their
# meaning.
CHECK_SCHEMA_VERSION: Final = "schema_version"
CHECK_PACKET_SCHEMA: Final = "packet_schema"
CHECK_INTEGRITY_DIGEST: Final = "integrity_digest"
CHECK_SIGNATURE: Final = "signature"
CHECK_EVIDENCE_MODE: Final = "evidence_mode"
CHECK_SPEC_THRESHOLDS: Final = "spec_thresholds"
CHECK_SUITE_EVIDENCE: Final = "suite_evidence"
CHECK_DRILL_EVIDENCE: Final = "drill_evidence"
CHECK_EMBEDDED_VERDICTS: Final = "embedded_verdicts"
CHECK_OPERATING_EVIDENCE: Final = "operating_evidence"
CHECK_LIVE_PROVENANCE: Final = "live_provenance"
CHECK_SAMPLE_REFS: Final = "sample_refs"
CHECK_FRESHNESS: Final = "freshness"
CHECK_NOT_REDERIVED: Final = "not_rederived"
# A drill read from Prometheus carries its gauge as an observation under this key.
DRILL_PASSED_OBSERVATION: Final = DRILL_PASSED

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

# --- Grafana boards (issue 6) ------------------------------------------------------------
# Prometheus's own series of pending/firing alerts, read for annotations and the alert table.
PROMETHEUS_ALERTS: Final = "ALERTS"
LABEL_ALERTNAME: Final = "alertname"
LABEL_ALERTSTATE: Final = "alertstate"
ALERTSTATE_FIRING: Final = "firing"
DASHBOARD_SLO_UID: Final = "cavra-benchmark-slo"
DASHBOARD_SLO_FILE: Final = "cavra-benchmark-slo.json"
DASHBOARD_SUITE_UID: Final = "cavra-benchmark-suite"
DASHBOARD_SUITE_FILE: Final = "cavra-benchmark-suite.json"
DASHBOARD_TAG: Final = "cavra"
# Template variables the boards define (``$window`` is also the spec's HA query placeholder,
# so spec PromQL drops into a panel unchanged and Grafana fills the range).
DASHBOARD_VAR_DATASOURCE: Final = "datasource"
DASHBOARD_VAR_SUITE: Final = "suite"
DASHBOARD_VAR_WINDOW: Final = "window"


def suite_slo_check_name(suite_id: str) -> str:
    """The gate check that holds one suite's SLO verdict (``<suite_id>_slo``, as in R6.1)."""
    return suite_id + CHECK_SUITE_SLO_SUFFIX


def suite_regression_check_name(suite_id: str) -> str:
    """The gate check that holds one suite's verdict against its baseline."""
    return suite_id + CHECK_SUITE_REGRESSION_SUFFIX


# --- error classes of failed operations (reported per suite; a closed, small set) -----------
ERROR_TIMEOUT: Final = "timeout"
ERROR_CONNECTION: Final = "connection"
ERROR_STATUS: Final = "status"
ERROR_EXIT_CODE: Final = "exit_code"
ERROR_PROTOCOL: Final = "protocol"
ERROR_EXCEPTION: Final = "exception"
ERROR_FAILED: Final = "failed"
"""An operation that returned False (no exception): the target judged the result wrong."""

ERROR_CLASSES: Final = (
    ERROR_TIMEOUT,
    ERROR_CONNECTION,
    ERROR_STATUS,
    ERROR_EXIT_CODE,
    ERROR_PROTOCOL,
    ERROR_EXCEPTION,
    ERROR_FAILED,
)
