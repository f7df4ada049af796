"""Every ci/*-values.yaml scenario renders, validates, and wires the pod together.

Core objects are validated by kubernetes-validate against Kubernetes' own OpenAPI schemas in
strict mode (an unknown field fails), for the chart's kubeVersion floor and the newest
Kubernetes it ships schemas for. The container's command line is parsed by cavra's own argument
parser, and every file it names must sit on a mounted volume.
"""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest

from cavra_prom.cli.main import build_parser
from cavra_prom.cli.serve_cmd import config_from_args
from tests.helm_support import (
    KUBE_VERSIONS,
    OPERATOR_KINDS,
    SCENARIOS,
    container,
    of_kind,
    one,
    render,
    scenario_id,
    scenario_values,
)


def _objects(path: Path) -> list[dict[str, Any]]:
    return render(scenario_values(path))


def _pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Deployment")["spec"]["template"]["spec"]
    return spec


def _serve_args(objects: list[dict[str, Any]]) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *container(objects)["args"]])


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
@pytest.mark.parametrize("kube", KUBE_VERSIONS)
def test_core_manifests_validate_against_kubernetes(path: Path, kube: str) -> None:
    core = [o for o in _objects(path) if o["kind"] not in OPERATOR_KINDS]
    assert core
    for obj in core:
        kubernetes_validate.validate(obj, kube, strict=True)
        assert obj["metadata"]["namespace"] == "monitoring"


def test_kubernetes_validation_can_fail() -> None:
    """The validator is strict: a misspelt field in a rendered object is an error."""
    deployment = one(render(), "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFs"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_pod_is_locked_down(path: Path) -> None:
    objects = _objects(path)
    pod = _pod(objects)
    cavra = container(objects)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert cavra["securityContext"]["readOnlyRootFilesystem"] is True
    assert cavra["securityContext"]["allowPrivilegeEscalation"] is False
    assert cavra["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert cavra["resources"]["requests"] and cavra["resources"]["limits"]["memory"]
    assert cavra["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert cavra["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert one(objects, "Deployment")["spec"]["replicas"] == 1


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_serve_command_line_parses_and_every_file_is_mounted(path: Path) -> None:
    objects = _objects(path)
    args = _serve_args(objects)
    assert args.handler.__module__ == "cavra_prom.cli.serve_cmd"
    mounts = [PurePosixPath(m["mountPath"]) for m in container(objects)["volumeMounts"]]
    files = [args.spec, args.store_dir, args.bearer_token_file, args.basic_auth_password_file]
    for name in [*files, args.ca_file, args.signing_key]:
        if name is not None:
            assert any(PurePosixPath(name).is_relative_to(m) for m in mounts), name
    host, _, port = args.listen.rpartition(":")
    assert host == "0.0.0.0"  # reachable through the Service, not loopback only
    assert int(port) == container(objects)["ports"][0]["containerPort"]
    assert args.prometheus_url == (scenario_values(path).get("prometheus", {}).get("url"))


def _mounted_secret_keys(objects: list[dict[str, Any]], volume: str) -> dict[str, str]:
    """Secret key -> file path inside the container, for the named Secret volume."""
    pod = _pod(objects)
    source = next(v for v in pod["volumes"] if v["name"] == volume)["secret"]
    mount = next(m for m in container(objects)["volumeMounts"] if m["name"] == volume)
    assert mount["readOnly"] is True
    return {i["key"]: f"{mount['mountPath']}/{i['path']}" for i in source["items"]}


def test_bearer_token_and_ca_come_from_the_secret_as_files(tmp_path: Path) -> None:
    """The auth scenario's flags name the mounted Secret files, and cavra builds its source."""
    values = scenario_values(next(p for p in SCENARIOS if p.name.startswith("external-prom")))
    objects = render(values)
    creds = values["prometheus"]["credentials"]
    keys = _mounted_secret_keys(objects, "prometheus-credentials")
    assert set(keys) == {creds["bearerTokenKey"], creds["caKey"]}
    args = _serve_args(objects)
    assert args.bearer_token_file == keys[creds["bearerTokenKey"]]
    assert args.ca_file == keys[creds["caKey"]]
    assert args.header == ["X-Scope-OrgID: team-a"]
    assert args.basic_auth_user is None and args.bearer_token_env is None
    _build_source_with_files_in(tmp_path, args, creds_dir=Path(keys[creds["caKey"]]).parent)


def test_basic_auth_password_comes_from_the_secret_as_a_file(tmp_path: Path) -> None:
    values = scenario_values(next(p for p in SCENARIOS if "basic-auth" in p.name))
    objects = render(values)
    creds = values["prometheus"]["credentials"]
    keys = _mounted_secret_keys(objects, "prometheus-credentials")
    args = _serve_args(objects)
    assert args.basic_auth_user == creds["basicAuthUsername"]
    assert args.basic_auth_password_file == keys[creds["basicAuthPasswordKey"]]
    assert args.bearer_token_file is None
    _build_source_with_files_in(tmp_path, args, creds_dir=Path(keys["password"]).parent)


def _build_source_with_files_in(tmp: Path, args: argparse.Namespace, creds_dir: Path) -> None:
    """Run cavra's own flag checks on the rendered flags, with the container's files placed in
    ``tmp`` (same names): the source must build, carrying no secret in its display URL."""
    local = tmp / "creds"
    local.mkdir()
    for attr in ("bearer_token_file", "basic_auth_password_file", "ca_file"):
        name = getattr(args, attr)
        if name is not None:
            assert Path(name).parent == creds_dir
            target = local / Path(name).name
            target.write_text("not-a-real-secret\n")
            setattr(args, attr, str(target))
    args.spec = None  # the built-in spec: the spec ConfigMap has its own test
    args.signing_key = None
    config = config_from_args(args)
    assert config.source is not None
    assert config.source.display_url == args.prometheus_url


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"prometheus": {"url": "http://p:9090", "credentials": {"bearerTokenKey": "t"}}},
            "need existingSecret",
        ),
        (
            {"prometheus": {"url": "http://p:9090", "credentials": {
                "existingSecret": "s", "bearerTokenKey": "t", "basicAuthPasswordKey": "p",
                "basicAuthUsername": "u"}}},
            "not both",
        ),
        (
            {"prometheus": {"url": "http://p:9090", "credentials": {
                "existingSecret": "s", "basicAuthPasswordKey": "p"}}},
            "needs basicAuthUsername",
        ),
        ({"prometheus": {"credentials": {"existingSecret": "s", "caKey": "ca"}}}, "url is empty"),
        ({"prometheus": {"url": "http://p:9090", "credentials": {"existingSecret": "s"}}},
         "no key"),
    ],
)  # fmt: skip
def test_inconsistent_credentials_fail_to_render(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=message):
        render(values)


