"""The endpoints of ``cavra serve`` as plain functions from a request to a response.

Kept apart from the socket server (:mod:`cavra_prom.serve.http`) so routing, ETags and the
fault-injection body rules are tested without a network, and the server stays a thin shell
that only enforces limits. Every handler reads state that is already computed (the latest
packet's bytes, the readiness record, the registry), so none of them waits for a burst, a
drill or an evaluation in progress.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Final

from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from cavra_prom.errors import TargetError
from cavra_prom.packet.markdown import render_markdown
from cavra_prom.serve.evaluate import Readiness
from cavra_prom.serve.store import ID_PATTERN, PacketStore, StoredPacket

JSON: Final = "application/json"
TEXT: Final = "text/plain; charset=utf-8"
MARKDOWN: Final = "text/markdown; charset=utf-8"
FAULT_LATENCY_PATH: Final = "/-/faults/latency"
PACKET_PATH: Final = re.compile(r"/packets/([^/]+)")
RETRY_AFTER_SECONDS: Final = "5"
METRICS_MAX_AGE: Final = 0.1


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, obj: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    body = (json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    return Response(status, body, JSON, headers)


def error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return json_response(status, {"error": message}, headers)


def etag_of(stored: StoredPacket) -> str:
    return f'"{stored.digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison: any listed tag (``W/`` ignored) or ``*`` matches."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


LatencyInjector = Callable[[str, float], None]
"""Sets a suite's injected latency; raises TargetError (unknown suite, bad value)."""


@dataclass(frozen=True)
class AppParts:
    registry: CollectorRegistry
    store: PacketStore
    readiness: Readiness
    inject_latency: LatencyInjector | None = None  # None: fault injection not allowed


Handler = Callable[[Request], Response]


class App:
    """Routes a :class:`Request` to its endpoint; unknown paths 404, wrong methods 405."""

    def __init__(self, parts: AppParts) -> None:
        self.parts = parts
        self._markdown_cache: tuple[str, bytes] | None = None
        self._renders: dict[str, Coalesced] = {}
        self._renders_lock = threading.Lock()
        routes: dict[str, tuple[frozenset[str], Handler]] = {
            "/metrics": (_READ, self.metrics),
            "/packet/latest": (_READ, self.packet_latest),
            "/packet/latest.md": (_READ, self.packet_latest_markdown),
            "/packets": (_READ, self.packets),
            "/healthz": (_READ, self.healthz),
            "/readyz": (_READ, self.readyz),
        }
        if parts.inject_latency is not None:
            routes[FAULT_LATENCY_PATH] = (frozenset({"POST"}), self.fault_latency)
        self._routes = routes

    def computes(self, path: str) -> bool:
        """Whether answering ``path`` does real work (rendering, disk): run it off the loop."""
        return path in _COMPUTED or path.startswith("/packets/")

    def handle(self, request: Request) -> Response:
        route = self._routes.get(request.path)
        if route is None and PACKET_PATH.fullmatch(request.path):
            route = (_READ, self.packet_by_id)
        if route is None:
            return error(404, f"no such endpoint: {request.path}")
        methods, handler = route
        if request.method not in methods:
            allow = ", ".join(sorted(methods))
            return error(405, f"{request.method} not allowed here", (("Allow", allow),))
        return handler(request)

    # --- endpoints -------------------------------------------------------------------------
    def metrics(self, request: Request) -> Response:
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        with self._renders_lock:
            render = self._renders.get(content_type)
            if render is None:
                registry = self.parts.registry
                render = self._renders[content_type] = Coalesced(lambda: encoder(registry))
        return Response(200, render.get(), content_type)

    def packet_latest(self, request: Request) -> Response:
        stored = self.parts.store.latest()
        if stored is None:
            return _no_packet_yet()
        return _packet_response(request, stored)

    def packet_latest_markdown(self, request: Request) -> Response:
        stored = self.parts.store.latest()
        if stored is None:
            return _no_packet_yet()
        cached = self._markdown_cache
        if cached is None or cached[0] != stored.digest:
            text = render_markdown(json.loads(stored.body))
            cached = (stored.digest, text.encode("utf-8"))
            self._markdown_cache = cached
        return Response(200, cached[1], MARKDOWN, (("ETag", etag_of(stored)),))

    def packets(self, request: Request) -> Response:
        return json_response(200, {"packets": self.parts.store.index()})

    def packet_by_id(self, request: Request) -> Response:
        match = PACKET_PATH.fullmatch(request.path)
        pid = match.group(1) if match else ""
        stored = self.parts.store.get(pid) if ID_PATTERN.fullmatch(pid) else None
        if stored is None:
            return error(404, f"no retained packet with id {pid!r}")
        return _packet_response(request, stored)

    def healthz(self, request: Request) -> Response:
        return Response(200, b"ok\n")

    def readyz(self, request: Request) -> Response:
        state = self.parts.readiness.state()
        body = {
            "ready": state.ready,
            "reason": state.reason,
            "evaluations": state.evaluations,
        }
        return json_response(200 if state.ready else 503, body)

    def fault_latency(self, request: Request) -> Response:
        inject = self.parts.inject_latency
        if inject is None:  # not routed then; kept for type narrowing
            return error(404, "fault injection is not allowed")
        try:
            suite, seconds = parse_latency_body(request.body)
            inject(suite, seconds)
        except (ValueError, TargetError) as exc:
            return error(400, str(exc))
        return json_response(200, {"suite": suite, "latency_seconds": seconds})


