"""``cavra rules generate``: write the Prometheus rule file generated from the spec.

Exit 0 when written, 2 on bad input: an invalid spec, a flag that is not a duration, or a spec
whose burn-rate alerts could never fire (each as one line naming the file and the path).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from cavra_prom import conventions as names
from cavra_prom.cli.spec_cmd import read_text
from cavra_prom.durations import duration_arg
from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import write_atomic
from cavra_prom.rules import (
    BUILT_IN_SOURCE,
    RuleOptions,
    generate_rules,
    regenerate_command,
    render_rules,
)
from cavra_prom.rules.options import (
    DEFAULT_EVALUATION_INTERVAL_SECONDS,
    DEFAULT_JOB,
    DEFAULT_RUNBOOK_URL,
    DEFAULT_WINDOW_SECONDS,
)
from cavra_prom.spec.loader import default_spec, load_spec_text

EXIT_OK = 0
DEFAULT_OUTPUT = str(Path("rules") / names.RULES_FILE)
STDOUT = "-"
MIN_WINDOW_SECONDS = 1.0


def register(commands: Any) -> None:
    rules = commands.add_parser("rules", help="generate Prometheus recording and alerting rules")
    sub = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    generate = sub.add_parser(
        "generate", help="write the rule file (recording rules and alerts) from the spec"
    )
    generate.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    generate.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"rule file to write, - for stdout (default: {DEFAULT_OUTPUT})",
    )
    generate.add_argument(
        "--job", default=DEFAULT_JOB, help=f"scrape job of cavra serve (default: {DEFAULT_JOB})"
    )
    generate.add_argument(
        "--evaluation-interval",
        type=duration_arg(MIN_WINDOW_SECONDS),
        default=DEFAULT_EVALUATION_INTERVAL_SECONDS,
        help="cavra serve's packet interval; a packet older than three is stale (default: 60s)",
    )
    generate.add_argument(
        "--window",
        type=duration_arg(MIN_WINDOW_SECONDS),
        default=DEFAULT_WINDOW_SECONDS,
        help="SLI window of the recording rules (default: 5m)",
    )
    generate.add_argument(
        "--baseline-offset",
        type=duration_arg(MIN_WINDOW_SECONDS),
        default=None,
        help="regression baseline offset for every suite (default: each suite's offset_seconds)",
    )
    generate.add_argument(
        "--runbook-url",
        default=DEFAULT_RUNBOOK_URL,
        help=f"where docs/runbook.md is served (default: {DEFAULT_RUNBOOK_URL})",
    )
    generate.set_defaults(handler=_generate)


def _options(args: argparse.Namespace) -> RuleOptions:
    if not args.job.strip():
        raise InputError([Problem("--job", "", "must not be empty")])
    return RuleOptions(
        job=args.job,
        evaluation_interval_seconds=args.evaluation_interval,
        window_seconds=args.window,
        baseline_offset_seconds=args.baseline_offset,
        runbook_url=args.runbook_url,
    )


def _generate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    options = _options(args)
    if args.spec is None:
        spec, source = default_spec(), BUILT_IN_SOURCE
    else:
        spec, source = load_spec_text(read_text(args.spec), args.spec), args.spec
    document = generate_rules(spec, options, source=source)
    text = render_rules(document, regenerate_command(args.spec, options))
    if args.output == STDOUT:
        stdout.write(text)
        return EXIT_OK
    try:
        write_atomic(args.output, text.encode("utf-8"))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError([Problem(args.output, "", f"cannot write: {reason}")]) from None
    stdout.write(
        f"wrote {args.output} ({len(document.recording_rules())} recording rules, "
        f"{len(document.alerts())} alerting rules)\n"
    )
    return EXIT_OK
