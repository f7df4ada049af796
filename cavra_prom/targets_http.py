"""``kind: http``: drive the user's HTTP service from one event loop, pooled connections.

Each phase runs on the target's private loop (:mod:`cavra_prom.loadgen`): closed loop with
``concurrency`` request chains, or open loop at a fixed rate with latency from the due time.
One ``aiohttp`` session (``pool_size`` keep-alive connections) serves every phase, so the
measured phase does not pay for connection set-up that warm-up already did. Credentials are
read from their env var or file when the target is built and live only in the session headers.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import aiohttp
from yarl import URL

from cavra_prom.cases import cycling, load_cases, worker_rng
from cavra_prom.errors import TargetError
from cavra_prom.http_call import display_url, new_session, request_headers, send
from cavra_prom.loadgen import AsyncOperation, LoopThread, drive_phase
from cavra_prom.phase import ErrorSink, PhaseOutcome, PhasePlan
from cavra_prom.pyref import PyRefError, resolve
from cavra_prom.spec.model import TargetSpec
from cavra_prom.spec.model_targets import CONFIG_KEY, HttpTargetConfig

BodySource = Callable[[random.Random], Callable[[], bytes | None]]


def _fill(template: string.Template, case: object) -> bytes:
    if not isinstance(case, dict):
        raise TargetError("an HTTP case must be a mapping of template values")
    try:
        return template.substitute({str(k): v for k, v in case.items()}).encode("utf-8")
    except (KeyError, ValueError) as exc:
        raise TargetError(f"a case cannot fill the body template: {exc}") from None


def _body_source(config: HttpTargetConfig) -> BodySource:
    """Per worker: the next body to send (fixed, from the cases file, or generated)."""
    body = config.request.body
    cases = config.cases
    if cases is None or body is None:
        fixed = None if body is None else body.encode("utf-8")
        return lambda _rng: lambda: fixed
    template = string.Template(body)
    if cases.file is not None:
        rendered = [_fill(template, case) for case in load_cases(cases.file)]
        return lambda rng: cycling(rendered, rng)
    try:
        generator = resolve(cases.generator or "")
    except PyRefError as exc:
        raise TargetError(str(exc)) from None
    return lambda rng: lambda: _fill(template, generator(rng))


class HttpTarget:
    """An HTTP service behind the runner's protocol; also a :class:`PhaseDriver`."""

    def __init__(self, config: HttpTargetConfig) -> None:
        self._config = config
        self._call = config.request
        self._headers = request_headers(config.request)
        self._bodies = _body_source(config)
        self._url = URL(config.request.url)
        self._where = display_url(config.request.url)
        self._loop = LoopThread("cavra-http-target")
        self._session: aiohttp.ClientSession | None = None

    async def _open(self) -> None:
        if self._session is None:
            self._session = new_session(self._call, self._headers, self._config.pool_size)

    def _operation(self, worker_index: int, seed: int) -> AsyncOperation:
        next_body = self._bodies(worker_rng(seed, worker_index))
        call, url, where = self._call, self._url, self._where

        async def op() -> bool:
            session = self._session
            if session is None:
                raise TargetError("the HTTP target is closed")
            await send(session, call, url, next_body(), where)
            return True

        return op

    def run_phase(
        self,
        plan: PhasePlan,
        record: Callable[[float], None],
        on_error: ErrorSink,
        on_tick: Callable[[float], None],
    ) -> PhaseOutcome:
        self._loop.call(self._open())
        ops = [self._operation(i, plan.seed) for i in range(plan.concurrency)]
        return drive_phase(self._loop, ops, plan, (record, on_error), on_tick)

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        """A blocking operation (for callers that drive threads): runs on the target's loop."""
        self._loop.call(self._open())
        op = self._operation(worker_index, seed)
        return lambda: self._loop.call(_as_coroutine(op))

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            self._loop.call(session.close())
        self._loop.stop()


async def _as_coroutine(op: AsyncOperation) -> bool:
    return await op()


def build_http_target(spec: TargetSpec, seed: int) -> HttpTarget:
    """The builder registered for ``kind: http`` (the seed reaches workers per phase)."""
    config = spec.options.get(CONFIG_KEY)
    if not isinstance(config, HttpTargetConfig):
        raise TargetError("an http target needs its validated config (load it from a spec)")
    return HttpTarget(config)
