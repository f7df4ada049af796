"""Read a secret named by a spec (an environment variable or a file), and only then.

Specs, packets and logs may say *where* a credential comes from; none of them ever holds one.
The loader checks that the source exists (so a missing variable fails at load time with a
clear line) and the target reads the value when it is built, keeping it in memory only.
"""

from __future__ import annotations

import os
from pathlib import Path

from cavra_prom.errors import TargetError
from cavra_prom.spec.model_targets import SecretRef

MAX_SECRET_BYTES = 64 * 1024


def secret_problem(ref: SecretRef) -> str | None:
    """Why ``ref`` cannot be read right now, or None. Never returns the value."""
    try:
        read_secret(ref)
    except TargetError as exc:
        return str(exc)
    return None


def read_secret(ref: SecretRef) -> str:
    """The secret's value, without a trailing newline. Raises :class:`TargetError` if absent."""
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if not value:
            raise TargetError(f"environment variable {ref.env} is not set (or is empty)")
        return value
    if ref.file is None:
        raise TargetError("a credential needs an environment variable or a file")
    path = Path(ref.file)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_SECRET_BYTES + 1)
    except FileNotFoundError:
        raise TargetError(f"credential file {path} does not exist") from None
    except OSError as exc:
        raise TargetError(f"credential file {path} cannot be read: {exc.strerror}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise TargetError(f"credential file {path} is too large to be a credential")
    try:
        value = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise TargetError(f"credential file {path} is not UTF-8 text") from None
    if not value:
        raise TargetError(f"credential file {path} is empty")
    return value
