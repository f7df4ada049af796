"""What the chart hands Prometheus and Grafana: ServiceMonitor, PrometheusRule, boards, spec.

kubernetes-validate knows only core Kubernetes kinds, so the operator's custom resources are
checked against JSON Schemas written here from the Prometheus Operator's documented fields
(monitoring.coreos.com/v1 ServiceMonitor and PrometheusRule CRDs): required fields, types,
Duration patterns, relabel actions, and no field the operator does not know. The rules inside
the rendered PrometheusRule are checked by promtool itself, and the rendered spec by
`cavra spec validate`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cavra_prom.durations import parse_duration
from tests.conftest import CliRunner
from tests.helm_support import (
    ROOT,
    SCENARIOS,
    of_kind,
    one,
    render,
    rules_job,
    scenario_id,
    scenario_values,
)
from tests.servers import binary

DURATION = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?"
    r"(([0-9]+)ms)?)$",
}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
LABEL_NAME = {"type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$"}
RELABEL_ACTIONS = [
    spelling
    for action in (
        "Replace",
        "Keep",
        "Drop",
        "HashMod",
        "LabelMap",
        "LabelDrop",
        "LabelKeep",
        "Lowercase",
        "Uppercase",
        "KeepEqual",
        "DropEqual",
    )
    for spelling in (action, action.lower())
]
RELABEL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "action": {"enum": RELABEL_ACTIONS},
        "modulus": {"type": "integer"},
        "regex": {"type": "string"},
        "replacement": {"type": "string"},
        "separator": {"type": "string"},
        "sourceLabels": {"type": "array", "items": LABEL_NAME},
        "targetLabel": {"type": "string"},
    },
}
LABEL_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": STRING_MAP,
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "operator"],
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _resource(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A monitoring.coreos.com/v1 object: metadata as Kubernetes allows, ``spec`` as given."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name", "namespace"],
                "properties": {
                    "name": {"type": "string", "maxLength": 253},
                    "namespace": {"type": "string", "maxLength": 63},
                    "labels": STRING_MAP,
                    "annotations": STRING_MAP,
                },
            },
            "spec": spec,
        },
    }


ENDPOINT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "port": {"type": "string"},
        "targetPort": {"type": ["string", "integer"]},
        "path": {"type": "string", "pattern": "^/"},
        "scheme": {"enum": ["http", "https", "HTTP", "HTTPS"]},
        "interval": DURATION,
        "scrapeTimeout": DURATION,
        "honorLabels": {"type": "boolean"},
        "honorTimestamps": {"type": "boolean"},
        "relabelings": {"type": "array", "items": RELABEL},
        "metricRelabelings": {"type": "array", "items": RELABEL},
    },
}
SERVICE_MONITOR = _resource(
    "ServiceMonitor",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["endpoints", "selector"],
        "properties": {
            "endpoints": {"type": "array", "minItems": 1, "items": ENDPOINT},
            "selector": LABEL_SELECTOR,
            "namespaceSelector": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "any": {"type": "boolean"},
                    "matchNames": {"type": "array", "items": {"type": "string"}},
                },
            },
            "jobLabel": {"type": "string"},
            "targetLabels": {"type": "array", "items": {"type": "string"}},
            "podTargetLabels": {"type": "array", "items": {"type": "string"}},
            "sampleLimit": {"type": "integer", "minimum": 0},
        },
    },
)
RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expr"],
    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
    "properties": {
        "record": {"type": "string"},
        "alert": {"type": "string"},
        "expr": {"type": ["string", "integer"]},
        "for": DURATION,
        "keep_firing_for": {**DURATION, "minLength": 1},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
    },
}
PROMETHEUS_RULE = _resource(
    "PrometheusRule",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "interval": DURATION,
                        "query_offset": DURATION,
                        "limit": {"type": "integer"},
                        "partial_response_strategy": {
                            "type": "string",
                            "pattern": "^(?i)(abort|warn)?$",
                        },
                        "labels": STRING_MAP,
                        "rules": {"type": "array", "items": RULE},
                    },
                },
            },
        },
    },
)
RULES_FILE = ROOT / "rules" / "cavra-benchmark-slo.rules.yml"
DASHBOARDS = ROOT / "grafana" / "dashboards"
OPERATOR = next(p for p in SCENARIOS if p.name.startswith("operator"))


def _validate(obj: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema).validate(obj)


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_operator_resources_have_the_documented_structure(path: Path) -> None:
    objects = render(scenario_values(path))
    for monitor in of_kind(objects, "ServiceMonitor"):
        _validate(monitor, SERVICE_MONITOR)
        endpoint = monitor["spec"]["endpoints"][0]
        # Prometheus refuses a scrape timeout longer than the interval.
        assert parse_duration(endpoint["scrapeTimeout"]) <= parse_duration(endpoint["interval"])
    for rule in of_kind(objects, "PrometheusRule"):
        _validate(rule, PROMETHEUS_RULE)


def test_structure_check_can_fail() -> None:
    monitor = one(render(scenario_values(OPERATOR)), "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["interval"] = "30 seconds"
    with pytest.raises(jsonschema.ValidationError):
        _validate(monitor, SERVICE_MONITOR)
    rule = one(render(scenario_values(OPERATOR)), "PrometheusRule")
    rule["spec"]["groups"][0]["rules"][0]["alert"] = "Both"
    with pytest.raises(jsonschema.ValidationError):
        _validate(rule, PROMETHEUS_RULE)


def test_operator_scenario_selects_by_the_stack_release_label() -> None:
    objects = render(scenario_values(OPERATOR))
    for kind in ("ServiceMonitor", "PrometheusRule"):
        assert one(objects, kind)["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert one(objects, "ServiceMonitor")["spec"]["endpoints"][0]["interval"] == "15s"


def test_scraped_job_is_the_job_the_rules_select() -> None:
    monitor = one(render({"serviceMonitor": {"enabled": True}}), "ServiceMonitor")
    relabelings = monitor["spec"]["endpoints"][0]["relabelings"]
    job = [r["replacement"] for r in relabelings if r["targetLabel"] == "job"]
    assert job == [rules_job(RULES_FILE.read_text())]


def test_prometheus_rule_holds_the_committed_groups(tmp_path: Path) -> None:
    rule = one(render({"prometheusRule": {"enabled": True}}), "PrometheusRule")
    committed = yaml.safe_load(RULES_FILE.read_text())
    assert rule["spec"] == committed
    # The alerts' own templates reach Prometheus untouched by Helm's template engine.
    annotations = json.dumps(rule["spec"])
    assert "{{ $labels." in annotations or "{{$labels." in annotations


def test_rendered_rules_pass_promtool(tmp_path: Path) -> None:
    rule = one(render(scenario_values(OPERATOR)), "PrometheusRule")
    path = tmp_path / "rendered.rules.yml"
    path.write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
    done = subprocess.run(
        [binary("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    count = sum(len(g["rules"]) for g in rule["spec"]["groups"])
    assert f"{count} rules found" in done.stdout


def test_promtool_check_can_fail(tmp_path: Path) -> None:
    rule = one(render(scenario_values(OPERATOR)), "PrometheusRule")
    rule["spec"]["groups"][0]["rules"][0]["expr"] = "sum(("
    path = tmp_path / "broken.rules.yml"
    path.write_text(yaml.safe_dump(rule["spec"]))
    done = subprocess.run(
        [binary("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0


def test_dashboards_configmap_equals_the_committed_boards() -> None:
    board_files = sorted(DASHBOARDS.glob("*.json"))
    assert board_files, "grafana/dashboards/*.json is missing: run `cavra dashboards generate`"
    maps = of_kind(render(scenario_values(OPERATOR)), "ConfigMap")
    boards = next(m for m in maps if m["metadata"]["name"].endswith("-dashboards"))
    assert boards["data"] == {p.name: p.read_text() for p in board_files}
    assert boards["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert boards["metadata"]["annotations"]["grafana_folder"] == "Benchmark SLOs"
    for text in boards["data"].values():
        assert json.loads(text)["uid"].startswith("cavra-")


def test_dashboards_label_folder_and_namespace_follow_values() -> None:
    dashboards = {
        "enabled": True,
        "namespace": "grafana",
        "label": "boards",
        "labelValue": "cavra",
        "folderAnnotation": "k8s-sidecar-target-directory",
        "folder": "/tmp/dashboards/cavra",
    }
    values = {"dashboards": dashboards}
    maps = of_kind(render(values), "ConfigMap")
    boards = next(m for m in maps if m["metadata"]["name"].endswith("-dashboards"))
    assert boards["metadata"]["namespace"] == "grafana"
    assert boards["metadata"]["labels"]["boards"] == "cavra"
    assert "grafana_dashboard" not in boards["metadata"]["labels"]
    assert boards["metadata"]["annotations"] == {
        "k8s-sidecar-target-directory": "/tmp/dashboards/cavra"
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_rendered_spec_passes_cavra_spec_validate(
    path: Path, tmp_path: Path, cli: CliRunner
) -> None:
    values = scenario_values(path)
    maps = of_kind(render(values), "ConfigMap")
    spec_map = next(m for m in maps if m["metadata"]["name"].endswith("-spec"))
    (name, text), *rest = spec_map["data"].items()
    assert rest == []
    spec_file = tmp_path / name
    spec_file.write_text(text)
    result = cli("spec", "validate", str(spec_file))
    assert result.code == 0, result.stderr
    expected = values.get("spec") or (ROOT / "cavra_prom" / "spec" / "default.yaml").read_text()
    assert expected in text


def test_spec_validation_can_fail(tmp_path: Path, cli: CliRunner) -> None:
    maps = of_kind(render({"spec": "version: cavra/v1\nsuites: nope\n"}), "ConfigMap")
    text = next(m for m in maps if m["metadata"]["name"].endswith("-spec"))["data"]["spec.yaml"]
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(text)
    assert cli("spec", "validate", str(spec_file)).code == 2
