"""Readers shared by user targets and drill hooks: HTTP calls, commands, credentials, paths.

Everything here reads through :class:`~cavra_prom.spec._fields.Section`, recording problems
with their path instead of raising, like the rest of the spec reader. Relative paths are
resolved against the spec file's directory. Credentials are refused when written inline: a
spec names an environment variable or a file, and the loader checks that it exists.
"""

from __future__ import annotations

import os
import shutil
import socket
import urllib.parse
from collections.abc import Collection
from pathlib import Path
from typing import Final

from cavra_prom.credentials import secret_problem
from cavra_prom.spec._fields import Section, describe, quote, unknown_key_message
from cavra_prom.spec.model_targets import AuthKind, CommandCall, HttpAuth, HttpCall, SecretRef

HTTP_CALL_KEYS: Final = (
    "method",
    "url",
    "headers",
    "body",
    "expect_status",
    "timeout_seconds",
    "auth",
)
COMMAND_KEYS: Final = ("argv", "timeout_seconds", "ok_exit_codes", "cwd", "env")
AUTH_KINDS: Final = ("bearer", "basic", "header")
AUTH_KEYS: Final = (
    "type",
    "token_env",
    "token_file",
    "username",
    "password_env",
    "password_file",
    "header",
    "value_env",
    "value_file",
)
_INLINE_SECRETS: Final = ("token", "password", "value", "secret", "api_key")
_CREDENTIAL_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)
METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
REACH_TIMEOUT_SECONDS: Final = 2.0
_COMMAND: Final = CommandCall(argv=("true",))
_HTTP: Final = HttpCall(url="")


def base_dir(section: Section) -> Path:
    """The directory relative paths in a spec are read from: the spec file's, else the cwd."""
    source = Path(section.report.source)
    return source.parent.resolve() if source.is_file() else Path.cwd()


def check_keys(section: Section, allowed: Collection[str]) -> None:
    """Report keys of an open section (one opened with ``allowed=None``) that are not known."""
    for key in section.values:
        if key not in allowed:
            section.error("", unknown_key_message(key, allowed))


def local_path(section: Section, key: str, *, directory: bool = False) -> str | None:
    """An existing file (or directory), resolved against the spec's directory; None if absent."""
    text = section.string(key, nonempty=True)
    if text is None:
        return None
    path = (base_dir(section) / text).resolve()
    if directory and not path.is_dir():
        section.error(key, f"no such directory: {path}")
        return None
    if not directory and not path.is_file():
        section.error(key, f"no such file: {path}")
        return None
    return str(path)


def string_pairs(section: Section, key: str) -> tuple[tuple[str, str], ...] | None:
    """A mapping of strings (headers, environment), in the order written."""
    inner = section.section(key, None)
    if inner is None:
        return None
    pairs = []
    for name, value in inner.values.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            inner.error(name, f"must be a string, got {describe(value)}")
        else:
            pairs.append((name, str(value)))
    return tuple(pairs)


def int_list(
    section: Section, key: str, default: tuple[int, ...], low: int, high: int
) -> tuple[int, ...] | None:
    """One integer or a list of them, each within [low, high]."""
    if not section.has(key):
        return default
    raw = section.values[key]
    values = raw if isinstance(raw, list) else [raw]
    result = []
    for index, value in enumerate(values):
        where = f"{key}[{index}]" if isinstance(raw, list) else key
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            section.error(where, f"must be an integer from {low} to {high}, got {describe(value)}")
            return None
        result.append(value)
    if not result:
        section.error(key, "must list at least one value")
        return None
    return tuple(result)


# --- credentials -------------------------------------------------------------------------


def secret_ref(section: Section, prefix: str) -> SecretRef | None:
    """``<prefix>_env`` or ``<prefix>_file`` (exactly one), checked to exist now."""
    env_key, file_key = f"{prefix}_env", f"{prefix}_file"
    if section.has(env_key) == section.has(file_key):
        section.error("", f"give exactly one of {env_key} or {file_key}")
        return None
    if section.has(env_key):
        name = section.string(env_key, nonempty=True)
        ref = None if name is None else SecretRef(env=name)
        key = env_key
    else:
        path = section.string(file_key, nonempty=True)
        ref = None if path is None else SecretRef(file=str((base_dir(section) / path).resolve()))
        key = file_key
    if ref is None:
        return None
    problem = secret_problem(ref)
    if problem is not None:
        section.error(key, problem)
        return None
    return ref


def _refuse_inline(section: Section) -> bool:
    inline = [k for k in _INLINE_SECRETS if k in section.values]
    for key in inline:
        section.error(
            key,
            "a credential is never written in the spec: name an environment variable "
            "(<name>_env) or a file (<name>_file) instead",
        )
        del section.values[key]
    return not inline


