"""The HTTP server of ``cavra serve``: one asyncio event loop on its own thread.

Why an event loop and not a thread per connection: the service shares one interpreter with
the suites' load-generating threads, and every thread that wants the interpreter lock queues
for it. Two hundred connection threads each queueing after every socket call made latency
grow with the number of clients; one loop thread takes the lock once and serves every
connection that is ready. A slow client therefore costs a buffer, not a thread, and never
delays anyone else. Endpoints that compute (``/metrics``, the Markdown summary, the packet
index and stored packets) run on a small thread pool so the loop keeps answering
``/packet/latest`` and ``/healthz`` meanwhile; ``/metrics`` renders are shared between
concurrent scrapers (:class:`cavra_prom.serve.endpoints.Coalesced`).

Limits, so no request can harm the process: the whole request head must arrive within
``TIMEOUT_SECONDS`` (a trickling client is cut off), as must the body; an idle keep-alive
connection is closed after the same time; the head and body sizes are bounded
(:mod:`cavra_prom.serve.http_protocol`); beyond ``MAX_CONNECTIONS`` a new connection gets
``503`` and is closed; the listen backlog is deep enough for hundreds of clients connecting at
once. A refused request is answered and its connection closed; an error inside an endpoint is
a ``500`` and a log line, never an exception in the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from cavra_prom.errors import InputError, Problem
from cavra_prom.serve.endpoints import App, Request, Response, error
from cavra_prom.serve.http_protocol import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    MAX_HEADERS,
    MAX_REQUEST_LINE,
    HttpError,
    RequestHead,
    body_length,
    parse_head,
    response_head,
)

LOG = logging.getLogger(__name__)

TIMEOUT_SECONDS: Final = 10.0
MAX_CONNECTIONS: Final = 1024
LISTEN_BACKLOG: Final = 1024
WORKER_THREADS: Final = 8
DEFAULT_LISTEN: Final = "127.0.0.1:9464"
_BUSY: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
    b"Connection: close\r\nRetry-After: 1\r\n\r\n"
)

__all__ = ["DEFAULT_LISTEN", "MAX_BODY_BYTES", "HttpServer", "parse_listen"]


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` -> (host, port); InputError naming the flag."""

    def bad(why: str) -> InputError:
        return InputError([Problem("--listen", "", f"{text!r}: {why}")])

    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise bad("expected HOST:PORT, e.g. 127.0.0.1:9464")
    host = host.removeprefix("[").removesuffix("]")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise bad("the port must be a number from 0 to 65535")
    return host, int(port_text)


async def read_head(reader: asyncio.StreamReader) -> RequestHead | None:
    """The next request head on a connection; None when the client closed it cleanly."""
    try:
        line = await reader.readuntil(b"\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise HttpError(400, "incomplete request line") from None
    except asyncio.LimitOverrunError:
        raise HttpError(414, f"request line longer than {MAX_REQUEST_LINE} bytes") from None
    fields: list[bytes] = []
    size = len(line)
    while True:
        try:
            raw = await reader.readuntil(b"\r\n")
        except asyncio.IncompleteReadError:
            raise HttpError(400, "incomplete request head") from None
        except asyncio.LimitOverrunError:
            raise HttpError(431, f"request head larger than {MAX_HEAD_BYTES} bytes") from None
        if raw == b"\r\n":
            return parse_head(line[:-2], fields)
        size += len(raw)
        fields.append(raw[:-2])
        if size > MAX_HEAD_BYTES or len(fields) > MAX_HEADERS:
            raise HttpError(431, "request head too large or too many header fields")


class HttpServer:
    """The service's endpoints (an :class:`App`) on ``address``; see the module docstring."""

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address = address
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._pool = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="cavra-http")
        self._thread = threading.Thread(target=self._run, name="cavra-http", daemon=True)
        self._ready = threading.Event()
        self._server: asyncio.Server | None = None
        self._bind_error: OSError | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.bound: tuple[str, int] = address

    @property
    def url(self) -> str:
        host, port = self.bound
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def start(self) -> None:
        """Bind and serve on a daemon thread; InputError when the address cannot be bound."""
        self._thread.start()
        self._ready.wait()
        if self._bind_error is not None:
            host, port = self.address
            why = self._bind_error.strerror or self._bind_error
            raise InputError([Problem("--listen", "", f"cannot listen on {host}:{port}: {why}")])

    def stop(self) -> None:
        """Stop listening, close every connection, end the loop thread."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._shutdown)
            self._thread.join(TIMEOUT_SECONDS)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        host, port = self.address
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_server(
                    self._connection, host, port, limit=MAX_HEAD_BYTES, backlog=LISTEN_BACKLOG
                )
            )
        except OSError as exc:
            self._bind_error = exc
            self._ready.set()
            self._loop.close()
            return
        bound = self._server.sockets[0].getsockname()
        self.bound = (str(bound[0]), int(bound[1]))
        self._ready.set()
        try:
            self._loop.run_forever()
            pending = asyncio.all_tasks(self._loop)  # connections still open: end them
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            self._loop.close()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections):
            writer.close()
        self._loop.stop()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= MAX_CONNECTIONS:
            writer.write(_BUSY)
            writer.close()
            return
        self._connections.add(writer)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, OSError):
            pass  # the client went away mid-answer
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One request and its answer; False when the connection must close."""
        try:
            head = await asyncio.wait_for(read_head(reader), TIMEOUT_SECONDS)
            if head is None:
                return False
            length = body_length(head)
            body = await asyncio.wait_for(reader.readexactly(length), TIMEOUT_SECONDS)
        except HttpError as exc:
            await self._write(writer, error(exc.status, exc.message), head_only=False, close=True)
            return False
        except (TimeoutError, asyncio.IncompleteReadError):
            return False  # idle, trickling or truncated: nothing useful to answer
        response = await self._respond(Request(head.method, head.path, head.headers, body))
        await self._write(
            writer, response, head_only=head.method == "HEAD", close=not head.keep_alive
        )
        return head.keep_alive

    async def _respond(self, request: Request) -> Response:
        try:
            if self.app.computes(request.path):
                return await self._loop.run_in_executor(self._pool, self.app.handle, request)
            return self.app.handle(request)
        except Exception:
            LOG.exception("endpoint %s %s failed", request.method, request.path)
            return error(500, "internal error; see the service log")

    @staticmethod
    async def _write(
        writer: asyncio.StreamWriter, response: Response, *, head_only: bool, close: bool
    ) -> None:
        no_body = head_only or response.status == 304
        length = None if response.status == 304 else len(response.body)
        head = response_head(
            response.status, response.content_type, length, response.headers, close
        )
        writer.write(head if no_body else head + response.body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
