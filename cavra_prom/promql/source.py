"""Where a PromQL evaluation reads from, and the credentials to get in, kept out of every output.

A :class:`PrometheusSource` names the server and *where* its secrets are (a token file, an
environment variable, a password file), never the secrets themselves, so the object can be
logged, compared and kept for the life of ``cavra serve``. Secrets are read at each
evaluation: a rotated token file (a Kubernetes projected token, say) is picked up without a
restart. :func:`source_problems` checks a source before use, so the CLI can refuse a bad flag
with exit 2 instead of discovering it mid-evaluation.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

_HEADER_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SENSITIVE_HEADER_WORDS: Final = ("authorization", "cookie", "token", "key", "secret", "passw")
REDACTED: Final = "<redacted>"


@dataclass(frozen=True)
class PrometheusSource:
    """A Prometheus-API-compatible server (Prometheus, Thanos Query, Mimir, VictoriaMetrics).

    ``url`` may carry a path prefix (``http://host/prometheus``); queries go to
    ``<url>/api/v1/query``. ``headers`` are sent with every request (``X-Scope-OrgID`` for a
    tenant). A bearer token comes from ``bearer_token_file`` or ``bearer_token_env``; basic
    auth from ``basic_auth_user`` and ``basic_auth_password_file``; ``ca_file`` verifies TLS.
    """

    url: str
    timeout_seconds: float = 10.0
    retries: int = 2
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    bearer_token_file: str | None = None
    bearer_token_env: str | None = None
    basic_auth_user: str | None = None
    basic_auth_password_file: str | None = None
    ca_file: str | None = None

    @property
    def display_url(self) -> str:
        """The URL without user info, query or fragment: safe for packets, logs and errors."""
        return base_url(self.url)

    def __repr__(self) -> str:
        # Header values may be secrets (an API key header); the URL may carry user:password.
        return f"PrometheusSource({self.display_url!r}, headers={sorted(self.headers)!r})"


@dataclass(frozen=True)
class Credentials:
    """Secrets read for one evaluation, and every string that must never be shown."""

    headers: dict[str, str]
    auth: tuple[str, str] | None
    secrets: tuple[str, ...]


class CredentialsError(Exception):
    """A token or password could not be read; the message names the file or variable only."""


def base_url(url: str) -> str:
    """``scheme://host[:port][/prefix]`` of ``url``: no user info, query, fragment or end slash."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SENSITIVE_HEADER_WORDS)


SettingProblem = tuple[str, str]
"""``(field of PrometheusSource, what is wrong)``: the CLI names the flag, a library the field."""


def source_problems(source: PrometheusSource) -> list[SettingProblem]:
    """Everything wrong with a source's settings (empty when it can be used)."""
    problems = [("url", p) for p in _url_problems(source.url)]
    if not source.timeout_seconds > 0:
        problems.append(("timeout_seconds", f"must be > 0 seconds, got {source.timeout_seconds!r}"))
    if source.retries < 0:
        problems.append(("retries", f"must be >= 0, got {source.retries!r}"))
    for name, value in source.headers.items():
        if not _HEADER_NAME.fullmatch(name):
            problems.append(("headers", f"{name!r} is not a valid HTTP header name"))
        if "\r" in value or "\n" in value:
            problems.append(("headers", f"header {name} has a line break in its value"))
    problems += _auth_problems(source)
    return problems


def _url_problems(url: str) -> list[str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        shown = repr(url.strip().rsplit("@", maxsplit=1)[-1][:80])  # never the user info
        return [f"{shown} must start with http:// or https://"]
    shown = base_url(url)
    problems = []
    if not parts.hostname:
        problems.append(f"{shown} has no host")
    try:
        _ = parts.port
    except ValueError:
        problems.append(f"{shown} has an invalid port")
    if parts.query or parts.fragment:
        problems.append(
            f"{shown}: a query or fragment is not allowed; pass tenant and auth settings as "
            "headers or auth options"
        )
    return problems


def _auth_problems(source: PrometheusSource) -> list[SettingProblem]:
    problems: list[SettingProblem] = []
    token = source.bearer_token_file or source.bearer_token_env
    if source.bearer_token_file and source.bearer_token_env:
        problems.append(("bearer_token_file", "give a token file or a token variable, not both"))
    basic = source.basic_auth_user is not None, source.basic_auth_password_file is not None
    if any(basic) and not all(basic):
        problems.append(("basic_auth_user", "basic auth needs both a user and a password file"))
    if all(basic) and token:
        problems.append(("basic_auth_user", "use basic auth or a bearer token, not both"))
    if urlsplit(source.url.strip()).username is not None and (token or all(basic)):
        problems.append(("url", "user info in the URL conflicts with the other auth options"))
    if token and any(n.lower() == "authorization" for n in source.headers):
        problems.append(("headers", "an Authorization header and a bearer token conflict"))
    for key, label, path in (
        ("bearer_token_file", "bearer token file", source.bearer_token_file),
        ("basic_auth_password_file", "password file", source.basic_auth_password_file),
        ("ca_file", "CA file", source.ca_file),
    ):
        if path is not None and not os.path.isfile(path):
            problems.append((key, f"{label} {path} does not exist or is not a file"))
    if source.bearer_token_env is not None and not os.environ.get(source.bearer_token_env):
        problems.append(
            ("bearer_token_env", f"environment variable {source.bearer_token_env} is not set")
        )
    return problems


def _read_secret(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise CredentialsError(f"cannot read the {what} {path}: {reason}") from None
    if not value:
        raise CredentialsError(f"the {what} {path} is empty")
    return value


def load_credentials(source: PrometheusSource) -> Credentials:
    """Read the source's secrets now; raises :class:`CredentialsError` naming what failed."""
    headers = dict(source.headers)
    secrets = [v for k, v in headers.items() if is_sensitive_header(k) and v]
    userinfo = urlsplit(source.url.strip())
    if userinfo.password:
        secrets.append(userinfo.password)
    auth: tuple[str, str] | None = None
    token: str | None = None
    if source.bearer_token_file:
        token = _read_secret(source.bearer_token_file, "bearer token file")
    elif source.bearer_token_env:
        token = os.environ.get(source.bearer_token_env, "").strip()
        if not token:
            raise CredentialsError(f"environment variable {source.bearer_token_env} is empty")
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
        secrets.append(token)
    if source.basic_auth_user is not None and source.basic_auth_password_file is not None:
        password = _read_secret(source.basic_auth_password_file, "basic auth password file")
        auth = (source.basic_auth_user, password)
        secrets.append(password)
    elif userinfo.username is not None:
        auth = (userinfo.username, userinfo.password or "")
    if auth is not None and auth[1]:
        # What an Authorization: Basic header carries, in case a server echoes it back.
        secrets.append(base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii"))
    return Credentials(headers=headers, auth=auth, secrets=tuple(s for s in secrets if s))


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret (longest first) replaced, so no message can leak one."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
