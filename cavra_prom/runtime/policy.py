"""Compile, validate and evaluate policy bundles (see policy_lang for the text format).

Compilation turns each matcher into a small predicate closure, checking field names, operator
and value types, and regexes as it goes. That is where an artifact that parses but cannot be
enforced is caught, before anything reaches the registry.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Final

from cavra_prom.runtime.model import INT_FIELDS, STRING_FIELDS, ActionRequest, Effect
from cavra_prom.runtime.policy_lang import BundleAst, MatcherAst, PolicyError, RuleAst

Predicate = Callable[[ActionRequest], bool]

_COMPARE: Final[dict[str, Callable[[object, object], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
}
_ORDER: Final[dict[str, Callable[[int, int], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class PolicyCompileError(PolicyError):
    """A well-formed bundle that cannot be enforced (bad field, type or regex)."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: str
    effect: Effect
    predicates: tuple[Predicate, ...]


@dataclass(frozen=True)
class CompiledPolicy:
    """An enforceable bundle: first matching rule wins, else the default effect."""

    name: str
    version: int
    default_effect: Effect
    rules: tuple[CompiledRule, ...]
    digest: str
    skipped_rules: tuple[str, ...] = ()

    def evaluate(self, request: ActionRequest) -> tuple[Effect, str | None]:
        for rule in self.rules:
            for predicate in rule.predicates:
                if not predicate(request):
                    break
            else:
                return rule.effect, rule.rule_id
        return self.default_effect, None


def _type_error(m: MatcherAst, what: str) -> PolicyCompileError:
    return PolicyCompileError(f"{m.field} {m.op} {m.value!r}: {what}", m.line)


def _string_predicate(m: MatcherAst, get: Callable[[ActionRequest], str]) -> Predicate:
    value = m.value
    if m.op == "~":
        if not isinstance(value, str):
            raise _type_error(m, "a regex must be a string")
        try:
            search = re.compile(value).search
        except re.error as exc:
            raise _type_error(m, f"invalid regex: {exc}") from exc
        return lambda r: search(get(r)) is not None
    if m.op == "in":
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise _type_error(m, f"'{m.field}' is text: 'in' needs a list of words")
        members = frozenset(value)
        return lambda r: get(r) in members
    if m.op in _COMPARE and isinstance(value, str):
        compare = _COMPARE[m.op]
        return lambda r: compare(get(r), value)
    raise _type_error(m, f"'{m.field}' is text: use ==, !=, in or ~ with text")


def _int_predicate(m: MatcherAst, get: Callable[[ActionRequest], int]) -> Predicate:
    value = m.value
    if m.op == "in":
        if not isinstance(value, tuple) or not all(isinstance(v, int) for v in value):
            raise _type_error(m, f"'{m.field}' is a number: 'in' needs a list of numbers")
        members = frozenset(value)
        return lambda r: get(r) in members
    if not isinstance(value, int) or m.op == "~":
        raise _type_error(m, f"'{m.field}' is a number: compare it with a number")
    if m.op in _ORDER:
        order = _ORDER[m.op]
        return lambda r: order(get(r), value)
    compare = _COMPARE[m.op]
    return lambda r: compare(get(r), value)


def compile_matcher(m: MatcherAst) -> Predicate:
    if m.field in STRING_FIELDS:
        return _string_predicate(m, attrgetter(m.field))
    if m.field in INT_FIELDS:
        return _int_predicate(m, attrgetter(m.field))
    known = ", ".join(sorted(STRING_FIELDS | INT_FIELDS))
    raise PolicyCompileError(f"unknown field {m.field!r} (known: {known})", m.line)


def _compile_rule(rule: RuleAst) -> CompiledRule:
    predicates = tuple(compile_matcher(m) for m in rule.matchers)
    return CompiledRule(rule.rule_id, rule.effect, predicates)


def bundle_digest(ast: BundleAst) -> str:
    """A content digest of what the bundle enforces (line numbers and comments excluded)."""
    body = [ast.name, ast.version, ast.default_effect] + [
        [r.rule_id, r.effect, [[m.field, m.op, m.value] for m in r.matchers]] for r in ast.rules
    ]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


def compile_bundle(ast: BundleAst, *, skip_invalid: bool = False) -> CompiledPolicy:
    """Compile every rule; the first bad rule fails the bundle.

    ``skip_invalid`` is the unsafe "best effort" mode an unguarded runtime uses: rules that
    do not compile are dropped and the rest is enforced anyway.
    """
    rules: list[CompiledRule] = []
    skipped: list[str] = []
    for rule in ast.rules:
        try:
            rules.append(_compile_rule(rule))
        except PolicyCompileError:
            if not skip_invalid:
                raise
            skipped.append(rule.rule_id)
    return CompiledPolicy(
        ast.name, ast.version, ast.default_effect, tuple(rules), bundle_digest(ast), tuple(skipped)
    )


def validate_bundle(ast: BundleAst) -> list[str]:
    """Problems that make a compilable bundle unfit to promote (empty list: fit)."""
    findings: list[str] = []
    if not ast.rules:
        findings.append("bundle has no rules")
    seen: set[str] = set()
    catch_all: str | None = None
    for rule in ast.rules:
        if rule.rule_id in seen:
            findings.append(f"line {rule.line}: duplicate rule id {rule.rule_id!r}")
        seen.add(rule.rule_id)
        if catch_all is not None:
            findings.append(
                f"line {rule.line}: rule {rule.rule_id!r} is unreachable after "
                f"unconditional rule {catch_all!r}"
            )
        elif not rule.matchers:
            catch_all = rule.rule_id
    return findings