def read_auth(call: Section) -> HttpAuth | None:
    """``auth: {type: bearer|basic|header, ...}``; None when absent or invalid."""
    if not call.has("auth"):
        return None
    auth = Section.read(call.report, call.values["auth"], call.at("auth"), None)
    if auth is None or not _refuse_inline(auth):
        return None
    check_keys(auth, AUTH_KEYS)
    kind = auth.string("type", required=True, choices=AUTH_KINDS)
    if kind == "bearer":
        secret = secret_ref(auth, "token")
        return None if secret is None else HttpAuth("bearer", secret)
    if kind == "basic":
        username = auth.string("username", required=True, nonempty=True)
        secret = secret_ref(auth, "password")
        return None if secret is None or username is None else HttpAuth("basic", secret, username)
    if kind == "header":
        header = auth.string("header", required=True, nonempty=True)
        secret = secret_ref(auth, "value")
        if secret is None or header is None:
            return None
        chosen: AuthKind = "header"
        return HttpAuth(chosen, secret, header=header)
    return None


# --- HTTP --------------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an HTTP target, or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"must be an http:// or https:// URL, got {quote(url)}"
    if not parts.hostname:
        return f"has no host: {quote(url)}"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials (user:password@); use auth with an env var or file"
    if port == 0:
        return "has port 0"
    return None


def reach_problem(url: str, timeout: float = REACH_TIMEOUT_SECONDS) -> str | None:
    """Why nothing accepts TCP connections at ``url``'s host and port, or None."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (
            f"is unreachable: cannot connect to {host}:{port} ({reason}); start the service, "
            "or set check_reachable: false"
        )


def _headers(call: Section) -> tuple[tuple[str, str], ...] | None:
    headers = string_pairs(call, "headers")
    if headers is None:
        return None
    for name, _ in headers:
        if name.lower() in _CREDENTIAL_HEADERS:
            call.error(
                f"headers.{name}",
                "would put a credential in the spec: use auth (an env var or a file) instead",
            )
            return None
    return headers


def read_http_call(call: Section) -> HttpCall | None:
    """The request keys of an HTTP target or hook (the caller checks which keys are allowed)."""
    method = call.string("method", default=_HTTP.method)
    url = call.string("url", required=True, nonempty=True)
    if method is not None and method.upper() not in METHODS:
        call.error("method", f"must be one of {', '.join(METHODS)}; got {quote(method)}")
        method = None
    if url is not None and (problem := url_problem(url)) is not None:
        call.error("url", problem)
        url = None
    headers = _headers(call)
    body = call.string("body")
    expect = int_list(call, "expect_status", (), 100, 599)
    timeout = call.number("timeout_seconds", default=_HTTP.timeout_seconds, gt=0)
    auth = read_auth(call)
    if method is None or url is None or headers is None or expect is None or timeout is None:
        return None
    return HttpCall(url, method.upper(), headers, body, expect, timeout, auth)


# --- commands ----------------------------------------------------------------------------


def _executable(section: Section, program: str) -> str | None:
    """``argv[0]``: a path (resolved against the spec's directory) or a name found on PATH."""
    if os.sep in program or (os.altsep and os.altsep in program):
        path = (base_dir(section) / program).resolve()
        if not path.is_file():
            section.error("argv[0]", f"no such program: {path}")
            return None
        if not os.access(path, os.X_OK):
            section.error("argv[0]", f"is not executable: {path}")
            return None
        return str(path)
    if shutil.which(program) is None:
        section.error("argv[0]", f"program {quote(program)} is not found on PATH")
        return None
    return program


def _argv(section: Section) -> tuple[str, ...] | None:
    elements = section.strings("argv", nonempty=False)
    if elements is None:
        return None
    if not section.has("argv"):
        section.missing("argv")
        return None
    raw = section.values["argv"]
    if isinstance(raw, list) and len(elements) != len(raw):
        return None  # a bad element was reported
    if not elements:
        section.error("argv", "must list the program and its arguments")
        return None
    program = _executable(section, elements[0][1])
    return None if program is None else (program, *(arg for _, arg in elements[1:]))


def read_command_call(section: Section) -> CommandCall | None:
    """The keys of a command target or hook (argv, timeout_seconds, ok_exit_codes, cwd, env)."""
    argv = _argv(section)
    timeout = section.number("timeout_seconds", default=_COMMAND.timeout_seconds, gt=0)
    codes = int_list(section, "ok_exit_codes", _COMMAND.ok_exit_codes, 0, 255)
    cwd = local_path(section, "cwd", directory=True) if section.has("cwd") else None
    env = string_pairs(section, "env")
    if argv is None or timeout is None or codes is None or env is None:
        return None
    if section.has("cwd") and cwd is None:
        return None
    return CommandCall(argv, timeout, codes, cwd, env)
