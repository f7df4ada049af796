"""Policy bundles: the text format, compilation, validation and the promotion lifecycle."""

from __future__ import annotations

import random

import pytest

from cavra_prom.runtime.evidence import KIND_PROMOTION_BLOCKED, EvidenceLog
from cavra_prom.runtime.faults import POLICY_COMPILE_FAILURE, FaultSwitchboard
from cavra_prom.runtime.generate import generate_bundle_text, generate_fixtures
from cavra_prom.runtime.lifecycle import PolicyLifecycle, PolicyRegistry
from cavra_prom.runtime.model import ActionRequest
from cavra_prom.runtime.policy import (
    PolicyCompileError,
    compile_bundle,
    validate_bundle,
)
from cavra_prom.runtime.policy_lang import PolicyParseError, parse_bundle

BUNDLE = """\
# payments guard
bundle payments-guard version 3
default deny
rule deny-critical deny when risk >= 90
rule reads allow when action in [read, list] and risk < 50   # trailing comment
rule pii-export review when action == export and resource ~ "^pii/#1"
rule admin allow when role == admin
"""


def req(**kw: object) -> ActionRequest:
    base: dict[str, object] = {
        "request_id": "r", "principal": "p", "role": "viewer", "tenant": "t1",
        "action": "read", "resource": "docs/1", "risk": 10,
    }  # fmt: skip
    base.update(kw)
    return ActionRequest(**base)  # type: ignore[arg-type]


def test_parse_reads_header_rules_and_literals() -> None:
    ast = parse_bundle(BUNDLE)
    assert (ast.name, ast.version, ast.default_effect) == ("payments-guard", 3, "deny")
    assert [r.rule_id for r in ast.rules] == ["deny-critical", "reads", "pii-export", "admin"]
    reads = ast.rules[1]
    assert [(m.field, m.op, m.value) for m in reads.matchers] == [
        ("action", "in", ("read", "list")),
        ("risk", "<", 50),
    ]
    assert ast.rules[2].matchers[1].value == "^pii/#1"  # '#' inside a string is not a comment
    assert ast.rules[3].line == 7


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("default deny\n", 1, "unexpected 'default'"),
        ("bundle b version 1\nrule r permit\n", 2, "unknown effect 'permit'"),
        ("bundle b version 1\nrule r allow when risk is 3\n", 2, "unknown operator 'is'"),
        ("bundle b version 1\nrule r allow when action in [read, list\n", 2, "end of line"),
        ("bundle b version 1\nrule r allow when risk < 3 or risk > 9\n", 2, "'and'"),
        ("bundle b version one\n", 1, "positive integer"),
        ("bundle b version 1 extra\n", 1, "unexpected 'extra'"),
        ("bundle b version 1\nrule r allow when action == read;\n", 2, "unexpected character"),
    ],
)
def test_parse_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PolicyParseError) as info:
        parse_bundle(text)
    assert info.value.line == line
    assert fragment in str(info.value)


def test_missing_header_is_a_parse_error() -> None:
    with pytest.raises(PolicyParseError, match="missing 'bundle"):
        parse_bundle("# nothing here\n")


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("rule r allow when colour == red", "unknown field 'colour'"),
        ('rule r allow when resource ~ "(["', "invalid regex"),
        ('rule r allow when risk ~ "9"', "is a number"),
        ("rule r allow when role < 3", "is text"),
        ("rule r allow when action in [1, 2]", "list of words"),
        ("rule r allow when risk in [low, high]", "list of numbers"),
    ],
)
def test_compile_errors(rule: str, fragment: str) -> None:
    ast = parse_bundle(f"bundle b version 1\n{rule}\n")
    with pytest.raises(PolicyCompileError) as info:
        compile_bundle(ast)
    assert fragment in str(info.value)
    assert info.value.line == 2


def test_best_effort_compile_drops_bad_rules() -> None:
    ast = parse_bundle('bundle b version 1\nrule bad allow when resource ~ "("\nrule ok deny\n')
    policy = compile_bundle(ast, skip_invalid=True)
    assert policy.skipped_rules == ("bad",)
    assert [r.rule_id for r in policy.rules] == ["ok"]


