"""``cavra``: argument parsing, dispatch, and the one place errors become exit codes.

Exit codes (design.md): 0 ready, 1 blocked, 2 bad input (one clear line, no traceback),
3 could not evaluate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from cavra_prom import __version__
from cavra_prom.cli import (
    dashboards_cmd,
    evaluate_cmd,
    export_cmd,
    keys_cmd,
    readiness_cmd,
    rules_cmd,
    run_cmd,
    serve_cmd,
    spec_cmd,
)
from cavra_prom.errors import CavraError, EvaluationError, InputError, TargetError

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_INPUT = 2
EXIT_EVALUATION = 3

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

BENCHMARK_COMMANDS: tuple[Any, ...] = (run_cmd, export_cmd, readiness_cmd, evaluate_cmd)
TOP_LEVEL_COMMANDS: tuple[Any, ...] = (spec_cmd, keys_cmd, serve_cmd, dashboards_cmd, rules_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cavra",
        description="Prometheus-native benchmark SLO regression gate.",
    )
    parser.add_argument("--version", action="version", version=f"cavra-prom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    benchmark = commands.add_parser("benchmark", help="run, export, evaluate and check gates")
    benchmark_commands = benchmark.add_subparsers(
        dest="benchmark_command", required=True, metavar="SUBCOMMAND"
    )
    # One module per ``cavra benchmark`` subcommand; each registers itself here.
    for module in BENCHMARK_COMMANDS:
        module.register(benchmark_commands)
    for module in TOP_LEVEL_COMMANDS:
        module.register(commands)
    return parser


def _print_error(stderr: TextIO, error: CavraError) -> None:
    if isinstance(error, InputError):
        for problem in error.problems:
            stderr.write(f"cavra: error: {problem}\n")
    else:
        stderr.write(f"cavra: error: {error}\n")


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit code (the console script passes it to ``sys.exit``)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    handler: Handler = args.handler
    try:
        return handler(args, out, err)
    except InputError as error:
        _print_error(err, error)
        return EXIT_INPUT
    except TargetError as error:
        _print_error(err, error)
        return EXIT_INPUT
    except EvaluationError as error:
        _print_error(err, error)
        return EXIT_EVALUATION
    except KeyboardInterrupt:
        err.write("cavra: interrupted\n")
        return 130
