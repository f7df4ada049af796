"""Read untrusted YAML values one field at a time, collecting every problem on the way.

The loader must report *every* problem in a spec at once, each at its path inside the file
(``suites[0].slo.p95_latency_ms_max``). So nothing here raises on bad input: a getter records a
:class:`~cavra_prom.errors.Problem` in the :class:`Report` and returns ``None``, and the caller
carries on with the next field. The spec is only built when the report has no errors, so a
``None`` standing in for a bad value never reaches the model.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final

from cavra_prom.errors import Problem


@dataclass
class Report:
    """Errors and warnings found in one source, in the order they were found."""

    source: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(self.source, path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(self.source, path, message))


def child(path: str, key: str) -> str:
    """The path of ``key`` inside the mapping at ``path`` (top-level keys have no prefix)."""
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    """The path of element ``index`` of the list at ``path``."""
    return f"{path}[{index}]"


def suggest(word: str, choices: Collection[str]) -> str | None:
    """The closest known word to a misspelt one, if any is close enough to be a likely typo.

    A key written without its unit (``duration`` for ``duration_seconds``) is the commonest
    slip, so a known word that extends the given one wins over plain similarity.
    """
    extended = [choice for choice in choices if choice.startswith(word + "_")]
    if len(extended) == 1:
        return extended[0]
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def quote(text: str, limit: int = 60) -> str:
    """A string as it should appear in a message: quoted, escaped and cut short if long."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return repr(shown)


def show_number(value: int | float, *, as_written: bool = False) -> str:
    """A number written so YAML reads it back as that number (YAML 1.1 needs ``1.0e+3``).

    Whole floats are shortened (``50`` rather than ``50.0``) unless ``as_written`` asks to
    show what the user wrote, e.g. when explaining that ``4.0`` is not an integer.
    """
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a very large integer"
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value)) + (".0" if as_written else "")
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}e{exponent}"
    return text


def describe(value: object) -> str:
    """What a value is, for "got ..." in messages.

    Containers are named by type only: their text could be huge or even refer to itself
    (YAML anchors), and the user can see it at the path anyway.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean (" + ("true" if value else "false") + ")"
    if isinstance(value, str):
        return "the string " + quote(value)
    if isinstance(value, int | float):
        return "the number " + show_number(value, as_written=True)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} value"


def choice_message(value: str, choices: Collection[str]) -> str:
    """Why a word is not one of the allowed words, with a did-you-mean where one fits."""
    message = f"must be one of {', '.join(choices)}; got {quote(value)}"
    guess = suggest(value, choices)
    return f"{message}, did you mean {guess!r}?" if guess else message


def unknown_key_message(key: str, allowed: Collection[str]) -> str:
    guess = suggest(key, allowed)
    if guess:
        return f"unknown key {quote(key)}, did you mean {guess!r}?"
    return f"unknown key {quote(key)} (allowed: {', '.join(allowed)})"


# --- units -------------------------------------------------------------------------------
# Keys carry their unit in their name; a value written with a unit ("50ms") is a string to
# YAML. The message names the key's unit and, where it can, the number to write instead.

_UNIT_SECONDS: Final[dict[str, float]] = {
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "msec": 1e-3,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
}
_RATE_UNITS: Final = frozenset({"/s", "/sec", "/second", "rps", "ops/s", "per_second", "hz"})
_WITH_UNIT: Final = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*?)\s*")


@dataclass(frozen=True)
class KeyUnit:
    """The unit a key's name declares: its noun for messages and its size in seconds."""

    noun: str
    seconds: float | None


def key_unit(key: str) -> KeyUnit | None:
    """The unit declared by a key name such as ``p95_latency_ms_max`` or ``rto_minutes``."""
    words = key.split("_")
    if "per" in words and "second" in words:
        return KeyUnit("operations per second", None)
    for word, unit in (("ms", "milliseconds"), ("seconds", "seconds"), ("minutes", "minutes")):
        if word in words:
            return KeyUnit(unit, _UNIT_SECONDS[unit])
    return None