def test_first_matching_rule_wins_else_default() -> None:
    policy = compile_bundle(parse_bundle(BUNDLE))
    assert policy.evaluate(req(risk=95, role="admin")) == ("deny", "deny-critical")
    assert policy.evaluate(req(action="list", risk=10)) == ("allow", "reads")
    assert policy.evaluate(req(action="export", resource="pii/#12")) == ("review", "pii-export")
    assert policy.evaluate(req(action="export", resource="docs/1")) == ("deny", None)
    assert policy.evaluate(req(action="write", role="admin")) == ("allow", "admin")


def test_validation_findings() -> None:
    assert validate_bundle(parse_bundle(BUNDLE)) == []
    assert validate_bundle(parse_bundle("bundle b version 1\n")) == ["bundle has no rules"]
    dup = parse_bundle("bundle b version 1\nrule a deny when risk > 5\nrule a allow\nrule c deny\n")
    findings = validate_bundle(dup)
    assert any("duplicate rule id 'a'" in f for f in findings)
    assert any("'c' is unreachable" in f for f in findings)


def test_digest_ignores_comments_and_layout_but_not_rules() -> None:
    a = compile_bundle(parse_bundle(BUNDLE)).digest
    b = compile_bundle(parse_bundle("\n\n" + BUNDLE.replace("# payments guard", "# other"))).digest
    c = compile_bundle(parse_bundle(BUNDLE.replace("risk < 50", "risk < 51"))).digest
    assert a == b
    assert a != c


def _lifecycle(
    fail_closed: bool = True,
) -> tuple[PolicyLifecycle, PolicyRegistry, FaultSwitchboard, EvidenceLog]:
    faults, evidence = FaultSwitchboard(), EvidenceLog()
    registry = PolicyRegistry(compile_bundle(parse_bundle(BUNDLE)))
    fixtures = generate_fixtures(random.Random(1), 60)
    life = PolicyLifecycle(registry, faults, evidence, fixtures, fail_closed=fail_closed)
    return life, registry, faults, evidence


def test_lifecycle_promotes_a_valid_bundle_and_reports_the_diff() -> None:
    life, registry, _, evidence = _lifecycle()
    report = life.run(generate_bundle_text(random.Random(2), "next", 4, 8))
    assert report.promoted and report.stage == "promoted"
    assert report.revision == 2 == registry.active().revision
    assert report.evaluated == 60
    assert 0 < report.changed <= 60
    assert registry.active().policy.name == "next"
    assert evidence.count() == 0


def test_compile_failure_blocks_promotion_and_keeps_the_active_version() -> None:
    life, registry, _, evidence = _lifecycle()
    before = registry.active()
    report = life.run('bundle broken version 9\nrule r allow when resource ~ "(["\n')
    assert not report.promoted and report.stage == "compile"
    assert registry.active() is before
    assert [e.kind for e in evidence.records()] == [KIND_PROMOTION_BLOCKED]


def test_dry_run_blocks_a_bundle_that_breaks_an_invariant() -> None:
    life, registry, _, _ = _lifecycle()
    report = life.run("bundle lax version 2\ndefault allow\nrule ok allow when risk >= 0\n")
    assert not report.promoted and report.stage == "dry_run"
    assert report.violations > 0
    assert registry.active().revision == 1


def test_injected_fault_corrupts_the_artifact_so_compile_really_fails() -> None:
    life, registry, faults, _ = _lifecycle()
    text = generate_bundle_text(random.Random(3), "good", 2, 4)
    with faults.injected(POLICY_COMPILE_FAILURE):
        report = life.run(text)
    assert report.stage == "compile" and "invalid regex" in (report.error or "")
    assert registry.active().revision == 1
    assert life.run(text).promoted  # the same artifact promotes once the fault is gone


def test_unsafe_lifecycle_promotes_around_a_compile_failure() -> None:
    life, registry, faults, _ = _lifecycle(fail_closed=False)
    with faults.injected(POLICY_COMPILE_FAILURE):
        report = life.run(generate_bundle_text(random.Random(3), "good", 2, 4))
    assert report.promoted and report.skipped_rules == 1
    assert registry.active().revision == 2