_READ: Final = frozenset({"GET", "HEAD"})
_COMPUTED: Final = frozenset({"/metrics", "/packet/latest.md", "/packets"})


class Coalesced:
    """Concurrent callers of :meth:`get` share one render instead of each starting their own.

    Rendering /metrics costs milliseconds of interpreter time (hundreds of histogram bucket
    lines, shared with the suites' load threads); a hundred scrapers arriving together would
    otherwise render it a hundred times and queue behind each other. A caller that arrives
    while a render runs waits for it and gets its bytes; a render younger than ``max_age``
    seconds is reused as is. So every answer is at most ``max_age`` plus one render old
    (0.1 s: far below any scrape interval), and the render rate is bounded whatever the
    number of clients.
    """

    def __init__(self, render: Callable[[], bytes], max_age: float = METRICS_MAX_AGE) -> None:
        self._render = render
        self._max_age = max_age
        self._lock = threading.Lock()
        self._running: Future[bytes] | None = None
        self._last: tuple[float, bytes] | None = None

    def get(self) -> bytes:
        with self._lock:
            last = self._last
            if last is not None and time.monotonic() - last[0] < self._max_age:
                return last[1]
            running = self._running
            leader = running is None
            if running is None:
                running = self._running = Future()
        if leader:
            self._lead(running)
        return running.result()

    def _lead(self, running: Future[bytes]) -> None:
        started = time.monotonic()
        try:
            body = self._render()
        except BaseException as exc:
            running.set_exception(exc)
            body = None
        with self._lock:
            self._running = None
            if body is not None:
                self._last = (started, body)
        if body is not None:
            running.set_result(body)


def _no_packet_yet() -> Response:
    return error(503, "no packet rendered yet", (("Retry-After", RETRY_AFTER_SECONDS),))


def _packet_response(request: Request, stored: StoredPacket) -> Response:
    etag = etag_of(stored)
    headers = (("ETag", etag), ("Cache-Control", "no-cache"))
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(304, b"", JSON, headers)
    return Response(200, stored.body, JSON, headers)


def parse_latency_body(body: bytes) -> tuple[str, float]:
    """``{"suite": "<id>", "seconds": <number>}``; ValueError naming what is wrong."""
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(
            'body must be JSON: {"suite": "<suite id>", "seconds": <number>}'
        ) from None
    if not isinstance(obj, Mapping):
        raise ValueError("body must be a JSON object")
    unknown = sorted(set(obj) - {"suite", "seconds"})
    if unknown:
        raise ValueError(f"unknown key(s): {', '.join(unknown)}")
    suite, seconds = obj.get("suite"), obj.get("seconds")
    if not isinstance(suite, str) or not suite:
        raise ValueError("suite must be a suite id (a non-empty string)")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError("seconds must be a number")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("seconds must be a finite number >= 0 (0 clears the fault)")
    return suite, float(seconds)
