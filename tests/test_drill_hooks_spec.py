"""Drill hook specs: every mistake is one line with its path, exit 2; good ones load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model_hooks import CUSTOM_FAULT, PromqlCheck
from tests.conftest import CliRunner

URL = "http://127.0.0.1:1"  # hooks are not contacted at load time


def drill_yaml(drill: str) -> str:
    return f"""version: cavra/v1
suites:
  - id: s
    target: {{kind: python, call: "json:dumps"}}
    slo: {{p95_latency_ms_max: 100, throughput_per_second_min: 1}}
drills:
  - id: d
    injected_fault: the store is down
    expected_behavior: fail closed
{textwrap.indent(textwrap.dedent(drill).strip(), "    ")}
"""


GOOD_HOOKS = f"""
fault: custom
hooks:
  inject: {{http: {{method: POST, url: "{URL}/fault"}}}}
  readiness: {{command: ['true']}}
"""

BAD_DRILLS = {
    "custom without hooks": (
        "fault: custom",
        "drills[0].fault: must be one of event_bus_unavailable, store_write_failure, "
        "connector_timeout, policy_compile_failure; got 'custom'",
    ),
    "no inject": (
        "fault: custom\nhooks: {readiness: {command: ['true']}}",
        "drills[0].hooks.inject: is required",
    ),
    "both http and command": (
        f"fault: custom\nhooks:\n  inject: {{http: {{url: {URL}}}, command: ['true']}}\n"
        "  readiness: {command: ['true']}",
        "drills[0].hooks.inject: give exactly one of http or command",
    ),
    "invalid promql": (
        GOOD_HOOKS + "  assertions: [{promql: 'sum(rate(x[5m]) == 0'}]",
        "drills[0].hooks.assertions[0].promql: is not valid PromQL: ",
    ),
    "not a comparison": (
        GOOD_HOOKS + "  assertions: [{promql: 'sum(x)'}]",
        "drills[0].hooks.assertions[0].promql: is not a comparison, so any value would pass: "
        "write the condition into it (e.g. '... == 0') or add expect: '== 0'",
    ),
    "bool comparison": (
        GOOD_HOOKS + "  assertions: [{promql: 'sum(x) == bool 0'}]",
        "drills[0].hooks.assertions[0].promql: is not a comparison, so any value would pass: "
        "write the condition into it (e.g. '... == 0') or add expect: '== 0'",
    ),
    "bad expect": (
        GOOD_HOOKS + "  assertions: [{promql: 'sum(x)', expect: 'about 3'}]",
        "drills[0].hooks.assertions[0].expect: must be a comparison such as '== 0' or '>= 1', "
        "got 'about 3'",
    ),
    "promql and a check": (
        GOOD_HOOKS + "  assertions: [{promql: 'x == 0', command: ['true']}]",
        "drills[0].hooks.assertions[0]: give either promql or a check (http or command), not both",
    ),
    "duplicate assertion names": (
        GOOD_HOOKS + "  assertions: [{name: a, promql: 'x == 0'}, {name: a, promql: 'y == 0'}]",
        "drills[0].hooks.assertions: assertion name 'a' is used twice",
    ),
    "bad phase": (
        GOOD_HOOKS + "  assertions: [{promql: 'x == 0', when: later}]",
        "drills[0].hooks.assertions[0].when: must be one of fault, recovered; got 'later'",
    ),
    "bad prometheus url": (
        GOOD_HOOKS + "  prometheus_url: prometheus:9090",
        "drills[0].hooks.prometheus_url: must be an http:// or https:// URL, got 'prometheus:9090'",
    ),
    "missing hook program": (
        "fault: custom\nhooks:\n  inject: {command: [cavra-no-such-tool]}\n"
        "  readiness: {command: ['true']}",
        "drills[0].hooks.inject.command.argv[0]: program 'cavra-no-such-tool' is not found on PATH",
    ),
    "unknown hook key": (
        GOOD_HOOKS + "  duration: 5",
        "drills[0].hooks: unknown key 'duration', did you mean 'duration_seconds'?",
    ),
    "inline credential in a hook": (
        "fault: custom\nhooks:\n  inject: {http: {url: "
        f"{URL}, auth: {{type: bearer, token: x}}}}}}\n  readiness: {{command: ['true']}}",
        "drills[0].hooks.inject.http.auth.token: a credential is never written in the spec: "
        "name an environment variable (<name>_env) or a file (<name>_file) instead",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DRILLS))
def test_bad_hooks_are_one_line_and_exit_2(case: str, cli: CliRunner, tmp_path: Path) -> None:
    drill, expected = BAD_DRILLS[case]
    path = tmp_path / "spec.yaml"
    path.write_text(drill_yaml(drill))
    result = cli("spec", "validate", str(path))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"cavra: error: {path}: {expected}")


def test_good_hooks_load_into_the_model(tmp_path: Path) -> None:
    text = drill_yaml(
        GOOD_HOOKS
        + """  recover: {command: {argv: ['true'], timeout_seconds: 3, ok_exit_codes: [0, 1]}}
  load: {http: {url: "http://127.0.0.1:1/decide", expect_status: [200, 503]}}
  duration_seconds: 2
  settle_seconds: 1
  prometheus_url: http://127.0.0.1:9090
  assertions:
    - {name: safe, promql: 'sum(x{a="b"}) == 0'}
    - {promql: 'sum(y)', expect: '>= 2.5', when: recovered}
    - {name: probe, http: {url: "http://127.0.0.1:1/healthz", expect_status: 503}}
"""
    )
    spec = load_spec_text(text, str(tmp_path / "spec.yaml"))
    drill = spec.drills[0]
    assert drill.fault == CUSTOM_FAULT
    hooks = drill.hooks
    assert hooks is not None
    assert hooks.inject.http is not None and hooks.inject.http.method == "POST"
    assert hooks.readiness.command is not None and hooks.readiness.command.argv == ("true",)
    assert hooks.recover is not None and hooks.recover.command is not None
    assert hooks.recover.command.ok_exit_codes == (0, 1)
    assert hooks.load is not None and hooks.load.http is not None
    assert hooks.load.http.expect_status == (200, 503)
    assert (hooks.duration_seconds, hooks.settle_seconds) == (2.0, 1.0)
    assert hooks.prometheus_url == "http://127.0.0.1:9090"
    names = [a.name for a in hooks.assertions]
    assert names == ["safe", "assertion_1", "probe"]
    assert hooks.assertions[0].promql == PromqlCheck('sum(x{a="b"}) == 0', None)
    assert hooks.assertions[1].promql == PromqlCheck("sum(y)", (">=", 2.5))
    assert hooks.assertions[1].phase == "recovered"
    assert hooks.assertions[2].check is not None


def test_a_built_in_drill_still_reads_without_hooks(tmp_path: Path) -> None:
    text = drill_yaml("fault: store_write_failure")
    drill = load_spec_text(text, str(tmp_path / "spec.yaml")).drills[0]
    assert drill.hooks is None and drill.fault == "store_write_failure"
