"""Resolve ``module:callable`` references written in a spec (targets, setup, generators).

Resolution happens at load time, so an unknown module or a misspelt function is one clear line
with the spec path and exit 2, not a traceback half-way through a benchmark. Importing runs the
module's top-level code: a spec names code the user trusts, like a pytest plugin does.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

_REF: Final = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


class PyRefError(Exception):
    """A reference cannot be resolved; the text says why in one line."""


def add_python_path(directories: Sequence[str]) -> None:
    """Put ``directories`` first on ``sys.path`` (once each), so user modules import."""
    for directory in reversed(directories):
        if directory not in sys.path:
            sys.path.insert(0, directory)


def resolve(reference: str) -> Callable[..., Any]:
    """The callable ``module:attr.path`` names. Raises :class:`PyRefError`."""
    if not _REF.fullmatch(reference):
        raise PyRefError(f"must look like 'package.module:function', got {reference!r}")
    module_name, attribute_path = reference.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise PyRefError(f"cannot import module {module_name!r}: {exc}") from None
    except Exception as exc:  # the user's module failed while importing
        raise PyRefError(
            f"importing module {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from None
    target: object = module
    for part in attribute_path.split("."):
        if not hasattr(target, part):
            raise PyRefError(f"module {module_name!r} has no attribute {attribute_path!r}")
        target = getattr(target, part)
    if not callable(target):
        raise PyRefError(f"{reference!r} is not callable")
    return target


def is_async_callable(function: Callable[..., Any]) -> bool:
    """True for ``async def`` functions and objects whose ``__call__`` is ``async def``."""
    if inspect.iscoroutinefunction(function):
        return True
    call = getattr(function, "__call__", None)  # noqa: B004 - we need the method itself
    return call is not None and inspect.iscoroutinefunction(call)
