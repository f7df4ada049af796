"""Faults a real Prometheus cannot be made to show, each served by a FAKE HTTP server.

Every server in this module is a fake: a few lines of ``http.server`` on loopback that hang,
stall midway, answer garbage, fail with 5xx, echo credentials back in an error body, or stand
in for a multi-tenant store we cannot run here (Mimir). Everything a real Prometheus *can*
show (refused connections, a wrong path prefix, rejected PromQL, no data, stale series, auth,
TLS, a restart) is tested against a real one in the other ``test_promql_evaluator_*`` modules.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.promql import evaluate_prometheus, fetch
from cavra_prom.evaluation.promql_plan import build_plan
from cavra_prom.promql.source import PrometheusSource
from cavra_prom.spec.loader import default_spec
from tests.servers import LOOPBACK, free_port

SPEC = default_spec()
EMPTY_VECTOR = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}})
Behaviour = Callable[["FakeHandler"], None]


@dataclass
class FakeStore:
    """A FAKE Prometheus API: ``behaviour`` answers each request; requests are recorded."""

    behaviour: Behaviour
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


class FakeHandler(BaseHTTPRequestHandler):
    store: FakeStore

    def do_GET(self) -> None:
        self.store.requests.append({"path": self.path, "headers": dict(self.headers)})
        self.store.behaviour(self)

    def reply(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake() -> Iterator[Callable[[Behaviour], FakeStore]]:
    servers: list[tuple[ThreadingHTTPServer, FakeStore]] = []

    def start(behaviour: Behaviour) -> FakeStore:
        store = FakeStore(behaviour)
        handler = type("Handler", (FakeHandler,), {"store": store})
        server = ThreadingHTTPServer((LOOPBACK, 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        store.url = f"http://{LOOPBACK}:{server.server_port}"
        servers.append((server, store))
        return store

    yield start
    for server, store in servers:
        store.release.set()
        server.shutdown()
        server.server_close()


def quick(url: str, **kwargs: Any) -> PrometheusSource:
    return PrometheusSource(url, timeout_seconds=0.3, retries=1, **kwargs)


def only_problem(url: str, **kwargs: Any) -> tuple[str, str, bool]:
    evaluation = evaluate_prometheus(SPEC, quick(url, **kwargs), 300.0)
    assert evaluation.suites == () and evaluation.drills == ()
    assert len(evaluation.problems) == 1, evaluation.problems
    problem = evaluation.problems[0]
    return problem.reason, problem.message, problem.fatal


def test_a_hanging_fake_server_times_out_after_its_retries(fake: Any) -> None:
    store = fake(lambda h: h.store.release.wait(30))
    reason, message, fatal = only_problem(store.url)
    assert (reason, fatal) == (names.REASON_TIMEOUT, True)
    assert "did not answer within 0.3 s (2 attempt(s))" in message
    assert len(store.requests) == 2  # the first try and one retry


def test_a_fake_that_stalls_midway_through_the_body_times_out(fake: Any) -> None:
    def stall(h: FakeHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b'{"status": "succ')
        h.wfile.flush()
        h.store.release.wait(30)

    reason, _, fatal = only_problem(fake(stall).url)
    assert (reason, fatal) == (names.REASON_TIMEOUT, True)


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "text/html", "not JSON (text/html"),
        ('{"status": "error", "error": "oops"}', "application/json", "without a successful"),
        (json.dumps({"status": "success", "data": {}}), "application/json", "without a succ"),
        (
            json.dumps(
                {
                    "status": "success",
                    "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "x"]}]},
                }
            ),
            "application/json",
            "not a number",
        ),
    ],
)
def test_a_fake_answering_garbage_with_200_is_a_bad_response(
    fake: Any, body: str, content_type: str, words: str
) -> None:
    store = fake(lambda h: h.reply(200, body, content_type))
    reason, message, fatal = only_problem(store.url)
    assert (reason, fatal) == (names.REASON_BAD_RESPONSE, True)
    assert words in message


def test_a_fake_failing_with_503_is_retried_then_fails_closed(fake: Any) -> None:
    store = fake(lambda h: h.reply(503, "upstream overloaded", "text/plain"))
    reason, message, fatal = only_problem(store.url)
    assert (reason, fatal) == (names.REASON_HTTP_ERROR, True)
    assert "HTTP 503" in message and "upstream overloaded" in message
    assert len(store.requests) == 2


def test_credentials_never_appear_even_when_a_fake_echoes_them_back(
    fake: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def echo(h: FakeHandler) -> None:
        h.reply(401, f"denied for {h.headers.get('Authorization')} {h.headers.get('X-Api-Key')}")

    store = fake(echo)
    monkeypatch.setenv("CAVRA_TEST_TOKEN", "tok-SECRET-123")
    reason, message, fatal = only_problem(
        store.url, bearer_token_env="CAVRA_TEST_TOKEN", headers={"X-Api-Key": "key-SECRET-456"}
    )
    assert (reason, fatal) == (names.REASON_UNAUTHORIZED, True)
    assert store.requests[0]["headers"]["Authorization"] == "Bearer tok-SECRET-123"
    assert "denied for Bearer" in message and "SECRET" not in message
    password = tmp_path / "password"
    password.write_text("pw-SECRET-789")
    for kwargs in (
        {"basic_auth_user": "bob", "basic_auth_password_file": str(password)},
        {"url": store.url.replace("http://", "http://bob:url-SECRET@")},
    ):
        url = str(kwargs.pop("url", store.url))
        reason, message, _ = only_problem(url, **kwargs)
        assert reason == names.REASON_UNAUTHORIZED
        assert store.requests[-1]["headers"]["Authorization"].startswith("Basic ")
        assert "denied for" in message and "SECRET" not in message and "Basic" in message
        assert "bob:" not in message


def test_tenant_headers_tokens_and_the_path_prefix_reach_a_fake_multi_tenant_store(
    fake: Any, tmp_path: Path
) -> None:
    """A FAKE standing in for Mimir: it requires X-Scope-OrgID, a token and its path prefix."""

    def mimir(h: FakeHandler) -> None:
        ok = (
            h.path.startswith("/prometheus/api/v1/query?")
            and h.headers.get("X-Scope-OrgID") == "team-a"
            and h.headers.get("Authorization") == "Bearer file-token"
        )
        if ok:
            h.reply(200, EMPTY_VECTOR)
        else:
            h.reply(401, "no org id")

    store = fake(mimir)
    token = tmp_path / "token"
    token.write_text("file-token\n")
    reason, message, _ = only_problem(
        store.url + "/prometheus/",
        headers={"X-Scope-OrgID": "team-a"},
        bearer_token_file=str(token),
    )
    assert reason == names.REASON_NO_DATA, message  # authenticated: the tenant is just empty
    assert len(store.requests) == len(build_plan(SPEC, 300.0).all())
    reason, _, _ = only_problem(store.url + "/prometheus", bearer_token_file=str(token))
    assert reason == names.REASON_UNAUTHORIZED


def test_a_rejected_query_is_named_and_the_other_queries_still_run(fake: Any) -> None:
    def reject_rpo(h: FakeHandler) -> None:
        if "cavra_ha_rpo_seconds" in h.path:
            error = {"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}
            h.reply(400, json.dumps(error))
        else:
            h.reply(200, EMPTY_VECTOR)

    plan = build_plan(SPEC, 300.0)
    fetched = fetch(quick(fake(reject_rpo).url), plan, at=1_800_000_000.0)
    assert fetched.queries_sent == len(plan.all())
    assert [p.reason for p in fetched.problems] == [names.REASON_BAD_QUERY]
    assert fetched.problems[0].message.startswith("rpo_minutes: ")
    assert "bad_data: parse error at char 3" in fetched.problems[0].message
    assert not fetched.fatal and fetched.results["rpo_minutes"] is None


def test_every_query_of_an_evaluation_is_pinned_to_one_instant(fake: Any) -> None:
    store = fake(lambda h: h.reply(200, EMPTY_VECTOR))
    evaluate_prometheus(SPEC, quick(store.url), 60.0, at=1_800_000_123.5)
    times = {r["path"].split("time=")[1].split("&")[0] for r in store.requests}
    assert times == {"1800000123.500"}


def test_refused_connections_and_a_tls_mismatch_are_named() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind((LOOPBACK, 0))
        closed = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    reason, message, fatal = only_problem(closed)
    assert (reason, fatal) == (names.REASON_UNREACHABLE, True)
    assert "Connection refused" in message


def test_https_to_a_plain_http_fake_is_a_tls_fault(fake: Any) -> None:
    store = fake(lambda h: h.reply(200, EMPTY_VECTOR))
    reason, _, fatal = only_problem(store.url.replace("http://", "https://"))
    assert (reason, fatal) == (names.REASON_TLS, True)


def test_bad_settings_and_unreadable_secrets_are_problems_not_exceptions(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    metrics = EvaluationMetrics(registry)
    url = f"http://{LOOPBACK}:{free_port()}"
    evaluation = evaluate_prometheus(
        SPEC, PrometheusSource(url, bearer_token_file=str(tmp_path)), 60.0, metrics=metrics
    )
    assert [p.reason for p in evaluation.problems] == [names.REASON_CONFIGURATION]
    assert evaluation.could_not_evaluate
    assert registry.get_sample_value(names.EVALUATION_ERRORS_TOTAL, {"reason": "configuration"})
