"""Per-operation payloads for user targets: a file of cases, or a seeded generator.

A benchmark that sends the same request a million times measures a cache. Cases vary the
payload; a seed makes the variation repeatable, so two runs of one spec drive the same
sequence. Each worker (or each async operation slot) walks the cases from its own seeded
offset, so workers do not all hit the same case at once.

Case files are a JSON array (``.json``), JSON Lines (``.jsonl``, one value per line) or a YAML
list (``.yaml``/``.yml``). They are read when the spec is loaded (to report problems with their
path) and again when the target is built.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TypeVar

import yaml

T = TypeVar("T")
MAX_CASES_BYTES: Final = 64 * 1024 * 1024

Payloads = Callable[[], object]
"""Hands out the next payload of one worker."""


class CasesError(Exception):
    """A case file cannot be used; the text says why (one line, no path: callers add it)."""


def _parse(path: Path, text: str) -> object:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        values = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    values.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise CasesError(f"line {number} is not JSON: {exc.msg}") from None
        return values
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CasesError(f"is not JSON (line {exc.lineno}): {exc.msg}") from None
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CasesError(f"is not valid YAML: {str(exc).splitlines()[0]}") from None
    raise CasesError("must end in .json, .jsonl, .yaml or .yml")


def load_cases(path: str | Path) -> list[object]:
    """The cases in ``path``: a non-empty list. Raises :class:`CasesError` saying why not."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_CASES_BYTES:
            raise CasesError(f"is larger than {MAX_CASES_BYTES // (1024 * 1024)} MiB")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CasesError("no such file") from None
    except UnicodeDecodeError:
        raise CasesError("is not UTF-8 text") from None
    except OSError as exc:
        raise CasesError(f"cannot be read: {exc.strerror or exc}") from None
    values = _parse(file, text)
    if not isinstance(values, list):
        raise CasesError("must hold a list of cases")
    if not values:
        raise CasesError("holds no cases")
    return values


def worker_rng(seed: int, worker_index: int) -> random.Random:
    """The RNG of one worker: the same for the same seed and worker, different across workers."""
    return random.Random(f"{seed}:{worker_index}")


def cycling(cases: Sequence[T], rng: random.Random) -> Callable[[], T]:
    """Walk ``cases`` in order from a seeded offset, wrapping around."""
    count = len(cases)
    position = rng.randrange(count)

    def next_case() -> T:
        nonlocal position
        case = cases[position]
        position = position + 1 if position + 1 < count else 0
        return case

    return next_case


def generated(generator: Callable[[random.Random], object], rng: random.Random) -> Payloads:
    """Call ``generator(rng)`` for each payload (the user's seeded generator)."""
    return lambda: generator(rng)
