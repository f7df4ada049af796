"""The JSON Schemas shipped in the package: the packet (v1 and v2), the report, the result.

The schemas check shape (types, ranges, sizes) so that everything after them can read the
packet without guarding every access; meaning (digest, verdicts, live proof) is the checker's
job. They are package data (``cavra_prom/packet/schema/*.schema.json``) so release tooling can
validate a packet with any JSON Schema implementation, not only ours.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

PACKET_SCHEMA_FILE: Final = "readiness-packet.schema.json"
RESULT_SCHEMA_FILE: Final = "readiness-result.schema.json"
MAX_REPORTED: Final = 5
_MESSAGE_CHARS: Final = 160


def schema_text(name: str) -> str:
    """The text of one shipped schema (e.g. for ``docs/packet.md`` or external validators)."""
    return resources.files("cavra_prom.packet").joinpath("schema", name).read_text("utf-8")


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    Draft202012Validator.check_schema(loaded)
    return loaded


def _inline(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """Replace local ``$ref``s by the definitions they name (the schemas are not recursive).

    Same meaning, but the validator no longer resolves a reference at every array item (a
    packet's histograms have hundreds), which is most of the work otherwise.
    """
    if depth > 32:
        raise ValueError("schema references nest too deeply (a recursive schema?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline(defs[ref.removeprefix("#/$defs/")], defs, depth + 1)
            rest = {k: _inline(v, defs, depth) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target], **rest} if rest else target
        return {k: _inline(v, defs, depth) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs, depth) for item in node]
    return node


@functools.cache
def _validator(name: str, definition: str | None) -> Draft202012Validator:
    schema = _schema(name)
    defs = schema.get("$defs", {})
    root = {"$ref": f"#/$defs/{definition}"} if definition is not None else schema
    return Draft202012Validator(_inline(root, defs))


def packet_problems(packet: Any) -> list[str]:
    """Where a packet (v1 or v2) departs from the packet schema; empty when it conforms."""
    return _problems(_validator(PACKET_SCHEMA_FILE, None), packet)


def report_problems(report: Any, version: int) -> list[str]:
    """Where a benchmark report departs from the v1 or v2 report schema."""
    return _problems(_validator(PACKET_SCHEMA_FILE, f"report_v{version}"), report)


def result_problems(result: Any) -> list[str]:
    """Where a readiness result departs from its schema (used by tests and by the checker's
    own self-check)."""
    return _problems(_validator(RESULT_SCHEMA_FILE, None), result)


def _problems(validator: Draft202012Validator, instance: Any) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=relevance)
    return [_describe(e) for e in _deepest(errors)[:MAX_REPORTED]]


def _deepest(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """For if/then and oneOf failures, report the precise error inside, not the summary."""
    out: list[ValidationError] = []
    for error in errors:
        if error.context:
            out.extend(_deepest(sorted(error.context, key=relevance)[:1]))
        else:
            out.append(error)
    return out


def json_path(parts: Sequence[str | int]) -> str:
    """``benchmark_report.benchmark_suites[0].sample_count`` from path parts."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: ValidationError) -> str:
    message = error.message
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 3] + "..."
    where = json_path(list(error.absolute_path))
    return f"{where}: {message}" if where else message
