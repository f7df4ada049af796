"""The endpoints of `cavra serve`, over real HTTP, against an in-process service.

One service (module scope) runs the fast spec in short bursts, evaluates every second and
serves everything; each test is a client. Raw sockets send what no well-behaved client would
(garbage, huge request lines, too many headers, bodies that lie about their length, clients
that stall mid-request) and the service must answer the next request as if nothing happened.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cavra_prom.packet.canonical import packet_digest
from cavra_prom.serve.endpoints import App, AppParts, Request, etag_matches, parse_latency_body
from cavra_prom.serve.evaluate import Readiness
from cavra_prom.serve.http import MAX_BODY_BYTES, parse_listen
from cavra_prom.serve.service import ServeConfig, Service
from cavra_prom.serve.store import PacketStore
from cavra_prom.spec.loader import load_spec_text
from tests.servers import LOOPBACK, serve_spec_text, wait_until

SUITE = "runtime_decision_latency"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    spec = load_spec_text(serve_spec_text(every_seconds=2.0, burst_seconds=0.3), "serve.yaml")
    config = ServeConfig(
        spec=spec,
        store_dir=tmp_path_factory.mktemp("store"),
        listen=(LOOPBACK, 0),
        window_seconds=30.0,
        evaluation_interval_seconds=1.0,
        allow_fault_injection=True,
    )
    svc = Service(config)
    svc.start()
    try:
        wait_until(lambda: len(svc.drills.results()) == len(spec.drills), 60, "every drill")
        wait_until(lambda: svc.store.latest() is not None, 30, "the first packet")
        yield svc
    finally:
        svc.stop()


Reply = tuple[int, http.client.HTTPMessage, bytes]


def call(
    svc: Service,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    host, port = svc.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def raw(svc: Service, data: bytes) -> bytes:
    """Send raw bytes, return whatever the server answers before closing (or 5 s)."""
    host, port = svc.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def test_healthz_and_readyz(service: Service) -> None:
    status, _, body = call(service, "GET", "/healthz")
    assert (status, body) == (200, b"ok\n")
    wait_until(lambda: call(service, "GET", "/readyz")[0] == 200, 20, "ready")
    status, headers, body = call(service, "GET", "/readyz")
    state = json.loads(body)
    assert state["ready"] is True and state["evaluations"] >= 1
    assert headers["Content-Type"] == "application/json"


def test_metrics_has_suite_job_packet_gate_and_process_families(service: Service) -> None:
    status, headers, body = call(service, "GET", "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for needle in (
        f'cavra_suite_latency_seconds_bucket{{le="0.05",suite="{SUITE}"}}',
        f'cavra_suite_operations_total{{outcome="ok",suite="{SUITE}"}}',
        'cavra_job_failures_total{job="evaluation"} 0.0',
        f'cavra_job_failures_total{{job="suite:{SUITE}"}} 0.0',
        "cavra_packet_last_render_timestamp_seconds 1",
        "cavra_gate_ready ",
        'cavra_drill_passed{drill="event_bus_unavailable"}',
        'cavra_ha_replicas{role="api"} 2.0',
        "process_cpu_seconds_total",
        "python_info{",
    ):
        assert needle in text, needle


def test_metrics_speaks_openmetrics_when_asked(service: Service) -> None:
    accept = "application/openmetrics-text; version=1.0.0"
    status, headers, body = call(service, "GET", "/metrics", {"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")


def test_packet_latest_carries_its_digest_as_etag_and_honours_if_none_match(
    service: Service,
) -> None:
    status, headers, body = call(service, "GET", "/packet/latest")
    packet = json.loads(body)
    digest = packet["integrity"]["digest"]
    assert status == 200 and packet_digest(packet) == digest
    etag = headers["ETag"]
    assert etag == f'"{digest}"' and headers["Cache-Control"] == "no-cache"
    for tag in (etag, f"W/{etag}", f'"sha256:other", {etag}', "*"):
        status, headers, body = call(service, "GET", "/packet/latest", {"If-None-Match": tag})
        if status == 200:  # a new packet landed in between: then its own ETag must differ
            assert headers["ETag"] != etag
            continue
        assert (status, body, headers["ETag"]) == (304, b"", etag)
    status, _, body = call(service, "GET", "/packet/latest", {"If-None-Match": '"sha256:x"'})
    assert status == 200 and body


def test_head_answers_headers_without_a_body(service: Service) -> None:
    status, headers, body = call(service, "HEAD", "/packet/latest")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_markdown_packets_index_and_packet_by_id(service: Service) -> None:
    status, headers, body = call(service, "GET", "/packet/latest.md")
    assert status == 200 and headers["Content-Type"].startswith("text/markdown")
    assert b"CAVRA benchmark SLO gate" in body and b"sha256:" in body
    status, _, body = call(service, "GET", "/packets")
    index = json.loads(body)["packets"]
    assert status == 200 and index
    newest = index[0]
    assert set(newest) >= {"id", "digest", "created_at", "status", "evidence_mode"}
    status, headers, body = call(service, "GET", f"/packets/{newest['id']}")
    assert status == 200 and headers["ETag"] == f'"{newest["digest"]}"'
    assert json.loads(body)["integrity"]["digest"] == newest["digest"]


@pytest.mark.parametrize(
    "path",
    ["/", "/nope", "/packets/", "/packets/20990101T000000.000000Z-000000000000",
     "/packets/..%2Flatest.json", "/packets/../latest.json", "/metrics/extra"],
)  # fmt: skip
def test_unknown_paths_are_404(service: Service, path: str) -> None:
    status, _, body = call(service, "GET", path)
    assert status == 404 and "error" in json.loads(body)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/metrics"), ("DELETE", "/packet/latest"), ("PUT", "/packets"),
     ("PATCH", "/healthz"), ("OPTIONS", "/readyz"), ("GET", "/-/faults/latency")],
)  # fmt: skip
def test_wrong_methods_are_405_with_allow(service: Service, method: str, path: str) -> None:
    status, headers, _ = call(service, method, path, body=b"" if method != "GET" else None)
    assert status == 405
    assert headers["Allow"] in ("GET, HEAD", "POST")


def test_an_unknown_method_is_501(service: Service) -> None:
    reply = raw(service, b"BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 501")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /metrics HTTP/9.9\r\n\r\n", b"505"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET /metrics HTTP/1.1\r\n" + b"X-A: b\r\n" * 120 + b"\r\n", b"431"),
        (b"GET /metrics HTTP/1.1\r\nContent-Length: abc\r\n\r\n", b"400"),
        (b"GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"400"),
        (b"POST /-/faults/latency HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"POST /-/faults/latency HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", b"413"),
    ],
)
def test_malformed_and_oversized_requests_are_rejected_harmlessly(
    service: Service, data: bytes, status: bytes
) -> None:
    reply = raw(service, data)
    # A request line without a version is answered HTTP/0.9 style: the body alone.
    code = reply.split(b" ", 2)[1] if reply.startswith(b"HTTP/") else reply[:3]
    assert code == status, reply[:200]
    assert call(service, "GET", "/healthz")[0] == 200  # the process is unharmed


def test_a_body_shorter_than_its_content_length_does_not_hang_the_server(
    service: Service,
) -> None:
    host, port = service.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /-/faults/latency HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)  # the rest never comes
        assert sock.recv(100) == b""  # closed without an answer to a truncated request
    assert call(service, "GET", "/healthz")[0] == 200


def test_slow_clients_do_not_block_metrics_or_the_packet(service: Service) -> None:
    host, port = service.url.removeprefix("http://").rsplit(":", 1)
    stalled = []
    try:
        for _ in range(30):  # each sends half a request and then nothing
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            stalled.append(sock)
        with ThreadPoolExecutor(8) as pool:
            paths = ["/metrics", "/packet/latest"] * 20
            statuses = list(pool.map(lambda p: call(service, "GET", p)[0], paths))
        assert statuses == [200] * len(paths)
    finally:
        for sock in stalled:
            sock.close()


def test_a_packet_write_in_progress_does_not_block_readers(service: Service) -> None:
    """The store's writer lock held (as during a save): /packet/latest still answers."""
    with service.store._lock:  # simulating a write in progress
        result: list[int] = []
        reader = threading.Thread(
            target=lambda: result.extend(
                call(service, "GET", p)[0] for p in ("/packet/latest", "/metrics", "/healthz")
            )
        )
        reader.start()
        reader.join(10)
        assert result == [200, 200, 200]


