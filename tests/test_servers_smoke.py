"""The real servers the integration tests rely on start, answer and stop."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, push_to_gateway

from tests.servers import (
    LOOPBACK,
    alertmanager,
    http_get,
    prometheus,
    prometheus_config,
    pushgateway,
    wait_for_series,
)


def test_prometheus_scrapes_a_pushgateway_that_received_a_push() -> None:
    with pushgateway() as gateway:
        registry = CollectorRegistry()
        Counter("cavra_smoke", "smoke test counter", registry=registry).inc(3)
        push_to_gateway(gateway.url.removeprefix("http://"), job="smoke", registry=registry)
        target = gateway.url.removeprefix("http://")
        with prometheus(prometheus_config([target], honor_labels=True)) as prom:
            series = wait_for_series(prom.url, 'cavra_smoke_total{job="smoke"}')
            assert float(series[0]["value"][1]) == 3.0
        assert prom.process.poll() is not None  # stopped


def test_alertmanager_starts_with_a_webhook_receiver() -> None:
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = ThreadingHTTPServer((LOOPBACK, 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        config = {
            "route": {"receiver": "hook"},
            "receivers": [
                {
                    "name": "hook",
                    "webhook_configs": [{"url": f"http://{LOOPBACK}:{hook.server_port}/"}],
                }
            ],
        }
        with alertmanager(config) as am:
            status, body = http_get(am.url + "/api/v2/status")
            assert status == 200 and b"config" in body
    finally:
        hook.shutdown()
