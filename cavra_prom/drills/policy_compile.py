"""Drill: the policy artifact cannot be compiled.

Safe behaviour: every promotion attempted during the fault is blocked (with evidence), the
active revision and digest stay as they were, and enforcement does not change: the active
policy decides a fixed probe set exactly as before.
"""

from __future__ import annotations

from typing import ClassVar

from cavra_prom.drills.base import Scenario, Verdict, first_failure
from cavra_prom.runtime.evidence import KIND_PROMOTION_BLOCKED
from cavra_prom.runtime.faults import POLICY_COMPILE_FAILURE
from cavra_prom.runtime.generate import generate_bundle_text, random_request
from cavra_prom.runtime.lifecycle import ActivePolicy, LifecycleReport

_PROBE_REQUESTS = 200


class PolicyCompileFailure(Scenario):
    fault: ClassVar[str] = POLICY_COMPILE_FAILURE
    safe_behavior: ClassVar[str] = "promotion_blocked"

    def _bundle(self) -> str:
        self.version += 1
        rules = self.rt.config.policy_filler_rules
        return generate_bundle_text(self.rng, "drill-bundle", self.version, rules)

    def _enforcement(self) -> tuple[str, ...]:
        policy = self.rt.registry.active().policy
        return tuple(policy.evaluate(r)[0] for r in self.probe_set)

    def before_fault(self) -> None:
        self.version = 1
        self.probe_set = [random_request(self.rng, f"p-{i}") for i in range(_PROBE_REQUESTS)]
        self.active_before: ActivePolicy = self.rt.registry.active()
        self.enforcement_before = self._enforcement()
        self.evidence_before = self.rt.evidence.count(KIND_PROMOTION_BLOCKED)
        self.reports: list[LifecycleReport] = []

    def under_fault(self, operations: int) -> None:
        self.reports = [self.rt.lifecycle.run(self._bundle()) for _ in range(operations)]
        self.active_after = self.rt.registry.active()
        self.enforcement_after = self._enforcement()
        self.evidence = self.rt.evidence.count(KIND_PROMOTION_BLOCKED) - self.evidence_before

    def probe(self) -> bool:
        return self.rt.lifecycle.run(self._bundle()).promoted

    def after_recovery(self) -> None:
        """Nothing to catch up: a blocked bundle is resubmitted by its author, not retried."""

    def verdict(self, recovered: bool) -> Verdict:
        before, after = self.active_before, self.active_after
        promoted = sum(r.promoted for r in self.reports)
        blocked = len(self.reports) - promoted
        at_compile = sum(r.stage == "compile" and not r.promoted for r in self.reports)
        changed = sum(
            a != b for a, b in zip(self.enforcement_before, self.enforcement_after, strict=True)
        )
        moved = after.revision != before.revision or after.policy.digest != before.policy.digest
        self.observations.update(
            promotions_attempted=len(self.reports),
            promotions_blocked=blocked,
            blocked_at_compile=at_compile,
            promoted_during_fault=promoted,
            active_revision_before=before.revision,
            active_revision_after=after.revision,
            enforcement_changes=changed,
            blocker_evidence=self.evidence,
        )
        return first_failure(
            [
                (promoted > 0 or moved, "enforcement_changed",
                 f"{promoted} bundles were promoted while the artifact could not be compiled "
                 f"(active revision {before.revision} -> {after.revision})"),
                (changed > 0, "enforcement_changed",
                 f"{changed} of {len(self.probe_set)} probe requests are decided differently"),
                (at_compile == 0, "fault_not_observed", "no bundle failed to compile"),
                (self.evidence != blocked, "evidence_missing",
                 f"{blocked} promotions blocked but {self.evidence} blocker evidence records"),
            ],
            self.safe_behavior,
        )  # fmt: skip
