"""Policy lifecycle: parse, compile, validate, dry-run, then promote into the registry.

Promotion is the only step that changes enforcement, and it is the last one: any failure
before it leaves the registry's active revision untouched and is surfaced as blocker evidence.
The compile fault corrupts the artifact as it is read (as a truncated upload would), so the
real compiler really fails on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

from cavra_prom.runtime.evidence import KIND_PROMOTION_BLOCKED, EvidenceLog
from cavra_prom.runtime.faults import POLICY_COMPILE_FAILURE, FaultSwitchboard
from cavra_prom.runtime.model import ActionRequest, Effect
from cavra_prom.runtime.policy import CompiledPolicy, compile_bundle, validate_bundle
from cavra_prom.runtime.policy_lang import PolicyError, parse_bundle

Stage = Literal["parse", "compile", "validate", "dry_run", "promoted"]
CORRUPTED_RULE: Final = 'rule artifact-corrupted allow when resource ~ "(["'


@dataclass(frozen=True, slots=True)
class ActivePolicy:
    revision: int
    policy: CompiledPolicy


class PolicyRegistry:
    """The enforced policy, one revision at a time; swaps are atomic."""

    def __init__(self, initial: CompiledPolicy) -> None:
        self._lock = threading.Lock()
        self._active = ActivePolicy(1, initial)
        self._promotions = 0

    def active(self) -> ActivePolicy:
        return self._active  # a single reference read: always a consistent pair

    def promote(self, policy: CompiledPolicy) -> int:
        with self._lock:
            self._active = ActivePolicy(self._active.revision + 1, policy)
            self._promotions += 1
            return self._active.revision

    @property
    def promotions(self) -> int:
        with self._lock:
            return self._promotions


@dataclass(frozen=True, slots=True)
class Invariant:
    """A safety property every promoted bundle must keep on the fixtures."""

    name: str
    applies: Callable[[ActionRequest], bool]
    allowed_effects: frozenset[Effect]


DEFAULT_INVARIANTS: Final = (
    Invariant("critical-risk-never-allowed", lambda r: r.risk >= 90, frozenset({"deny", "review"})),
    Invariant(
        "audit-never-deleted",
        lambda r: r.action == "delete" and r.resource.startswith("audit/"),
        frozenset({"deny"}),
    ),
)


@dataclass(frozen=True, slots=True)
class LifecycleReport:
    bundle: str
    stage: Stage  # the stage reached: "promoted" or the one that failed
    promoted: bool
    revision: int  # the active revision after the run
    error: str | None = None
    evaluated: int = 0
    changed: int = 0
    violations: int = 0
    skipped_rules: int = 0


class PolicyLifecycle:
    """Runs one bundle through every stage; ``fail_closed`` off promotes what it can."""

    def __init__(
        self,
        registry: PolicyRegistry,
        faults: FaultSwitchboard,
        evidence: EvidenceLog,
        fixtures: Sequence[ActionRequest],
        *,
        fail_closed: bool = True,
        invariants: Sequence[Invariant] = DEFAULT_INVARIANTS,
    ) -> None:
        self._registry, self._faults, self._evidence = registry, faults, evidence
        self._fixtures = tuple(fixtures)
        self._fail_closed = fail_closed
        self._invariants = tuple(invariants)

    def read_artifact(self, text: str) -> str:
        """The artifact as the compiler receives it (corrupted while the fault is injected)."""
        if self._faults.active(POLICY_COMPILE_FAILURE):
            return text + CORRUPTED_RULE + "\n"
        return text

    def run(self, text: str) -> LifecycleReport:
        artifact = self.read_artifact(text)
        stage: Stage = "parse"
        name = "<unparsed>"
        try:
            ast = parse_bundle(artifact)
            name, stage = ast.name, "compile"
            policy = compile_bundle(ast, skip_invalid=not self._fail_closed)
            stage = "validate"
            findings = validate_bundle(ast)
            if findings:
                raise PolicyError("; ".join(findings))
        except PolicyError as exc:
            return self._blocked(name, stage, str(exc))
        return self._dry_run_and_promote(policy)

    def _dry_run_and_promote(self, policy: CompiledPolicy) -> LifecycleReport:
        active = self._registry.active().policy
        changed = violations = 0
        for request in self._fixtures:
            effect, _ = policy.evaluate(request)
            changed += effect != active.evaluate(request)[0]
            violations += any(
                inv.applies(request) and effect not in inv.allowed_effects
                for inv in self._invariants
            )
        if violations:
            report = self._blocked(policy.name, "dry_run", f"{violations} invariant violations")
            return replace(
                report, evaluated=len(self._fixtures), changed=changed, violations=violations
            )
        revision = self._registry.promote(policy)
        return LifecycleReport(
            policy.name, "promoted", True, revision, None,
            len(self._fixtures), changed, 0, len(policy.skipped_rules),
        )  # fmt: skip

    def _blocked(self, name: str, stage: Stage, error: str) -> LifecycleReport:
        self._evidence.record(KIND_PROMOTION_BLOCKED, name, f"{stage}: {error}")
        return LifecycleReport(name, stage, False, self._registry.active().revision, error)