def _converted(number: float, written_unit: str, unit: KeyUnit) -> float | None:
    """``number`` of ``written_unit`` expressed in the key's unit, when both are known."""
    written = written_unit.lower().replace(" ", "")
    if unit.seconds is None:
        return number if written in _RATE_UNITS else None
    factor = _UNIT_SECONDS.get(written)
    if factor is None:
        return None
    return round(number * factor / unit.seconds, 9)


def string_for_number_message(text: str, key: str) -> str:
    """Why a string is not accepted where a number is, and what to write instead."""
    unit = key_unit(key)
    wanted = f"a number of {unit.noun}" if unit else "a number"
    got = f"must be {wanted}, not the string {quote(text)}"
    try:
        plain = float(text)
    except ValueError:
        plain = None
    if plain is not None and math.isfinite(plain):
        return f"{got}: write {show_number(plain)} without quotes"
    match = _WITH_UNIT.fullmatch(text)
    if match is None or unit is None:
        return got
    value = _converted(float(match.group(1)), match.group(2), unit)
    if value is None:
        return f"{got}: the unit is in the key's name"
    return f"{got}: the unit is in the key's name, write {show_number(value)}"


# --- reading a mapping -------------------------------------------------------------------


class _Invalid(Exception):
    """A value was rejected; the text says why. Never leaves this module."""


def _to_number(value: object, key: str) -> float:
    if isinstance(value, str):
        raise _Invalid(string_for_number_message(value, key))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"must be a number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise _Invalid("is too large") from None
    if not math.isfinite(number):
        raise _Invalid(f"must be a finite number, got {show_number(number)}")
    return number


