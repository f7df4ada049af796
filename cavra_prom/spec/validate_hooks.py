"""The reader of a drill's ``hooks:`` section (see :mod:`cavra_prom.spec.model_hooks`).

A hook step is ``{http: {...}}`` or ``{command: {...}}`` (``{command: [argv...]}`` for short).
PromQL assertions are parsed with promql-parser at load time; one without ``expect`` must be a
filtering comparison (``... == 0``), because that is the only form where "returned a sample"
means "the condition holds" — a bare ``sum(x)`` would pass whatever its value.
"""

from __future__ import annotations

import re
from typing import Final

import promql_parser

from cavra_prom import conventions
from cavra_prom.spec._fields import Section, quote
from cavra_prom.spec.model_hooks import (
    COMPARISONS,
    CUSTOM_FAULT,
    AssertionPhase,
    DrillAssertion,
    DrillHooks,
    HookAction,
    PromqlCheck,
)
from cavra_prom.spec.validate_calls import (
    COMMAND_KEYS,
    HTTP_CALL_KEYS,
    read_command_call,
    read_http_call,
    url_problem,
)

HOOK_KEYS: Final = (
    "inject",
    "recover",
    "readiness",
    "load",
    "duration_seconds",
    "settle_seconds",
    "probe_interval_seconds",
    "prometheus_url",
    "assertions",
)
ACTION_KEYS: Final = ("http", "command")
ASSERTION_KEYS: Final = ("name", "promql", "expect", "when", "http", "command")
PHASES: Final = ("fault", "recovered")
_HOOKS: Final = DrillHooks(inject=HookAction(), readiness=HookAction())
_EXPECT: Final = re.compile(
    r"\s*(==|!=|<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
)
_COMPARISON_OPS: Final = frozenset(COMPARISONS)


def fault_choices(drill: Section) -> tuple[str, ...]:
    """The faults a drill may name: the built-in four, and ``custom`` when it has hooks."""
    if drill.has("hooks"):
        return (*conventions.R61_DRILLS, CUSTOM_FAULT)
    return tuple(conventions.R61_DRILLS)


def _action_from(section: Section) -> HookAction | None:
    """The ``http`` or ``command`` key of ``section`` (exactly one) as a hook action."""
    if section.has("http") == section.has("command"):
        section.error("", "give exactly one of http or command")
        return None
    if section.has("http"):
        http = section.section("http", HTTP_CALL_KEYS)
        call = None if http is None else read_http_call(http)
        return None if call is None else HookAction(http=call)
    if isinstance(section.values["command"], list):
        shorthand = {"argv": section.values["command"]}
        command = Section.read(section.report, shorthand, section.at("command"), COMMAND_KEYS)
    else:
        command = section.section("command", COMMAND_KEYS)
    run = None if command is None else read_command_call(command)
    return None if run is None else HookAction(command=run)


def _action(hooks: Section, key: str, *, required: bool = False) -> HookAction | None:
    section = hooks.section(key, ACTION_KEYS, required=required)
    if section is None or (not required and not hooks.has(key)):
        return None
    return _action_from(section)


def _expect(section: Section) -> tuple[str, float] | None:
    text = section.string("expect", nonempty=True)
    if text is None:
        return None
    match = _EXPECT.fullmatch(text)
    if match is None:
        section.error("expect", f"must be a comparison such as '== 0' or '>= 1', got {quote(text)}")
        return None
    return match.group(1), float(match.group(2))


def _is_filter(expression: str) -> bool:
    """True when the top of the expression is a comparison without ``bool``."""
    node = promql_parser.parse(expression)
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in _COMPARISON_OPS:
        return False
    modifier = node.modifier
    return not (modifier is not None and modifier.return_bool)


def _promql(section: Section) -> PromqlCheck | None:
    expression = section.string("promql", nonempty=True)
    compare = _expect(section) if section.has("expect") else None
    if expression is None or (section.has("expect") and compare is None):
        return None
    try:
        is_filter = _is_filter(expression)
    except ValueError as exc:
        section.error("promql", f"is not valid PromQL: {exc}")
        return None
    if compare is None and not is_filter:
        section.error(
            "promql",
            "is not a comparison, so any value would pass: write the condition into it "
            "(e.g. '... == 0') or add expect: '== 0'",
        )
        return None
    return PromqlCheck(expression, compare)


def _assertion(hooks: Section, path: str, value: object, index: int) -> DrillAssertion | None:
    section = Section.read(hooks.report, value, path, ASSERTION_KEYS)
    if section is None:
        return None
    name = section.string("name", default=f"assertion_{index}", nonempty=True)
    when = section.string("when", default="fault", choices=PHASES)
    if section.has("promql"):
        if section.has("http") or section.has("command"):
            section.error("", "give either promql or a check (http or command), not both")
            return None
        check, action = _promql(section), None
    else:
        if section.has("expect"):
            section.error("expect", "only applies to a promql assertion")
        check, action = None, _action_from(section)
    if name is None or when is None or (check is None and action is None):
        return None
    phase: AssertionPhase = "recovered" if when == "recovered" else "fault"
    return DrillAssertion(name, check, action, phase)


def _assertions(hooks: Section) -> tuple[DrillAssertion, ...] | None:
    elements = hooks.sequence("assertions")
    if elements is None:
        return None
    read = [_assertion(hooks, path, value, i) for i, (path, value) in enumerate(elements)]
    valid = [a for a in read if a is not None]
    names = [a.name for a in valid]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        hooks.error("assertions", f"assertion name {quote(duplicate)} is used twice")
        return None
    return tuple(valid) if len(valid) == len(read) else None


def _prometheus_url(hooks: Section) -> str | None:
    url = hooks.string("prometheus_url", nonempty=True)
    if url is not None and (problem := url_problem(url)) is not None:
        hooks.error("prometheus_url", problem)
        return None
    return url


def read_drill_hooks(drill: Section) -> DrillHooks | None:
    """The drill's hooks; None when absent or invalid (problems are in the report)."""
    if not drill.has("hooks"):
        return None
    hooks = drill.section("hooks", HOOK_KEYS)
    if hooks is None:
        return None
    inject = _action(hooks, "inject", required=True)
    readiness = _action(hooks, "readiness", required=True)
    recover, load = _action(hooks, "recover"), _action(hooks, "load")
    duration = hooks.number("duration_seconds", default=_HOOKS.duration_seconds, ge=0)
    settle = hooks.number("settle_seconds", default=_HOOKS.settle_seconds, ge=0)
    interval = hooks.number("probe_interval_seconds", default=_HOOKS.probe_interval_seconds, gt=0)
    assertions, prometheus = _assertions(hooks), _prometheus_url(hooks)
    if inject is None or readiness is None or assertions is None:
        return None
    if duration is None or settle is None or interval is None:
        return None
    if any(hooks.has(k) and v is None for k, v in (("recover", recover), ("load", load))):
        return None
    if hooks.has("prometheus_url") and prometheus is None:
        return None
    return DrillHooks(
        inject, readiness, recover, load, duration, settle, assertions, prometheus, interval
    )
