"""Typed errors raised by library code. Only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class CavraError(Exception):
    """Base class of every error cavra-prom raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file and path inside it) and what.

    ``path`` uses the dotted/indexed form users see in their editor, e.g.
    ``suites[0].slo.p95_latency_ms_max``.
    """

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"


class InputError(CavraError):
    """A bad input (spec, packet, flag). The CLI exits 2 and prints one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        super().__init__(str(problems[0]))


class SpecError(InputError):
    """The spec file (or the built-in spec with overrides) is invalid."""


class TargetError(CavraError):
    """A target could not be built or failed in a way that is not an operation error."""


class EvaluationError(CavraError):
    """The SLIs could not be evaluated (no data, source unreachable). The CLI exits 3."""
