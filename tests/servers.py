"""Real Prometheus, Alertmanager and Pushgateway for tests: loopback, free ports, temp dirs.

The binaries come from Debian's packages (`make test` installs them). A missing binary is a
test error, never a skip. Every server is stopped when its context ends, and its log is kept
in its temp dir so a failing test can show it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A port free on loopback right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(
            f"{name} is not installed: run `make test` (scripts/install-test-servers.sh)"
        )
    return path


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(check: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``check()`` until it returns a truthy value; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # a server still starting refuses connections
            last_error = exc
            value = None
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what} ({last_error})")


@dataclass
class Server:
    """A started server process with its URL, temp dir and log file."""

    name: str
    url: str
    directory: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _start(
    name: str,
    argv: Sequence[str],
    url: str,
    ready_path: str,
    directory: Path,
    *,
    env: dict[str, str] | None = None,
) -> Server:
    """Start ``argv`` (with ``env`` as its whole environment, if given) and wait for
    ``url + ready_path`` to answer 200."""
    log_path = directory / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=directory, env=env)
    server = Server(name, url, directory, process, log_path)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: {server.log()}")
        status, _ = http_get(url + ready_path, timeout=2.0)
        return status == 200

    try:
        wait_until(ready, START_TIMEOUT_SECONDS, f"{name} at {url}")
    except BaseException:
        server.stop()
        raise
    return server


def prometheus_config(
    scrape_targets: Sequence[str] = (),
    *,
    rule_files: Sequence[str] = (),
    alertmanagers: Sequence[str] = (),
    interval: str = "1s",
    job: str = "cavra",
    extra_scrape_configs: Sequence[dict[str, Any]] = (),
    honor_labels: bool = False,
) -> dict[str, Any]:
    """A Prometheus config with 1 s scrape/evaluation intervals by default.

    ``honor_labels`` keeps pushed ``job``/``instance`` labels (needed for a Pushgateway).
    """
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            *(
                [
                    {
                        "job_name": job,
                        "honor_labels": honor_labels,
                        "static_configs": [{"targets": list(scrape_targets)}],
                    }
                ]
                if scrape_targets
                else []
            ),
            *extra_scrape_configs,
        ],
    }
    if rule_files:
        config["rule_files"] = list(rule_files)
    if alertmanagers:
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]
        }
    return config


@contextlib.contextmanager
def prometheus(
    config: dict[str, Any], *, extra_args: Sequence[str] = (), route_prefix: str = ""
) -> Iterator[Server]:
    """A real Prometheus on a free loopback port, with its own TSDB in a temp dir.

    ``route_prefix`` (``/prometheus``) serves everything under that path, as behind a proxy;
    ``server.url`` then includes it.
    """
    with tempfile.TemporaryDirectory(prefix="cavra-prom-") as tmp:
        directory = Path(tmp)
        (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        url = f"http://{LOOPBACK}:{port}{route_prefix}"
        argv = [
            binary("prometheus"),
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            "--web.enable-lifecycle",
            *([f"--web.external-url={url}/"] if route_prefix else []),
            *extra_args,
        ]
        server = _start("prometheus", argv, url, "/-/ready", directory)
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def alertmanager(config: dict[str, Any]) -> Iterator[Server]:
    """A real Alertmanager (clustering off) on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="cavra-am-") as tmp:
        directory = Path(tmp)
        (directory / "alertmanager.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        url = f"http://{LOOPBACK}:{port}"
        argv = [
            binary("prometheus-alertmanager"),
            f"--config.file={directory / 'alertmanager.yml'}",
            f"--storage.path={directory / 'data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            "--cluster.listen-address=",
        ]
        server = _start("alertmanager", argv, url, "/-/ready", directory)
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def pushgateway() -> Iterator[Server]:
    """A real Pushgateway on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="cavra-pgw-") as tmp:
        directory = Path(tmp)
        port = free_port()
        url = f"http://{LOOPBACK}:{port}"
        # Debian's default persistence file is shared (/var/lib/prometheus): keep ours private.
        argv = [
            binary("prometheus-pushgateway"),
            f"--web.listen-address={LOOPBACK}:{port}",
            f"--persistence.file={directory / 'pushgateway.data'}",
        ]
        server = _start("pushgateway", argv, url, "/-/ready", directory)
        try:
            yield server
        finally:
            server.stop()


def instant_query(prometheus_url: str, expression: str) -> list[dict[str, Any]]:
    """Run an instant query; returns the result vector (raises on an API error)."""
    query = urllib.parse.urlencode({"query": expression})
    status, body = http_get(f"{prometheus_url}/api/v1/query?{query}")
    payload = json.loads(body)
    if status != 200 or payload.get("status") != "success":
        raise RuntimeError(f"query failed ({status}): {payload}")
    result: list[dict[str, Any]] = payload["data"]["result"]
    return result


def wait_for_series(prometheus_url: str, expression: str, timeout: float = 30.0) -> list[Any]:
    """Wait until ``expression`` returns at least one series (scrapes take a moment)."""
    found: list[Any] = wait_until(
        lambda: instant_query(prometheus_url, expression),
        timeout,
        f"a series for {expression}",
        interval=0.25,
    )
    return found


def serve_spec_text(every_seconds: float = 2.0, burst_seconds: float = 0.3) -> str:
    """The fast built-in spec with every suite bursting briefly and often (for `cavra serve`)."""
    from tests.conftest import fast_spec_text

    text = fast_spec_text()
    serve = (
        f"    serve: {{mode: burst, every_seconds: {every_seconds}, "
        f"burst_seconds: {burst_seconds}}}\n"
    )
    for seed in (1, 2, 3):
        marker = f"      seed: {seed}\n"
        assert marker in text, marker
        text = text.replace(marker, marker + serve, 1)
    return text


@contextlib.contextmanager
def cavra_serve(
    args: Sequence[str] = (),
    *,
    store_dir: Path | None = None,
    spec_text: str | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """A real `cavra serve` process on a free loopback port, stopped with SIGTERM at the end.

    The spec defaults to :func:`serve_spec_text`; the store is a temp dir unless given; pass
    ``port`` when a Prometheus must be configured to scrape it before it starts.
    ``server.extra`` holds ``store`` (its path) and ``spec`` (the spec file).
    """
    with tempfile.TemporaryDirectory(prefix="cavra-serve-") as tmp:
        directory = Path(tmp)
        spec = directory / "spec.yaml"
        spec.write_text(spec_text or serve_spec_text())
        store = store_dir or directory / "store"
        port = port or free_port()
        url = f"http://{LOOPBACK}:{port}"
        argv = [
            sys.executable, "-m", "cavra_prom", "serve", f"--spec={spec}",
            f"--listen={LOOPBACK}:{port}", f"--store-dir={store}", *args,
        ]  # fmt: skip
        server = _start("cavra-serve", argv, url, "/healthz", directory)
        server.extra.update(store=store, spec=spec)
        try:
            yield server
        finally:
            server.stop()


DEMO_SERVICE = Path(__file__).resolve().parent.parent / "examples" / "demo_service.py"


@contextlib.contextmanager
def demo_service(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """examples/demo_service.py on a free loopback port (``args`` are its flags).

    ``env`` adds variables to its environment (``DEMO_API_TOKEN`` turns auth on); the test
    process's own ``DEMO_API_TOKEN`` is never passed through.
    """
    with tempfile.TemporaryDirectory(prefix="cavra-demo-") as tmp:
        directory = Path(tmp)
        port = free_port()
        url = f"http://{LOOPBACK}:{port}"
        argv = [sys.executable, str(DEMO_SERVICE), "--port", str(port), *args]
        inherited = {k: v for k, v in os.environ.items() if k != "DEMO_API_TOKEN"}
        server = _start("demo", argv, url, "/healthz", directory, env={**inherited, **(env or {})})
        server.extra["port"] = port
        try:
            yield server
        finally:
            server.stop()
