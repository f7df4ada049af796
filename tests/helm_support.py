"""Rendering the Helm chart for the tests/test_helm*.py files, through the Helm SDK.

helm-python-sdk binds Helm's own Go library (lint, schema validation, rendering), so the chart
is checked by the same code `helm install` runs, with no helm binary and no cluster. Renders
are cached per (values, release, namespace): the chart is immutable within a test run.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "cavra-prom"
SCENARIOS = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "gate"
NAMESPACE = "monitoring"
NOTES = "cavra-prom/templates/NOTES.txt"
# The chart's kubeVersion floor and the newest Kubernetes kubernetes-validate ships schemas for:
# every core manifest must be valid on both.
KUBE_VERSIONS = ("1.25", kubernetes_validate.latest_version())
OPERATOR_KINDS = frozenset({"ServiceMonitor", "PrometheusRule"})


def scenario_values(path: Path) -> dict[str, Any]:
    """A ci/*-values.yaml file as values (a file of comments only means no overrides)."""
    loaded = yaml.safe_load(path.read_text())
    return loaded or {}


def scenario_id(path: Path) -> str:
    return path.name.removesuffix("-values.yaml")


@functools.cache
def _chart() -> helm.Chart:
    return helm.Chart.load(CHART)


def chart() -> helm.Chart:
    """The chart, loaded once (the SDK's handle is immutable and thread-safe)."""
    return _chart()


@functools.cache
def _render(values_json: str, release: str, namespace: str) -> tuple[tuple[str, str], ...]:
    rendered = chart().render(
        json.loads(values_json), name=release, namespace=namespace, is_install=True
    )
    return tuple(sorted(rendered.items()))


def render_text(
    values: dict[str, Any] | None = None, *, release: str = RELEASE, namespace: str = NAMESPACE
) -> dict[str, str]:
    """Template path -> rendered text, exactly as `helm template` would produce it."""
    return dict(_render(json.dumps(values or {}, sort_keys=True), release, namespace))


def render(
    values: dict[str, Any] | None = None, *, release: str = RELEASE, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    """Every rendered Kubernetes object (NOTES.txt and empty templates left out)."""
    objects = []
    for path, text in render_text(values, release=release, namespace=namespace).items():
        if path == NOTES:
            continue
        objects += [doc for doc in yaml.safe_load_all(text) if doc is not None]
    return objects


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = of_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, rendered {len(found)}"
    return found[0]


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The cavra container of the rendered Deployment."""
    containers = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["cavra"]
    result: dict[str, Any] = containers[0]
    return result


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, recursing into mappings (as Helm coalesces values)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def scenarios() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in SCENARIOS:
        yield scenario_id(path), scenario_values(path)


def rules_job(rules_text: str) -> str:
    """The scrape job the generated rules select (their `up{job="..."}` alert)."""
    jobs = set(re.findall(r'up\{job="([^"]+)"\}', rules_text))
    assert len(jobs) == 1, f"expected one job in the rules' up{{job=...}}, found {jobs}"
    return str(jobs.pop())