def _post_latency(service: Service, body: Any) -> Reply:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(service, "POST", "/-/faults/latency", {"Content-Type": "application/json"}, data)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", [1, 2], {"suite": SUITE}, {"seconds": 1},
     {"suite": "nope", "seconds": 0.1}, {"suite": SUITE, "seconds": -1},
     {"suite": SUITE, "seconds": True}, {"suite": SUITE, "seconds": "1"},
     {"suite": SUITE, "seconds": 1e999}, {"suite": SUITE, "seconds": 61},
     {"suite": SUITE, "seconds": 0.1, "extra": 1}, b'{"suite": "x", "seconds": NaN}'],
)  # fmt: skip
def test_bad_fault_bodies_are_400(service: Service, body: Any) -> None:
    status, _, reply = _post_latency(service, body)
    assert status == 400 and json.loads(reply)["error"]
    assert all(load.latency_seconds == 0 for load in service.loads)


def test_the_latency_fault_slows_the_next_burst_for_real(service: Service) -> None:
    load = next(x for x in service.loads if x.suite.id == SUITE)
    status, _, reply = _post_latency(service, {"suite": SUITE, "seconds": 0.02})
    injected_at = time.time()
    try:
        assert status == 200
        assert json.loads(reply) == {"suite": SUITE, "latency_seconds": 0.02}
        run = wait_until(
            lambda: next((r for r in load.runs_since(0) if r.started_at > injected_at), None),
            20,
            "a burst after the injection",
        )
        assert min(run.latencies_seconds()) >= 0.02
    finally:
        assert _post_latency(service, {"suite": SUITE, "seconds": 0})[0] == 200
    assert load.latency_seconds == 0.0


def test_fault_injection_is_404_unless_allowed(tmp_path: Path) -> None:
    store = PacketStore(tmp_path)
    store.open()
    from prometheus_client import CollectorRegistry

    app = App(AppParts(CollectorRegistry(), store, Readiness()))
    body = json.dumps({"suite": SUITE, "seconds": 1}).encode()
    response = app.handle(Request("POST", "/-/faults/latency", {}, body))
    assert response.status == 404
    assert app.handle(Request("GET", "/packet/latest")).status == 503  # nothing rendered yet
    assert app.handle(Request("GET", "/readyz")).status == 503


def test_etag_matching_rules() -> None:
    assert etag_matches('"a"', '"a"') and etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"') and etag_matches("*", '"a"')
    assert not etag_matches(None, '"a"') and not etag_matches('"b"', '"a"')


def test_parse_latency_body_and_listen() -> None:
    assert parse_latency_body(b'{"suite": "s", "seconds": 0}') == ("s", 0.0)
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen("[::1]:0") == ("::1", 0)
    from cavra_prom.errors import InputError

    for bad in ("9464", ":9464", "host:port", "host:70000"):
        with pytest.raises(InputError, match="--listen"):
            parse_listen(bad)
    assert MAX_BODY_BYTES >= 64