def _to_integer(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        raise _Invalid(f"must be an integer, not the string {quote(value)}: remove the quotes")
    raise _Invalid(f"must be an integer, got {describe(value)}")


def _check_range(number: float, gt: float | None, ge: float | None, le: float | None) -> None:
    if ge is not None and le is not None:
        if not ge <= number <= le:
            raise _Invalid(f"must be between {show_number(ge)} and {show_number(le)}")
    elif gt is not None and not number > gt:
        raise _Invalid(f"must be > {show_number(gt)}")
    elif ge is not None and not number >= ge:
        raise _Invalid(f"must be >= {show_number(ge)}")
    elif le is not None and ge is None and not number <= le:
        raise _Invalid(f"must be <= {show_number(le)}")


def to_string(value: object, nonempty: bool = False) -> str:
    """``value`` if it is a string (non-blank when asked), else raise with the reason."""
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off/true/false unquoted as booleans
        raise _Invalid(f"must be a string, got {describe(value)}: put the word in quotes")
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, got {describe(value)}")
    if nonempty and not value.strip():
        raise _Invalid("must not be empty")
    return value


class Section:
    """One YAML mapping being read: typed getters that record problems instead of raising.

    ``allowed`` lists the keys the mapping may hold; others are reported (with a
    did-you-mean) when the section is opened. ``None`` leaves the mapping open, for parts whose
    keys depend on another value (a target's options depend on its kind).
    """

    def __init__(
        self,
        report: Report,
        values: dict[str, object],
        path: str,
        allowed: Collection[str] | None,
    ) -> None:
        self.report = report
        self.values = values
        self.path = path
        self.allowed = allowed

    @classmethod
    def read(
        cls, report: Report, value: object, path: str, allowed: Collection[str] | None
    ) -> Section | None:
        """Open a mapping; ``None`` (after recording why) if ``value`` is not one."""
        if not isinstance(value, dict):
            report.error(path, f"must be a mapping, got {describe(value)}")
            return None
        values: dict[str, object] = {}
        for key, inner in value.items():
            if not isinstance(key, str):
                report.error(path, f"keys must be strings, got {describe(key)}")
            elif allowed is not None and key not in allowed:
                report.error(path, unknown_key_message(key, allowed))
            else:
                values[key] = inner
        return cls(report, values, path, allowed)

    def has(self, key: str) -> bool:
        return key in self.values

    def at(self, key: str) -> str:
        return child(self.path, key)

    def error(self, key: str, message: str) -> None:
        """Record a problem with one key of this mapping (or the mapping itself if key is '')."""
        self.report.error(self.at(key) if key else self.path, message)

    def missing(self, key: str, reason: str = "is required") -> None:
        """Record that a required key is absent; in an open mapping, point at a likely typo."""
        guess = suggest(key, self.values) if self.allowed is None else None
        hint = f" (is {guess!r} a misspelling of it?)" if guess else ""
        self.error(key, reason + hint)

    def _fetch(self, key: str, required: bool) -> tuple[bool, object]:
        if key in self.values:
            return True, self.values[key]
        if required:
            self.missing(key)
        return False, None

    def number(
        self,
        key: str,
        *,
        default: float | None = None,
        required: bool = False,
        gt: float | None = None,
        ge: float | None = None,
        le: float | None = None,
    ) -> float | None:
        """A finite int or float (never a bool) within the given bounds, as a float."""
        present, value = self._fetch(key, required)
        if not present:
            return default
        try:
            number = _to_number(value, key)
            _check_range(number, gt, ge, le)
        except _Invalid as exc:
            self.error(key, str(exc))
            return None
        return number

    def integer(
        self,
        key: str,
        *,
        default: int | None = None,
        required: bool = False,
        ge: int | None = None,
    ) -> int | None:
        """An int (never a bool or a float such as 4.0), at least ``ge`` when given."""
        present, value = self._fetch(key, required)
        if not present:
            return default
        try:
            number = _to_integer(value)
            _check_range(number, None, ge, None)
        except _Invalid as exc:
            self.error(key, str(exc))
            return None
        return number

    def string(
        self,
        key: str,
        *,
        default: str | None = None,
        required: bool = False,
        choices: Collection[str] | None = None,
        nonempty: bool = False,
    ) -> str | None:
        """A string, non-blank and/or one of ``choices`` when asked."""
        present, value = self._fetch(key, required)
        if not present:
            return default
        try:
            text = to_string(value, nonempty)
            if choices is not None and text not in choices:
                raise _Invalid(choice_message(text, choices))
        except _Invalid as exc:
            self.error(key, str(exc))
            return None
        return text

    def boolean(self, key: str, *, default: bool) -> bool | None:
        """``true`` or ``false`` (YAML 1.1 also reads yes/no/on/off as booleans)."""
        present, value = self._fetch(key, False)
        if not present:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            self.error(
                key, f"must be true or false, not the string {quote(value)}: remove the quotes"
            )
        else:
            self.error(key, f"must be true or false, got {describe(value)}")
        return None

    def section(
        self, key: str, allowed: Collection[str] | None, *, required: bool = False
    ) -> Section | None:
        """A nested mapping; an empty one when absent, so the caller's defaults apply."""
        present, value = self._fetch(key, required)
        if not present:
            return None if required else Section(self.report, {}, self.at(key), allowed)
        return Section.read(self.report, value, self.at(key), allowed)

    def sequence(self, key: str, *, required: bool = False) -> list[tuple[str, object]] | None:
        """A list's elements, each with its path; empty when absent, ``None`` if not a list."""
        present, value = self._fetch(key, required)
        if not present:
            return None if required else []
        if not isinstance(value, list):
            self.error(key, f"must be a list, got {describe(value)}")
            return None
        return [(item(self.at(key), index), element) for index, element in enumerate(value)]

    def strings(self, key: str, *, nonempty: bool = True) -> list[tuple[str, str]] | None:
        """A list of strings, each with its path; bad elements are recorded and skipped."""
        elements = self.sequence(key)
        if elements is None:
            return None
        result: list[tuple[str, str]] = []
        for path, element in elements:
            try:
                result.append((path, to_string(element, nonempty)))
            except _Invalid as exc:
                self.report.error(path, str(exc))
        return result
