"""The validated model of user targets (python, http, command) and the calls hooks make.

These are what :mod:`cavra_prom.spec.validate_targets` produces from a suite's ``target:``
section; the built target reads nothing else. A :class:`~cavra_prom.spec.model.TargetSpec`
carries one of them under ``options["config"]``. Paths are resolved against the spec file's
directory at load time, so a spec behaves the same from any working directory.

Secrets are never part of the model: a :class:`SecretRef` names an environment variable or a
file, and the value is read only when the target is built. So a spec digest, a packet or a
log line can name where a credential comes from but never contain it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

CONFIG_KEY: Final = "config"
"""The key of :attr:`TargetSpec.options` that holds a user target's config object."""

AuthKind = Literal["bearer", "basic", "header"]


@dataclass(frozen=True)
class SecretRef:
    """Where a secret comes from: exactly one of an environment variable or a file."""

    env: str | None = None
    file: str | None = None

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"


@dataclass(frozen=True)
class HttpAuth:
    """Credentials for HTTP calls: ``Authorization: Bearer``, basic auth, or a named header."""

    kind: AuthKind
    secret: SecretRef
    username: str | None = None
    header: str | None = None


@dataclass(frozen=True)
class HttpCall:
    """One HTTP request and what counts as success.

    ``expect_status`` empty means any 2xx. ``body`` is a ``string.Template`` (``${name}``)
    filled from a case when the target has cases; a hook's body is sent as written.
    """

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    expect_status: tuple[int, ...] = ()
    timeout_seconds: float = 5.0
    auth: HttpAuth | None = None

    def accepts(self, status: int) -> bool:
        if self.expect_status:
            return status in self.expect_status
        return 200 <= status < 300


@dataclass(frozen=True)
class CommandCall:
    """One command run: argv (``argv[0]`` resolved at load time), limits and accepted codes."""

    argv: tuple[str, ...]
    timeout_seconds: float = 30.0
    ok_exit_codes: tuple[int, ...] = (0,)
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CasesSource:
    """Where per-operation payloads come from: a seeded generator, or a file of cases.

    ``generator`` is ``module:callable`` called as ``generator(rng)`` with a per-worker
    :class:`random.Random`; ``file`` is a JSON array, JSON Lines or YAML list. Exactly one set.
    """

    generator: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class PythonTargetConfig:
    """``kind: python``: ``call`` is ``module:callable``, sync or async.

    The callable gets one payload argument when ``cases`` is set, none otherwise; it fails an
    operation by raising or by returning exactly ``False``. ``setup``/``teardown`` run once
    around the suite (sync or async, no arguments). ``python_path`` entries are prepended to
    ``sys.path`` before importing.
    """

    call: str
    is_async: bool
    setup: str | None = None
    teardown: str | None = None
    cases: CasesSource | None = None
    python_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpTargetConfig:
    """``kind: http``: one request per operation on a shared pool of ``pool_size`` connections."""

    request: HttpCall
    cases: CasesSource | None = None
    pool_size: int = 100


@dataclass(frozen=True)
class CommandTargetConfig:
    """``kind: command``: one run of ``command`` is one operation; its exit code the outcome."""

    command: CommandCall
