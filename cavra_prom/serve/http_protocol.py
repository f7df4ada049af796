"""HTTP/1.1 request heads, parsed strictly and within limits (pure functions, no I/O).

The service's server (:mod:`cavra_prom.serve.http`) only needs a small, predictable subset of
HTTP/1.1: a request line, header fields, an optional body with ``Content-Length``. Anything
outside that subset is refused with the status RFC 9110/9112 give for it, before the
endpoint ever sees it: a malformed line ``400``, an unsupported version ``505``, a request
line or header section too long ``414``/``431``, too many fields ``431``, a chunked body
``411``, a body above the limit ``413``, a method nobody implements ``501``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cavra_prom import __version__

MAX_REQUEST_LINE: Final = 8192
MAX_HEAD_BYTES: Final = 65536
MAX_HEADERS: Final = 100
MAX_BODY_BYTES: Final = 4096
KNOWN_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TARGET: Final = re.compile(r"/[\x21-\x7e]*")
REASONS: Final = {
    200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
    413: "Content Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}  # fmt: skip


class HttpError(Exception):
    """A request refused before routing; the connection is closed after the answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RequestHead:
    method: str
    target: str
    version: str
    headers: Mapping[str, str]  # names lower-cased; repeated fields joined with ", "

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def parse_head(line: bytes, fields: list[bytes]) -> RequestHead:
    """A request head from its request line and header field lines (CRLFs stripped)."""
    method, target, version = parse_request_line(line.decode("latin-1"))
    return RequestHead(method, target, version, parse_fields(fields))


def parse_request_line(line: str) -> tuple[str, str, str]:
    if len(line) > MAX_REQUEST_LINE:
        raise HttpError(414, f"request line longer than {MAX_REQUEST_LINE} bytes")
    parts = line.split(" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not _TARGET.fullmatch(parts[1]):
        raise HttpError(400, "malformed request line")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        if re.fullmatch(r"HTTP/\d\.\d", version):
            raise HttpError(505, f"{version} is not supported; use HTTP/1.1")
        raise HttpError(400, "malformed request line")
    if method not in KNOWN_METHODS:
        raise HttpError(501, f"method {method} is not implemented")
    return method, target, version


def parse_fields(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    if len(lines) > MAX_HEADERS:
        raise HttpError(431, f"more than {MAX_HEADERS} header fields")
    for raw in lines:
        name, colon, value = raw.decode("latin-1").partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise HttpError(400, "malformed header field")
        key, value = name.lower(), value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def body_length(head: RequestHead) -> int:
    """How many body bytes follow the head; HttpError when they may not be read."""
    if "transfer-encoding" in head.headers:
        raise HttpError(411, "send a Content-Length; chunked bodies are not accepted")
    text = head.headers.get("content-length", "0").strip()
    if not text.isdigit():
        raise HttpError(400, "Content-Length must be a non-negative integer")
    length = int(text)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, f"body larger than {MAX_BODY_BYTES} bytes")
    return length


def response_head(
    status: int,
    content_type: str,
    length: int | None,
    headers: tuple[tuple[str, str], ...],
    close: bool,
) -> bytes:
    """Status line and header section of a response, ready to write before the body.

    ``length`` None omits Content-Length (a 304 has no body and describes none).
    """
    lines = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
        f"Server: cavra-prom/{__version__}",
        f"Content-Type: {content_type}",
        *([] if length is None else [f"Content-Length: {length}"]),
        *(f"{name}: {value}" for name, value in headers),
    ]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
