"""Load a ``cavra/v1`` spec file: bytes → text → YAML → validated :class:`Spec`.

Everything a user can get wrong comes back as :class:`~cavra_prom.errors.Problem` values,
all of them at once, never as a traceback: a missing or unreadable file, bytes that are not
UTF-8, YAML that does not parse, duplicate keys (which plain YAML silently resolves to the
last one), and every field-level problem. ``load_*`` raise :class:`SpecError` with the errors;
``validate_*`` return them beside the warnings for ``cavra spec validate``.

Only safe YAML construction is used (no Python object tags). A UTF-8 byte-order mark is
accepted and dropped, since common Windows editors write one; UTF-16/32 files are refused with
a message saying so.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cavra_prom.errors import Problem, SpecError
from cavra_prom.spec._fields import Report, child, item, quote
from cavra_prom.spec.model import Spec
from cavra_prom.spec.validate import add_warnings, build_spec

MAX_SPEC_BYTES: Final = 1024 * 1024
DEFAULT_SOURCE: Final = "<built-in default spec>"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_WIDE_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class SpecValidation:
    """The outcome of checking one spec: the model when valid, errors and warnings apart."""

    source: str
    spec: Spec | None
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


# --- public API --------------------------------------------------------------------------


def default_spec_text() -> str:
    """The packaged default spec, as written (``cavra spec defaults`` prints it)."""
    return resources.files("cavra_prom.spec").joinpath("default.yaml").read_text("utf-8")


def default_spec() -> Spec:
    """The built-in R6.1 spec, parsed and validated like any user file."""
    return load_spec_text(default_spec_text(), DEFAULT_SOURCE)


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and validate a spec file; raise :class:`SpecError` listing every problem."""
    return _spec_or_raise(validate_spec_file(path))


def load_spec_text(text: str, source: str) -> Spec:
    """Validate spec text; ``source`` names it in problems. Raises :class:`SpecError`."""
    return _spec_or_raise(validate_spec_text(text, source))


def validate_spec_file(path: str | os.PathLike[str]) -> SpecValidation:
    """Check a spec file without raising on bad input."""
    source = os.fspath(path)
    data = _read_file(Path(source), Report(source))
    if isinstance(data, Report):
        return _result(data, None)
    return validate_spec_bytes(data, source)


def validate_spec_bytes(data: bytes, source: str) -> SpecValidation:
    """Check a spec given as raw bytes (a file's content, stdin)."""
    report = Report(source)
    if len(data) > MAX_SPEC_BYTES:
        report.error("", f"is too large for a spec (over {MAX_SPEC_BYTES} bytes)")
        return _result(report, None)
    text = _decode(data, report)
    return _result(report, None) if text is None else validate_spec_text(text, source)


def validate_spec_text(text: str, source: str) -> SpecValidation:
    """Check spec text: parse errors, then every field; warnings only for a valid spec."""
    report = Report(source)
    document = _parse(text, report)
    # Duplicate keys are errors, but the rest of the document is still checked.
    spec = build_spec(document, report) if isinstance(document, dict) else None
    if spec is not None:
        add_warnings(spec, report)
    return _result(report, spec)


def _result(report: Report, spec: Spec | None) -> SpecValidation:
    return SpecValidation(report.source, spec, report.errors, report.warnings)


def _spec_or_raise(result: SpecValidation) -> Spec:
    if result.errors or result.spec is None:
        raise SpecError(result.errors or [Problem(result.source, "", "invalid spec")])
    return result.spec


# --- bytes and text ----------------------------------------------------------------------


def _read_file(path: Path, report: Report) -> bytes | Report:
    """The file's bytes (at most one byte past the size limit), or a report of why not."""
    try:
        if path.is_dir():
            report.error("", "is a directory, not a spec file")
            return report
        with path.open("rb") as stream:
            return stream.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        report.error("", "no such file")
    except PermissionError:
        report.error("", "cannot read the file: permission denied")
    except OSError as exc:
        report.error("", f"cannot read the file: {exc.strerror or exc}")
    return report


