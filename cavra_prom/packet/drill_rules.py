"""Re-judge a drill from the observations its packet carries, never from its ``passed`` flag.

A drill entry carries the counts the drill took from the reference runtime's own store, bus,
outbox, DLQ and evidence log (see :mod:`cavra_prom.drills`). Each fault has rules over those
counts that mirror the drill's own verdict, so a checker reaches the same verdict from the
packet alone, and a flipped flag or an edited count shows. Where the drill judged something the
counts cannot show (which decision ids carry evidence, a retry count per delivery) the rule
checks the count-level consequence.

A drill read from Prometheus instead carries the ``cavra_drill_passed`` gauge sample as its
observation (``conventions.DRILL_PASSED_OBSERVATION``): the raw value Prometheus holds. When
both kinds are present, both must show a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from cavra_prom import conventions as names
from cavra_prom.drills.model import Observation

Counts = Mapping[str, float]
Rule = tuple[str, Callable[[Counts], bool], Callable[[Counts], str]]
"""(observed word when failed, failed?, reason)"""


@dataclass(frozen=True)
class DrillJudgement:
    passed: bool
    observed_behavior: str
    reason: str | None


_BUS: Final[tuple[Rule, ...]] = (
    ("unsafe_approval", lambda o: o["allow_without_audit"] > 0,
     lambda o: f"{o['allow_without_audit']:g} allow decisions had no audit record"),
    ("event_lost", lambda o: o["events_lost"] > 0,
     lambda o: f"{o['events_lost']:g} decided events were neither published, queued nor failed "
     "closed"),
    ("fault_not_observed",
     lambda o: o["bus_rejected_writes"] == 0 or o["published_during_fault"] > 0,
     lambda o: f"the bus refused {o['bus_rejected_writes']:g} writes and accepted "
     f"{o['published_during_fault']:g} during the fault"),
    ("outbox_not_drained",
     lambda o: o["outbox_remaining"] > 0 or o["outbox_relayed"] < o["outboxed"],
     lambda o: f"{o['outbox_remaining']:g} events left in the outbox, "
     f"{o['outbox_relayed']:g} of {o['outboxed']:g} relayed"),
)  # fmt: skip
_STORE: Final[tuple[Rule, ...]] = (
    ("unsafe_approval", lambda o: o["allow_without_audit"] > 0,
     lambda o: f"{o['allow_without_audit']:g} allow decisions had no audit record"),
    ("ungoverned_decision", lambda o: o["ungoverned_decisions"] > 0,
     lambda o: f"{o['ungoverned_decisions']:g} decisions were answered without an audit record"),
    ("fault_not_observed",
     lambda o: o["failed_writes"] == 0 or o["audit_records_written_during_fault"] > 0,
     lambda o: f"the store refused {o['failed_writes']:g} writes and accepted "
     f"{o['audit_records_written_during_fault']:g} during the fault"),
    ("evidence_missing",
     lambda o: o["blocker_evidence"] != o["failed_writes"] or o["blocked"] > o["blocker_evidence"],
     lambda o: f"{o['failed_writes']:g} failed writes and {o['blocked']:g} blocked decisions, but "
     f"{o['blocker_evidence']:g} blocker evidence records"),
    ("audit_chain_broken", lambda o: o["audit_chain_intact"] != 1,
     lambda o: "the audit hash chain does not verify"),
)  # fmt: skip
_CONNECTOR: Final[tuple[Rule, ...]] = (
    ("no_deliveries", lambda o: o["attempted"] == 0,
     lambda o: "no delivery was attempted during the fault"),
    ("delivery_lost",
     lambda o: o["lost"] > 0 or o["delivered"] + o["dead_lettered"] + o["pending"] < o["attempted"],
     lambda o: f"{o['lost']:g} of {o['attempted']:g} events were neither delivered nor "
     "dead-lettered"),
    ("fault_not_observed", lambda o: o["timeouts"] == 0,
     lambda o: "no delivery timed out during the fault"),
    ("dlq_record_missing", lambda o: o["dlq_records"] < o["dead_lettered"],
     lambda o: f"{o['dead_lettered']:g} dead-lettered events but {o['dlq_records']:g} DLQ records"),
    ("dlq_not_redriven", lambda o: o["dlq_redriven"] < o["dead_lettered"],
     lambda o: f"{o['dlq_redriven']:g} of {o['dead_lettered']:g} dead letters redelivered"),
)  # fmt: skip
_POLICY: Final[tuple[Rule, ...]] = (
    ("enforcement_changed",
     lambda o: o["promoted_during_fault"] > 0
     or o["active_revision_after"] != o["active_revision_before"],
     lambda o: f"{o['promoted_during_fault']:g} bundles promoted during the fault (active revision "
     f"{o['active_revision_before']:g} -> {o['active_revision_after']:g})"),
    ("enforcement_changed", lambda o: o["enforcement_changes"] > 0,
     lambda o: f"{o['enforcement_changes']:g} probe requests are decided differently"),
    ("fault_not_observed", lambda o: o["blocked_at_compile"] == 0,
     lambda o: "no bundle failed to compile"),
    ("evidence_missing", lambda o: o["blocker_evidence"] != o["promotions_blocked"],
     lambda o: f"{o['promotions_blocked']:g} promotions blocked but {o['blocker_evidence']:g} "
     "blocker evidence records"),
)  # fmt: skip

RULES: Final[Mapping[str, tuple[Rule, ...]]] = {
    names.DRILL_EVENT_BUS_UNAVAILABLE: _BUS,
    names.DRILL_STORE_WRITE_FAILURE: _STORE,
    names.DRILL_CONNECTOR_TIMEOUT: _CONNECTOR,
    names.DRILL_POLICY_COMPILE_FAILURE: _POLICY,
}
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    names.DRILL_EVENT_BUS_UNAVAILABLE: (
        "allow_without_audit", "events_lost", "bus_rejected_writes", "published_during_fault",
        "outbox_remaining", "outbox_relayed", "outboxed",
    ),
    names.DRILL_STORE_WRITE_FAILURE: (
        "allow_without_audit", "ungoverned_decisions", "failed_writes",
        "audit_records_written_during_fault", "blocker_evidence", "blocked", "audit_chain_intact",
    ),
    names.DRILL_CONNECTOR_TIMEOUT: (
        "attempted", "delivered", "dead_lettered", "pending", "lost", "timeouts", "dlq_records",
        "dlq_redriven",
    ),
    names.DRILL_POLICY_COMPILE_FAILURE: (
        "promoted_during_fault", "active_revision_before", "active_revision_after",
        "enforcement_changes", "blocked_at_compile", "blocker_evidence", "promotions_blocked",
    ),
}  # fmt: skip
COMMON: Final = ("operations", "recovered")
LAST_RUN_AGE: Final = "last_run_age_seconds"
STALE_SCHEDULES: Final = 2.0
"""A drill older than twice its schedule is stale (the PromQL evaluator's rule too)."""


def _number(value: Observation | None) -> float | None:
    """Counts as numbers; a boolean observation counts as 1 or 0 (``audit_chain_intact``)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def _counts(observations: Mapping[str, Observation], keys: tuple[str, ...]) -> dict[str, float]:
    counts = {}
    for key in keys:
        number = _number(observations.get(key))
        if number is not None:
            counts[key] = number
    return counts


def _judge_counts(fault: str, observations: Mapping[str, Observation]) -> DrillJudgement:
    keys = (*COMMON, *REQUIRED[fault])
    counts = _counts(observations, keys)
    missing = [k for k in keys if k not in counts]
    if missing:
        return DrillJudgement(False, "observations_missing", f"not observed: {', '.join(missing)}")
    if counts["operations"] <= 0:
        return DrillJudgement(False, "no_operations", "the drill drove 0 operations")
    for word, failed, reason in RULES[fault]:
        if failed(counts):
            return DrillJudgement(False, word, reason(counts))
    if counts["recovered"] != 1:
        return DrillJudgement(False, "recovery_timeout", "service did not recover after the fault")
    return DrillJudgement(True, "", None)


def _judge_gauge(
    observations: Mapping[str, Observation], stale_after: float | None
) -> DrillJudgement:
    """The Prometheus form: the gauge's value, and (given a schedule) how old the run is."""
    number = _number(observations.get(names.DRILL_PASSED_OBSERVATION))
    if number != 1:
        shown = "not a number" if number is None else f"{number:g}"
        return DrillJudgement(False, "gauge_failed", f"{names.DRILL_PASSED} is {shown}")
    if stale_after is not None:
        age = _number(observations.get(LAST_RUN_AGE))
        if age is None:
            return DrillJudgement(False, "stale", f"no {LAST_RUN_AGE}: the run's age is unknown")
        if age > stale_after:
            return DrillJudgement(
                False, "stale", f"last run {age:g} s ago, more than {stale_after:g} s"
            )
    return DrillJudgement(True, "", None)


def judge_drill(
    fault: str, observations: Mapping[str, Observation], stale_after: float | None = None
) -> DrillJudgement:
    """The verdict the observations support (``observed_behavior`` empty when it is a pass).

    ``stale_after``: a drill read from Prometheus whose last run is older than this many
    seconds does not count (the evaluator uses twice the drill's schedule).
    """
    judgements = []
    if fault in RULES and any(k in observations for k in REQUIRED[fault]):
        judgements.append(_judge_counts(fault, observations))
    if names.DRILL_PASSED_OBSERVATION in observations:
        judgements.append(_judge_gauge(observations, stale_after))
    if not judgements:
        if not observations:
            return DrillJudgement(False, "no_observations", "the drill carries no observations")
        if fault in RULES:
            return _judge_counts(fault, observations)
        return DrillJudgement(
            False,
            "unjudgeable",
            f"no rule re-derives fault {fault!r} and no {names.DRILL_PASSED} observation",
        )
    return next((j for j in judgements if not j.passed), judgements[0])
