"""Why a query failed, as one named reason: the words of ``cavra_evaluation_errors_total``.

``requests`` and ``urllib3`` report the same fault in several shapes: a read timeout is a
``ReadTimeout`` on the first try but a ``ConnectionError`` wrapping ``MaxRetryError`` wrapping
``ReadTimeoutError`` once retries are used up, and a body that stalls midway is a
``ConnectionError`` around a ``ReadTimeoutError`` again. :func:`fault_from_exception` walks the
chain and names the cause; it never copies an exception's text wholesale (it can hold a URL),
only short, known pieces such as ``Connection refused``.
"""

from __future__ import annotations

import re
import socket
from typing import Final, Protocol

import requests
import urllib3.exceptions

from cavra_prom import conventions as names
from cavra_prom.errors import EvaluationError

_ERRNO: Final = re.compile(r"\[Errno -?\d+\] ([A-Za-z][A-Za-z ,'-]{2,60})")


class FaultContext(Protocol):
    """What a fault message may name: the display URL, the limits, and the secrets to hide."""

    @property
    def url(self) -> str: ...
    @property
    def timeout_seconds(self) -> float: ...
    @property
    def retries(self) -> int: ...
    def detail(self, text: str) -> str: ...


class SourceFault(EvaluationError):
    """A query (or the whole source) could not give a trusted result.

    ``reason`` is a word of ``conventions.EVALUATION_REASONS``; ``fatal`` means nothing from
    this source can be trusted in this evaluation (unreachable, timeout, garbage, 5xx ...),
    as opposed to one query's fault (a rejected PromQL expression).
    """

    def __init__(self, reason: str, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.fatal = fatal


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (args, ``reason``, cause, context), breadth first."""
    seen: list[BaseException] = []
    queue: list[BaseException] = [exc]
    while queue and len(seen) < 20:
        current = queue.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        reason = getattr(current, "reason", None)
        linked = [*current.args, reason, current.__cause__, current.__context__]
        queue += [e for e in linked if isinstance(e, BaseException)]
    return seen


def _is_timeout(chain: list[BaseException]) -> bool:
    """A timeout anywhere in the chain, but not a refused connection.

    urllib3 2 derives ``NewConnectionError`` (refused, no route, DNS failure) from
    ``ConnectTimeoutError`` for backwards compatibility, so it is ruled out first.
    """
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return False
    timeouts = (
        requests.exceptions.Timeout,
        urllib3.exceptions.TimeoutError,
        socket.timeout,
        TimeoutError,
    )
    return any(isinstance(e, timeouts) for e in chain)


def _os_reason(chain: list[BaseException]) -> str:
    """A short cause such as ``Connection refused``, read from errno text when present."""
    for exc in chain:
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        match = _ERRNO.search(str(exc))
        if match:
            return match.group(1).strip()
    return "connection failed"


def fault_from_exception(exc: BaseException, context: FaultContext) -> SourceFault:
    """Name the reason behind ``exc`` (see the module docstring); always fatal but bad_query."""
    if isinstance(exc, SourceFault):
        return exc
    chain = _chain(exc)
    for inner in chain:
        if isinstance(inner, SourceFault):  # raised by the response hook, wrapped on the way
            return inner
    tries = f"{context.retries + 1} attempt(s)"
    if _is_timeout(chain):
        return SourceFault(
            names.REASON_TIMEOUT,
            f"{context.url} did not answer within {context.timeout_seconds:g} s ({tries})",
            fatal=True,
        )
    if any(
        isinstance(e, requests.exceptions.SSLError | urllib3.exceptions.SSLError) for e in chain
    ):
        return SourceFault(
            names.REASON_TLS,
            f"TLS with {context.url} failed: check the CA file and the server certificate",
            fatal=True,
        )
    if any(isinstance(e, requests.exceptions.ConnectionError) for e in chain):
        return SourceFault(
            names.REASON_UNREACHABLE,
            f"cannot reach {context.url}: {context.detail(_os_reason(chain))} ({tries})",
            fatal=True,
        )
    return SourceFault(
        names.REASON_BAD_RESPONSE,
        f"{context.url} gave a response that could not be read ({type(exc).__name__})",
        fatal=True,
    )
