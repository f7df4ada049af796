"""Alerting test helpers: a webhook receiver and the example Alertmanager config, made fast.

The receiver is a real HTTP server on loopback that Alertmanager posts its webhook payloads
to (version 4 of the webhook format); each payload is kept with the path it came to
(``/page`` or ``/ticket``) and the monotonic time it arrived.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.servers import LOOPBACK, wait_until

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ALERTMANAGER = ROOT / "examples" / "alertmanager" / "alertmanager.yml"
EXAMPLE_PROMETHEUS = ROOT / "examples" / "prometheus" / "prometheus.yml"
FAST_TIMINGS = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}


@dataclass(frozen=True)
class Notification:
    """One webhook post: the receiver path, when it arrived, and the payload."""

    path: str
    received_at: float
    payload: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.payload["status"])

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.payload["alerts"]
        return alerts


class WebhookReceiver:
    """Collects Alertmanager webhook posts; ``wait_for`` polls them with a predicate."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._lock = threading.Lock()
        self._received: list[Notification] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, notification: Notification) -> None:
        with self._lock:
            self._received.append(notification)

    def received(self) -> list[Notification]:
        with self._lock:
            return list(self._received)

    def wait_for(
        self, match: Callable[[Notification], bool], timeout: float, what: str
    ) -> Notification:
        def found() -> Notification | None:
            return next((n for n in self.received() if match(n)), None)

        result: Notification = wait_until(found, timeout, what, interval=0.05)
        return result


@contextlib.contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A receiver on a free loopback port, stopped when the context ends."""
    holder: list[WebhookReceiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            holder[0].add(Notification(self.path, time.monotonic(), payload))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output clean; the payloads are what the tests inspect."""

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    receiver = WebhookReceiver(server)
    holder.append(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def example_alertmanager_config(webhook_url: str) -> dict[str, Any]:
    """The example config with its receivers pointed at ``webhook_url`` and 1 s timings.

    Routes, grouping and inhibition stay exactly as shipped: those are what the tests check.
    """
    config: dict[str, Any] = copy.deepcopy(yaml.safe_load(EXAMPLE_ALERTMANAGER.read_text()))
    config["route"].update(FAST_TIMINGS)
    for route in config["route"].get("routes", []):
        route.pop("repeat_interval", None)
    for receiver in config["receivers"]:
        for hook in receiver["webhook_configs"]:
            hook["url"] = f"{webhook_url}/{receiver['name']}"
    return config


def labels_of(notification: Notification) -> list[dict[str, str]]:
    return [alert["labels"] for alert in notification.alerts()]
