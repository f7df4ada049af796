"""A tiny governed-decision HTTP service to point cavra-prom at (loopback only).

It stands in for "your service" in the README's HTTP example and in the tests: every knob a
benchmark or a drill needs is real behaviour here, not a mock.

    python examples/demo_service.py --port 8080 [--delay-ms 5] [--failure-rate 0]

Endpoints:
  POST /decide        one decision: waits --delay-ms, fails with HTTP 500 at --failure-rate;
                      needs "Authorization: Bearer $DEMO_API_TOKEN" when that variable is set
  GET  /healthz       200 when ready; 503 while a fault is on and for --recovery-ms after it
  GET  /metrics       Prometheus metrics: demo_decisions_total{decision,audited},
                      demo_requests_total{code}, demo_actions_total{action} (from the
                      JSON body's "action", so a benchmark can see which cases it sent)
  POST /admin/fault   JSON {"fault": "audit_store_down" | "none", "delay_ms": n,
                      "failure_rate": r}: change the behaviour at run time (a drill's hook)

While ``audit_store_down`` is on, decisions cannot be audited: the service fails closed
(denies, HTTP 503) unless started with --unsafe, when it allows without an audit record, which
a drill's PromQL assertion ``sum(demo_decisions_total{decision="allow",audited="false"}) == 0``
catches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

FAULTS = ("none", "audit_store_down")
ACTIONS = ("read", "write", "delete", "approve")


@dataclass
class State:
    """The service's knobs, changed by flags at start and by /admin/fault at run time."""

    delay_seconds: float
    failure_rate: float
    recovery_seconds: float
    unsafe: bool
    fault: str = "none"
    ready_at: float = 0.0


class Service:
    def __init__(self, state: State, seed: int, token: str | None) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self.token = token
        self.registry = CollectorRegistry()
        self.decisions = Counter(
            "demo_decisions", "Decisions made.", ["decision", "audited"], registry=self.registry
        )
        self.requests = Counter(
            "demo_requests", "Decision requests by HTTP code.", ["code"], registry=self.registry
        )
        self.actions = Counter(
            "demo_actions", "Decision requests by action.", ["action"], registry=self.registry
        )
        for decision in ("allow", "deny"):
            for audited in ("true", "false"):
                self.decisions.labels(decision, audited)

    def _authorized(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        given = request.headers.get("Authorization", "")
        return secrets.compare_digest(given, f"Bearer {self.token}")

    def _count_action(self, body: bytes) -> None:
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if isinstance(payload, dict) and "action" in payload:
            action = payload["action"] if payload["action"] in ACTIONS else "other"
            self.actions.labels(action).inc()

    async def decide(self, request: web.Request) -> web.Response:
        self._count_action(await request.read())
        if not self._authorized(request):
            return self._answer(401, "unauthorized")
        state = self.state
        if state.delay_seconds > 0:
            await asyncio.sleep(state.delay_seconds)
        if self.rng.random() < state.failure_rate:
            return self._answer(500, "injected failure")
        decision = "allow" if self.rng.random() < 0.7 else "deny"
        if state.fault == "audit_store_down":
            if not state.unsafe:
                self.decisions.labels("deny", "false").inc()
                return self._answer(503, "deny: audit store unavailable, failing closed")
            self.decisions.labels(decision, "false").inc()
            return self._answer(200, f"{decision} (unaudited)")
        self.decisions.labels(decision, "true").inc()
        return self._answer(200, decision)

    def _answer(self, code: int, text: str) -> web.Response:
        self.requests.labels(str(code)).inc()
        return web.json_response({"result": text}, status=code)

    async def healthz(self, _request: web.Request) -> web.Response:
        state = self.state
        ready = state.fault == "none" and time.monotonic() >= state.ready_at
        return web.json_response({"ready": ready}, status=200 if ready else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def fault(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            fault = str(body.get("fault", self.state.fault))
            delay = float(body.get("delay_ms", self.state.delay_seconds * 1000)) / 1000
            rate = float(body.get("failure_rate", self.state.failure_rate))
        except (ValueError, AttributeError, TypeError):
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        if fault not in FAULTS or delay < 0 or not 0 <= rate <= 1:
            return web.json_response({"error": f"fault must be one of {FAULTS}"}, status=400)
        state = self.state
        if state.fault != "none" and fault == "none":
            state.ready_at = time.monotonic() + state.recovery_seconds
        state.fault, state.delay_seconds, state.failure_rate = fault, delay, rate
        return web.json_response({"fault": fault, "delay_ms": delay * 1000, "failure_rate": rate})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/decide", self.decide)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        app.router.add_post("/admin/fault", self.fault)
        return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--recovery-ms", type=float, default=300.0)
    parser.add_argument("--unsafe", action="store_true", help="allow unaudited decisions")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the demo service listens on loopback only")
    state = State(args.delay_ms / 1000, args.failure_rate, args.recovery_ms / 1000, args.unsafe)
    service = Service(state, args.seed, os.environ.get("DEMO_API_TOKEN") or None)
    print(f"demo service on http://{args.host}:{args.port}", flush=True)
    web.run_app(service.app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
