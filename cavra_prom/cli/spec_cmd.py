"""``cavra spec validate FILE`` and ``cavra spec defaults``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from cavra_prom.errors import Problem, SpecError
from cavra_prom.spec.loader import default_spec_text, validate_spec_text

EXIT_OK = 0
EXIT_INPUT = 2


def register(commands: Any) -> None:
    spec = commands.add_parser("spec", help="check a spec, or print the built-in one")
    sub = spec.add_subparsers(dest="spec_command", required=True, metavar="SUBCOMMAND")
    validate = sub.add_parser(
        "validate", help="report every problem in a spec file (exit 2 if any)"
    )
    validate.add_argument("file", help="the spec file (YAML, version: cavra/v1)")
    validate.set_defaults(handler=_validate)
    defaults = sub.add_parser("defaults", help="print the built-in spec (the R6.1 contract)")
    defaults.set_defaults(handler=_defaults)


def read_text(path: str) -> str:
    """Read a text input, turning every OS or decoding failure into one clear problem."""
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SpecError([Problem(path, "", "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(path, "", "is a directory, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise SpecError([Problem(path, "", f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise SpecError([Problem(path, "", f"cannot read: {exc.strerror}")]) from None


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    result = validate_spec_text(read_text(args.file), args.file)
    for warning in result.warnings:
        stderr.write(f"cavra: warning: {warning}\n")
    if result.errors:
        raise SpecError(list(result.errors))
    assert result.spec is not None
    stdout.write(
        f"{args.file}: valid ({len(result.spec.suites)} suites, {len(result.spec.drills)} drills, "
        f"{len(result.warnings)} warning(s))\n"
    )
    return EXIT_OK


def _defaults(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    stdout.write(default_spec_text())
    return EXIT_OK