@pytest.mark.parametrize("path", SCENARIOS, ids=scenario_id)
def test_selectors_reach_the_pod(path: Path) -> None:
    objects = _objects(path)
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    service = one(objects, "Service")
    budgets = of_kind(objects, "PodDisruptionBudget")
    policies = of_kind(objects, "NetworkPolicy")
    selectors = [
        service["spec"]["selector"],
        one(objects, "Deployment")["spec"]["selector"]["matchLabels"],
        *[o["spec"]["selector"]["matchLabels"] for o in budgets],
        *[o["spec"]["podSelector"]["matchLabels"] for o in policies],
    ]
    for selector in selectors:
        assert selector.items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == container(objects)["ports"][0]["name"]
    assert service["spec"]["publishNotReadyAddresses"] is True
    for monitor in [o for o in objects if o["kind"] == "ServiceMonitor"]:
        assert (
            monitor["spec"]["selector"]["matchLabels"].items()
            <= service["metadata"]["labels"].items()
        )
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["monitoring"]}
        assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]


def test_spec_change_rolls_the_pod() -> None:
    annotations = [
        one(render(values), "Deployment")["spec"]["template"]["metadata"]["annotations"]
        for values in ({}, {"spec": "version: cavra/v1\n"})
    ]
    assert annotations[0]["checksum/spec"] != annotations[1]["checksum/spec"]


def test_persistence_puts_the_store_on_a_claim() -> None:
    objects = _objects(next(p for p in SCENARIOS if p.name.startswith("persistence")))
    claim = one(objects, "PersistentVolumeClaim")
    assert claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert claim["spec"]["storageClassName"] == "standard"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    store = next(v for v in _pod(objects)["volumes"] if v["name"] == "store")
    assert store == {
        "name": "store",
        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]},
    }
    assert one(objects, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}
    args = _serve_args(objects)
    assert args.signing_key in _mounted_secret_keys(objects, "signing-key").values()
    assert (args.keep_packets, args.keep_age) == (500, 30 * 86400.0)


def test_without_persistence_the_store_is_an_empty_dir() -> None:
    objects = render()
    assert [o for o in objects if o["kind"] == "PersistentVolumeClaim"] == []
    store = next(v for v in _pod(objects)["volumes"] if v["name"] == "store")
    assert store == {"name": "store", "emptyDir": {}}


def test_existing_claim_is_used_and_not_created() -> None:
    objects = render({"persistence": {"enabled": True, "existingClaim": "packets"}})
    assert [o for o in objects if o["kind"] == "PersistentVolumeClaim"] == []
    store = next(v for v in _pod(objects)["volumes"] if v["name"] == "store")
    assert store["persistentVolumeClaim"] == {"claimName": "packets"}


def test_network_policy_limits_ingress_and_optional_egress() -> None:
    operator = _objects(next(p for p in SCENARIOS if p.name.startswith("operator")))
    policy = one(operator, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    assert policy["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert len(policy["ingress"][0]["from"]) == 2
    external = _objects(next(p for p in SCENARIOS if p.name.startswith("external-prom")))
    policy = one(external, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    dns, api = policy["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert api["ports"] == [{"port": 443, "protocol": "TCP"}]


def test_optional_objects_follow_their_switches() -> None:
    off = {
        o["kind"]
        for o in render(
            {"serviceAccount": {"create": False}, "podDisruptionBudget": {"enabled": False}}
        )
    }
    assert off == {"ConfigMap", "Deployment", "Service"}
    assert _pod(render({"serviceAccount": {"create": False}}))["serviceAccountName"] == "default"
