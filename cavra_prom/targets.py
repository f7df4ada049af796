"""The runner's target protocol, and the built-in reference target.

A target turns a suite's ``target:`` section into per-worker operations. The runner only knows
this protocol, so Python, HTTP and command targets plug in without touching it: register a
builder in :data:`TARGET_BUILDERS` under the spec's ``kind``. The user kinds live in
``targets_python``, ``targets_http`` and ``targets_command``; a target may also implement
:class:`~cavra_prom.phase.PhaseDriver` to run whole phases on its own event loop.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from cavra_prom.errors import TargetError
from cavra_prom.runtime import REFERENCE_OPERATIONS, ReferenceRuntime, RuntimeConfig
from cavra_prom.spec.model import TargetSpec

Operation = Callable[[], bool]
"""One operation: returns True for ``ok``, False (or raises) for ``error``."""


class Target(Protocol):
    """What the runner drives. Implementations must be safe to call from several threads."""

    def operation_for_worker(self, worker_index: int, seed: int) -> Operation:
        """A callable for one worker; per-worker state (an RNG, a connection) lives in it."""
        ...

    def close(self) -> None:
        """Release what the target holds (runtimes, pools)."""
        ...


class ReferenceTarget:
    """Drives one operation of a fresh :class:`ReferenceRuntime` (one runtime per suite run)."""

    def __init__(self, operation: str, config: RuntimeConfig) -> None:
        if operation not in REFERENCE_OPERATIONS:
            known = ", ".join(REFERENCE_OPERATIONS)
            raise TargetError(f"unknown reference operation {operation!r}; known: {known}")
        self._operation = operation
        self._runtime = ReferenceRuntime(config)

    @property
    def runtime(self) -> ReferenceRuntime:
        return self._runtime

    def operation_for_worker(self, worker_index: int, seed: int) -> Operation:
        rng = random.Random(f"{seed}:{worker_index}")
        return self._runtime.make_operation(self._operation, rng)

    def close(self) -> None:
        """The reference runtime lives in memory; nothing to release."""


TargetBuilder = Callable[[TargetSpec, int], Target]


def _build_reference(spec: TargetSpec, seed: int) -> Target:
    if spec.operation is None:
        raise TargetError("a reference target needs an operation")
    return ReferenceTarget(spec.operation, RuntimeConfig(seed=seed))


def _build_python(spec: TargetSpec, seed: int) -> Target:
    from cavra_prom.targets_python import build_python_target  # imports user code on demand

    return build_python_target(spec, seed)


def _build_http(spec: TargetSpec, seed: int) -> Target:
    from cavra_prom.targets_http import build_http_target  # aiohttp only when it is used

    return build_http_target(spec, seed)


def _build_command(spec: TargetSpec, seed: int) -> Target:
    from cavra_prom.targets_command import build_command_target

    return build_command_target(spec, seed)


TARGET_BUILDERS: dict[str, TargetBuilder] = {
    "reference": _build_reference,
    "python": _build_python,
    "http": _build_http,
    "command": _build_command,
}


def build_target(spec: TargetSpec, seed: int) -> Target:
    """Build the target a suite names; unknown kinds are a typed error, not a KeyError."""
    builder = TARGET_BUILDERS.get(spec.kind)
    if builder is None:
        raise TargetError(
            f"unknown target kind {spec.kind!r}; known: {', '.join(sorted(TARGET_BUILDERS))}"
        )
    return builder(spec, seed)
