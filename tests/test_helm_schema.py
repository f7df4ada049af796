"""values.schema.json: the defaults and every scenario pass; wrong values are refused.

Helm validates the coalesced values (defaults plus overrides) against the schema on lint,
install, upgrade and template; these tests go through the SDK's own validator and render, so
a rejection here is a rejection at `helm install`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import pytest

from tests.helm_support import CHART, SCENARIOS, chart, render, scenario_id, scenario_values


def _validate(overrides: dict[str, Any]) -> None:
    chart().validate_schema(chart().merge_values(overrides))


def test_schema_is_a_valid_draft_7_schema() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


def test_schema_names_every_top_level_value() -> None:
    """Every key values.yaml has is declared (else the defaults themselves would fail)."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert set(chart().values) <= set(schema["properties"])
    _validate({})


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_every_scenario_passes_the_schema(path: Path) -> None:
    _validate(scenario_values(path))


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
        ({"serviceMonitor": {"enabeld": True}}, "/serviceMonitor"),
        ({"serviceMonitor": {"enabled": "true"}}, "/serviceMonitor/enabled"),
        ({"serviceMonitor": {"interval": "30 seconds"}}, "/serviceMonitor/interval"),
        ({"serviceMonitor": {"labels": {"release": 1}}}, "/serviceMonitor/labels/release"),
        ({"service": {"port": "9464"}}, "/service/port"),
        ({"service": {"port": 70000}}, "/service/port"),
        ({"service": {"type": "ExternalName"}}, "/service/type"),
        ({"image": {"tag": 1.0}}, "/image/tag"),
        ({"image": {"pullPolicy": "always"}}, "/image/pullPolicy"),
        ({"serve": {"window": 300}}, "/serve/window"),
        ({"serve": {"evaluationInterval": "1 minute"}}, "/serve/evaluationInterval"),
        ({"serve": {"keepPackets": 0}}, "/serve/keepPackets"),
        ({"serve": {"logLevel": "trace"}}, "/serve/logLevel"),
        ({"serve": {"extraArgs": "--log-level debug"}}, "/serve/extraArgs"),
        ({"prometheus": {"url": "prometheus:9090"}}, "/prometheus/url"),
        ({"prometheus": {"retries": -1}}, "/prometheus/retries"),
        ({"prometheus": {"headers": {"Bad Header": "x"}}}, "invalid propertyName 'Bad Header'"),
        ({"prometheus": {"credentials": {"password": "hunter2"}}}, "/prometheus/credentials"),
        ({"persistence": {"size": "lots"}}, "/persistence/size"),
        ({"persistence": {"accessModes": []}}, "/persistence/accessModes"),
        ({"podDisruptionBudget": {"maxUnavailable": "half"}}, "/podDisruptionBudget"),
        ({"spec": {"version": "cavra/v1"}}, "/spec"),
        ({"resources": {"requests": {"cpu": True}}}, "/resources/requests/cpu"),
        ({"networkPolicy": {"ingressFrom": {}}}, "/networkPolicy/ingressFrom"),
        ({"fullnameOverride": "Gate_Prod"}, "/fullnameOverride"),
        ({"probes": {"liveness": {"periodSeconds": 0}}}, "/probes/liveness/periodSeconds"),
    ],
)  # fmt: skip
def test_bad_values_are_rejected_naming_the_key(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError) as caught:
        _validate(values)
    assert where in str(caught.value)


def test_render_refuses_values_the_schema_rejects() -> None:
    """The same check guards `helm install`/`template`: nothing renders from bad values."""
    with pytest.raises(helm.HelmError, match="additional properties 'replica' not allowed"):
        render({"replica": 3})


def test_subchart_global_values_are_accepted() -> None:
    """Helm passes `global` to every chart used as a dependency; it must not be refused."""
    _validate({"global": {"imageRegistry": "registry.example.com"}})