def _decode(data: bytes, report: Report) -> str | None:
    """UTF-8 text, with a leading byte-order mark dropped; ``None`` after recording why not."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            report.error("", f"is encoded as {encoding}; save it as UTF-8")
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        report.error("", f"is not valid UTF-8 (byte 0x{byte:02x} at offset {exc.start})")
        return None


def _parse(text: str, report: Report) -> object:
    """The YAML document as plain data; problems (empty, bad YAML, duplicates) go to report."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_SPEC_BYTES:
        report.error("", f"is too large for a spec (over {MAX_SPEC_BYTES} bytes)")
        return None
    if not text.strip():
        report.error("", "the spec is empty")
        return None
    try:
        document = _StrictLoader.load_document(text, report)
    except yaml.YAMLError as exc:
        report.error("", _yaml_error_message(exc))
        return None
    except RecursionError:
        report.error("", "the YAML is nested too deeply to be a spec")
        return None
    except (ValueError, TypeError, OverflowError) as exc:
        # e.g. an integer with more digits than Python converts (sys.get_int_max_str_digits)
        report.error("", f"a value in the YAML cannot be read: {quote(str(exc), 100)}")
        return None
    if document is None:
        report.error("", "the spec is empty (no YAML document, only comments?)")
    elif not isinstance(document, dict):
        report.error("", _not_a_mapping(document))
    return document


def _not_a_mapping(document: object) -> str:
    kind = "a list" if isinstance(document, list) else f"a single {type(document).__name__}"
    return f"the spec must be a mapping (version: ..., suites: ...), got {kind}"


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (1-based line and column, as editors count)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and what.startswith("but "):  # "expected X" + "but found Y"
            what = f"{exc.context} {what}"
        if mark is not None:
            return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {what}"
        return f"invalid YAML: {what}"
    if isinstance(exc, yaml.reader.ReaderError):
        character = exc.character
        code = ord(character) if isinstance(character, str) else character
        return f"invalid YAML: character 0x{code:02x} at position {exc.position} is not allowed"
    return f"invalid YAML: {exc}"


# --- YAML with duplicate-key detection ---------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, plus a check that no mapping repeats a key.

    Plain YAML loading keeps the last of two equal keys without a word, so a spec that sets
    ``p95_latency_ms_max`` twice would silently use the second value. The check walks the
    composed node graph (iteratively, visiting each node once even when anchors share it)
    so it can name the path and both lines.
    """

    @classmethod
    def load_document(cls, text: str, report: Report) -> object:
        loader = cls(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _report_duplicates(node, report)
            return loader.construct_document(node)
        finally:
            loader.dispose()


_Duplicate = tuple[int, str, str]  # line, path, message


def _report_duplicates(root: Node, report: Report) -> None:
    """Report every key written twice in one mapping, in the order they appear in the file."""
    seen: set[int] = set()
    found: list[_Duplicate] = []
    pending: list[tuple[str, Node]] = [("", root)]
    while pending:
        path, node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            pending.extend((item(path, i), inner) for i, inner in enumerate(node.value))
        elif isinstance(node, MappingNode):
            pending.extend(_mapping_children(path, node, found))
    for _, path, message in sorted(found):
        report.error(path, message)


def _mapping_children(
    path: str, node: MappingNode, found: list[_Duplicate]
) -> list[tuple[str, Node]]:
    """The values of a mapping with their paths; keys written twice are added to ``found``."""
    first_line: dict[tuple[str, str], int] = {}
    children: list[tuple[str, Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
            children.append((path, value_node))
            continue
        key = (key_node.tag, str(key_node.value))
        line = key_node.start_mark.line + 1
        if key in first_line:
            message = (
                f"duplicate key {quote(key[1])} at line {line} (first at line {first_line[key]})"
            )
            found.append((line, path, message))
        else:
            first_line[key] = line
        children.append((child(path, str(key_node.value)), value_node))
    return children
