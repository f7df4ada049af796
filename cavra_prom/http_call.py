"""One HTTP request as cavra-prom sends it: headers with credentials, errors by class.

Shared by the HTTP target (many requests on one pooled session) and drill hooks (one request
now). Errors are raised as :mod:`cavra_prom.target_errors` classes with messages that name the
URL without its query string or credentials, so an error sample in a packet or a log cannot
leak a token that a user put in a query parameter.
"""

from __future__ import annotations

import asyncio
import base64
import urllib.parse

import aiohttp
from yarl import URL

from cavra_prom.credentials import read_secret
from cavra_prom.spec.model_targets import HttpCall
from cavra_prom.target_errors import (
    OperationConnectionError,
    OperationProtocolError,
    OperationStatusError,
    OperationTimeout,
)


def display_url(url: str) -> str:
    """``scheme://host:port/path``: what may appear in messages (no query, no userinfo)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def request_headers(call: HttpCall) -> dict[str, str]:
    """The call's headers plus its credential, read now from its env var or file."""
    headers = dict(call.headers)
    auth = call.auth
    if auth is None:
        return headers
    secret = read_secret(auth.secret)
    if auth.kind == "bearer":
        headers["Authorization"] = f"Bearer {secret}"
    elif auth.kind == "basic":
        token = base64.b64encode(f"{auth.username}:{secret}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    elif auth.header is not None:
        headers[auth.header] = secret
    return headers


def connection_message(exc: aiohttp.ClientConnectionError, where: str) -> str:
    """A connection failure named by kind and OS reason, never by the request's full URL."""
    reason = getattr(getattr(exc, "os_error", None), "strerror", None)
    return f"{type(exc).__name__} to {where}" + (f": {reason}" if reason else "")


async def send(
    session: aiohttp.ClientSession,
    call: HttpCall,
    target: str | URL,
    body: bytes | None,
    where: str,
) -> int:
    """Send one request, read the whole body, check the status; returns the status.

    ``target`` is the URL (a pre-parsed ``yarl.URL`` on the hot path); ``where`` is its
    :func:`display_url`. Raises an ``Operation*`` error classed timeout, connection, protocol
    or status.
    """
    try:
        response = await session.request(call.method, target, data=body)
        try:
            await response.read()
        finally:
            response.release()
    except TimeoutError:
        raise OperationTimeout(
            f"no response from {where} within {call.timeout_seconds:g}s"
        ) from None
    except aiohttp.ClientConnectionError as exc:
        raise OperationConnectionError(connection_message(exc, where)) from None
    except aiohttp.ClientError as exc:
        raise OperationProtocolError(f"{type(exc).__name__} from {where}") from None
    status = response.status
    if not call.accepts(status):
        raise OperationStatusError(status, f"HTTP {status} from {call.method} {where}")
    return status


def new_session(call: HttpCall, headers: dict[str, str], pool_size: int) -> aiohttp.ClientSession:
    """A session for ``call``: pooled connections, the call's timeout over each whole request.

    Must be created on the loop that will use it. Responses are not decompressed: a benchmark
    measures the service, not our inflate.
    """
    connector = aiohttp.TCPConnector(limit=pool_size, limit_per_host=0)
    return aiohttp.ClientSession(
        connector=connector,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=call.timeout_seconds),
        auto_decompress=False,
    )


async def _once(call: HttpCall, headers: dict[str, str]) -> int:
    body = None if call.body is None else call.body.encode("utf-8")
    async with new_session(call, headers, 1) as session:
        return await send(session, call, call.url, body, display_url(call.url))


def call_once(call: HttpCall) -> int:
    """Send ``call`` once, blocking (drill hooks). Raises ``Operation*`` errors or TargetError."""
    headers = request_headers(call)
    return asyncio.run(_once(call, headers))
