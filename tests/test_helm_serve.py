"""The rendered Deployment's command line starts a real `cavra serve` that becomes ready.

No cluster here, so the pod is played on loopback: the container's args are taken from the
rendered Deployment as they are, except that every absolute path is moved under a temp dir
(where the spec ConfigMap's file is written, as the volume would hold it) and the listen
address becomes 127.0.0.1 on a free port. The probes' paths are then asked for real.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.helm_support import container, of_kind, one, render
from tests.servers import LOOPBACK, _start, free_port, http_get, serve_spec_text, wait_until

pytestmark = pytest.mark.integration

READY_TIMEOUT_SECONDS = 60.0


def _localise(args: list[str], root: Path, port: int) -> list[str]:
    """The container's args with absolute paths under ``root`` and a loopback listener."""
    local = []
    for arg in args:
        flag, eq, value = arg.partition("=")
        if flag == "--listen":
            local.append(f"--listen={LOOPBACK}:{port}")
        elif eq and value.startswith("/"):
            local.append(f"{flag}={root}{value}")
        else:
            local.append(arg)
    return local


def _write_volumes(objects: list[dict[str, Any]], root: Path) -> None:
    """Put each ConfigMap volume's files where the container mounts them."""
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    maps = {m["metadata"]["name"]: m for m in of_kind(objects, "ConfigMap")}
    mounts = {m["name"]: m["mountPath"] for m in container(objects)["volumeMounts"]}
    for volume in pod["volumes"]:
        if "configMap" in volume:
            directory = root / mounts[volume["name"]].lstrip("/")
            directory.mkdir(parents=True)
            for name, text in maps[volume["configMap"]["name"]]["data"].items():
                (directory / name).write_text(text)


def test_rendered_command_line_serves_metrics_and_packets() -> None:
    values = {"spec": serve_spec_text(), "serve": {"evaluationInterval": "1s", "window": "30s"}}
    objects = render(values)
    args = container(objects)["args"]
    with tempfile.TemporaryDirectory(prefix="cavra-helm-pod-") as tmp:
        root = Path(tmp)
        _write_volumes(objects, root)
        port = free_port()
        url = f"http://{LOOPBACK}:{port}"
        argv = [sys.executable, "-m", "cavra_prom", "serve", *_localise(args, root, port)]
        server = _start("cavra-serve-helm", argv, url, "/healthz", root)
        try:
            wait_until(
                lambda: http_get(url + "/readyz")[0] == 200,
                READY_TIMEOUT_SECONDS,
                "/readyz to report a successful evaluation",
            )
            status, body = http_get(url + "/packet/latest")
            assert status == 200
            assert b'"schema_version"' in body
            status, metrics = http_get(url + "/metrics")
            assert status == 200
            assert b"cavra_suite_operations_total" in metrics
        finally:
            server.stop()
        assert server.process.returncode == 0, server.log()
        store = root / "var" / "lib" / "cavra" / "packets"
        assert any(store.rglob("*.json")), "packets are not where the store volume is mounted"
