"""The chart as a package: Helm's linter, Chart.yaml, names, the README and the image.

Lint runs Helm's own linter (through helm-python-sdk) over every ci/*-values.yaml scenario,
strict (warnings fail) and against the chart's kubeVersion floor and the newest Kubernetes.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.helm_support import (
    CHART,
    KUBE_VERSIONS,
    ROOT,
    SCENARIOS,
    chart,
    container,
    render,
    scenario_id,
    scenario_values,
)

SEVERITY_WARNING = 2


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
@pytest.mark.parametrize("kube", KUBE_VERSIONS)
def test_lint_is_clean_in_strict_mode(path: Any, kube: str) -> None:
    report = helm.lint(CHART, scenario_values(path), strict=True, kube_version=f"v{kube}.0")
    assert report["errors"] == []
    assert report["total_charts_linted"] == 1
    serious = [m for m in report["messages"] if m["severity"] >= SEVERITY_WARNING]
    assert serious == []


def test_lint_reports_values_the_schema_rejects() -> None:
    """The lint check can fail: values the schema rejects are lint errors naming the key."""
    report = helm.lint(CHART, {"service": {"port": "http"}}, strict=True)
    assert report["errors"]
    assert any("/service/port" in m["error"] for m in report["messages"] if m["severity"] == 3)


def test_chart_metadata() -> None:
    meta = chart().metadata
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["apiVersion"] == "v2"
    assert meta["name"] == "cavra-prom"
    assert meta["appVersion"] == project["version"]
    assert re.fullmatch(r">=\d+\.\d+\.\d+-0", meta["kubeVersion"])
    assert meta["kubeVersion"].startswith(f">={KUBE_VERSIONS[0]}.")
    assert chart().schema is not None


def test_chart_renders_the_core_objects_with_defaults() -> None:
    kinds = sorted(o["kind"] for o in render())
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]


def test_full_name_is_cut_to_63_characters() -> None:
    longest_release = "r" * 53  # Helm's own limit on release names
    helm.validate_release_name(longest_release)
    objects = render({"dashboards": {"enabled": True}}, release=longest_release)
    names = [o["metadata"]["name"] for o in objects]
    assert max(len(n) for n in names) == 63
    for name in names:
        assert len(name) <= 63
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name
    # Suffixed names stay apart from the plain full name after the cut.
    assert len(set(names) - {names[0]}) >= 2


def test_full_name_follows_overrides_and_release_names() -> None:
    def deployment_name(values: dict[str, Any], release: str = "gate") -> str:
        objects = render(values, release=release)
        return str(next(o for o in objects if o["kind"] == "Deployment")["metadata"]["name"])

    assert deployment_name({}) == "gate-cavra-prom"
    assert deployment_name({}, release="cavra-prom-prod") == "cavra-prom-prod"
    assert deployment_name({"nameOverride": "slo"}) == "gate-slo"
    assert deployment_name({"fullnameOverride": "benchmark-gate"}) == "benchmark-gate"


def test_labels_are_the_recommended_ones() -> None:
    for obj in render():
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "cavra-prom"
        assert labels["app.kubernetes.io/instance"] == "gate"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/version"] == chart().metadata["appVersion"]
        assert labels["helm.sh/chart"] == "cavra-prom-" + chart().metadata["version"]


def _key_paths(values: dict[str, Any], prefix: str = "") -> dict[str, bool]:
    """Every key path of ``values`` ("image.tag"), mapped to whether it is a leaf."""
    paths = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        nested = isinstance(value, dict) and bool(value)
        paths[path] = not nested
        if nested:
            paths.update(_key_paths(value, path + "."))
    return paths


def test_readme_documents_every_value() -> None:
    """The README's values table covers every key of values.yaml, and names no missing key.

    A row may document a whole subtree (`resources`); every leaf needs itself or an ancestor.
    """
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    paths = _key_paths(yaml.safe_load((CHART / "values.yaml").read_text()))
    assert documented - set(paths) == set()

    def covered(path: str) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:n]) in documented for n in range(1, len(parts) + 1))

    assert [p for p, leaf in paths.items() if leaf and not covered(p)] == []
    for words in ("helm install", "helm upgrade", "Dockerfile", "sync_chart.py"):
        assert words in readme


def test_dockerfile_matches_the_chart() -> None:
    """The image the chart expects: non-root uid, entrypoint `cavra serve`, the service port."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    objects = render()
    pod = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, flags=re.MULTILINE)
    assert user is not None
    assert int(user.group(1)) == pod["securityContext"]["runAsUser"] != 0
    assert int(user.group(2)) == pod["securityContext"]["runAsGroup"]
    assert re.search(r'^ENTRYPOINT \["cavra", "serve"\]$', dockerfile, flags=re.MULTILINE)
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    exposed = re.search(r"^EXPOSE (\d+)$", dockerfile, flags=re.MULTILINE)
    assert exposed is not None
    assert int(exposed.group(1)) == container(objects)["ports"][0]["containerPort"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".git" in ignored and ".venv" in ignored
