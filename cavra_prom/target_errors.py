"""Why an operation failed, as a small fixed set of classes the runner counts.

A service owner reading "37 errors" wants to know at once whether the service answered badly
(``status``), did not answer in time (``timeout``), could not be reached (``connection``) or a
command exited non-zero (``exit_code``). Targets raise :class:`OperationError` subclasses that
carry their class; the runner's error sampler counts exceptions by :func:`error_class_of`, which
also classifies the standard library's own timeout and connection errors, so a Python target
that lets ``TimeoutError`` escape is counted right without wrapping anything.

The class set is closed and small on purpose: it becomes a label value in reports, and an
unbounded label (an HTTP status per value, an exception type per value) is a cardinality leak.
"""

from __future__ import annotations

import asyncio

from cavra_prom.conventions import (
    ERROR_CLASSES,
    ERROR_CONNECTION,
    ERROR_EXCEPTION,
    ERROR_EXIT_CODE,
    ERROR_FAILED,
    ERROR_PROTOCOL,
    ERROR_STATUS,
    ERROR_TIMEOUT,
)

__all__ = [
    "ERROR_CLASSES",
    "ERROR_CONNECTION",
    "ERROR_EXCEPTION",
    "ERROR_EXIT_CODE",
    "ERROR_FAILED",
    "ERROR_PROTOCOL",
    "ERROR_STATUS",
    "ERROR_TIMEOUT",
]


class OperationError(Exception):
    """An operation failed in a way its target understood; ``error_class`` says how."""

    error_class: str = ERROR_EXCEPTION


class OperationTimeout(OperationError):
    """No answer within the target's timeout."""

    error_class = ERROR_TIMEOUT


class OperationConnectionError(OperationError):
    """The system could not be reached (refused, reset, closed before answering)."""

    error_class = ERROR_CONNECTION


class OperationStatusError(OperationError):
    """The system answered, with a status the spec does not accept."""

    error_class = ERROR_STATUS

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OperationExitCode(OperationError):
    """A command ran and exited with a code the spec does not accept."""

    error_class = ERROR_EXIT_CODE

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class OperationProtocolError(OperationError):
    """The system answered with something that is not a valid response (bad framing, body)."""

    error_class = ERROR_PROTOCOL


def error_class_of(exc: BaseException) -> str:
    """The class an exception counts under (see module docstring)."""
    if isinstance(exc, OperationError):
        return exc.error_class
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ERROR_TIMEOUT
    if isinstance(exc, ConnectionError):
        return ERROR_CONNECTION
    return ERROR_EXCEPTION
