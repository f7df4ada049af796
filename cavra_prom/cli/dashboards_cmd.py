"""``cavra dashboards generate [--spec F] [--output-dir D]``: write the Grafana boards.

The boards are built with grafana-foundation-sdk, an optional dependency (the ``dashboards``
extra): most users import the committed JSON and never generate. The SDK is imported only
when the command runs, so ``cavra`` works without it and this command says how to get it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from cavra_prom.cli.spec_cmd import read_text
from cavra_prom.errors import InputError, Problem
from cavra_prom.rules.options import DEFAULT_RUNBOOK_URL
from cavra_prom.spec.loader import default_spec, load_spec_text

EXIT_OK = 0
EXIT_INPUT = 2
SDK_MODULE = "grafana_foundation_sdk"
INSTALL_HINT = (
    "`cavra dashboards generate` needs grafana-foundation-sdk, which is not installed: "
    "pip install 'cavra-prom[dashboards]'"
)
DEFAULT_OUTPUT_DIR = str(Path("grafana") / "dashboards")


def register(commands: Any) -> None:
    dashboards = commands.add_parser("dashboards", help="generate the Grafana SLO boards")
    sub = dashboards.add_subparsers(dest="dashboards_command", required=True, metavar="SUBCOMMAND")
    generate = sub.add_parser(
        "generate",
        help="write the SLO board and the per-suite board (Grafana JSON) from the spec",
    )
    generate.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    generate.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help=f"where to write the boards (default: {DEFAULT_OUTPUT_DIR})",
    )
    generate.add_argument(
        "--runbook-url",
        default=DEFAULT_RUNBOOK_URL,
        help="where docs/runbook.md is served; panels link to its sections "
        f"(default: {DEFAULT_RUNBOOK_URL}, as in the alert rules)",
    )
    generate.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.spec is None:
        spec, source = default_spec(), None
    else:
        spec, source = load_spec_text(read_text(args.spec), args.spec), Path(args.spec).name
    try:
        from cavra_prom import dashboards
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith(SDK_MODULE):
            raise
        stderr.write(f"cavra: error: {INSTALL_HINT}\n")
        return EXIT_INPUT
    boards = (
        dashboards.generate_boards(spec, runbook_url=args.runbook_url)
        if source is None
        else dashboards.generate_boards(spec, f"spec file {source}", args.runbook_url)
    )
    try:
        written = dashboards.write_boards(boards, args.output_dir)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError([Problem(args.output_dir, "", f"cannot write: {reason}")]) from None
    for path in written:
        stdout.write(f"wrote {path}\n")
    return EXIT_OK
