"""``kind: python``: benchmark a function of the user's own, sync or async.

A sync callable runs on the runner's worker threads (one payload stream per worker). An async
callable runs on a private event loop (:mod:`cavra_prom.loadgen`) with ``concurrency``
coroutines, or at a fixed rate in open loop, the way an async service would call it. Setup and
teardown run once around the suite, on the same loop for async code, so clients they create
belong to the loop that uses them.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from cavra_prom.cases import Payloads, cycling, generated, load_cases, worker_rng
from cavra_prom.errors import TargetError
from cavra_prom.loadgen import AsyncOperation, LoopThread, drive_phase
from cavra_prom.phase import ErrorSink, PhaseOutcome, PhasePlan
from cavra_prom.pyref import PyRefError, add_python_path, resolve
from cavra_prom.spec.model import TargetSpec
from cavra_prom.spec.model_targets import CONFIG_KEY, PythonTargetConfig

PayloadFactory = Callable[[int, int], Payloads | None]
"""(worker index, seed) -> that worker's payload stream, or None when the call takes none."""


def _resolve(reference: str) -> Callable[..., Any]:
    try:
        return resolve(reference)
    except PyRefError as exc:
        raise TargetError(str(exc)) from None


def _payloads(config: PythonTargetConfig) -> PayloadFactory:
    cases = config.cases
    if cases is None:
        return lambda _worker, _seed: None
    if cases.file is not None:
        loaded = load_cases(cases.file)
        return lambda worker, seed: cycling(loaded, worker_rng(seed, worker))
    generator = _resolve(cases.generator or "")
    return lambda worker, seed: generated(generator, worker_rng(seed, worker))


def _hook(reference: str | None) -> Callable[..., Any] | None:
    return None if reference is None else _resolve(reference)


class SyncPythonTarget:
    """A plain function called from the runner's worker threads."""

    def __init__(self, config: PythonTargetConfig) -> None:
        add_python_path(config.python_path)
        self._call = _resolve(config.call)
        self._payloads = _payloads(config)
        self._teardown = _hook(config.teardown)
        setup = _hook(config.setup)
        if setup is not None:
            result = setup()
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        call, payloads = self._call, self._payloads(worker_index, seed)
        if payloads is None:
            return lambda: call() is not False
        return lambda: call(payloads()) is not False

    def close(self) -> None:
        teardown, self._teardown = self._teardown, None
        if teardown is not None:
            result = teardown()
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))


async def _awaited(result: Any) -> Any:
    return await result


async def _maybe_await(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


class AsyncPythonTarget:
    """An ``async def`` callable driven from one private event loop (a PhaseDriver)."""

    def __init__(self, config: PythonTargetConfig) -> None:
        add_python_path(config.python_path)
        self._call = _resolve(config.call)
        self._payloads = _payloads(config)
        self._teardown = _hook(config.teardown)
        self._loop = LoopThread("cavra-python-target")
        setup = _hook(config.setup)
        if setup is not None:
            try:
                self._loop.call(_maybe_await(setup()))
            except BaseException:
                self._loop.stop()
                raise

    def _operation(self, worker_index: int, seed: int) -> AsyncOperation:
        call, payloads = self._call, self._payloads(worker_index, seed)

        async def op() -> bool:
            result = await (call() if payloads is None else call(payloads()))
            return result is not False

        return op

    def run_phase(
        self,
        plan: PhasePlan,
        record: Callable[[float], None],
        on_error: ErrorSink,
        on_tick: Callable[[float], None],
    ) -> PhaseOutcome:
        ops = [self._operation(i, plan.seed) for i in range(plan.concurrency)]
        return drive_phase(self._loop, ops, plan, (record, on_error), on_tick)

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        op = self._operation(worker_index, seed)
        return lambda: self._loop.call(_maybe_await(op()))

    def close(self) -> None:
        teardown, self._teardown = self._teardown, None
        try:
            if teardown is not None:
                self._loop.call(_maybe_await(teardown()))
        finally:
            self._loop.stop()


def build_python_target(spec: TargetSpec, seed: int) -> SyncPythonTarget | AsyncPythonTarget:
    """The builder registered for ``kind: python``."""
    config = spec.options.get(CONFIG_KEY)
    if not isinstance(config, PythonTargetConfig):
        raise TargetError("a python target needs its validated config (load it from a spec)")
    return AsyncPythonTarget(config) if config.is_async else SyncPythonTarget(config)
