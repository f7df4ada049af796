"""``cavra benchmark evaluate``: one evaluation from Prometheus, no load generated.

For a pipeline step after a deploy: read the SLIs, drills and HA/DR values over a window from
Prometheus (or Thanos, Mimir, VictoriaMetrics), gate them, and write the same artifacts as
``cavra benchmark export``. Exit 0 ready, 1 blocked, 3 could not evaluate (unreachable,
timeout, auth, garbage, no data: the packet is still written, blocked and naming the reason),
2 bad input (a flag, the spec, an unreadable credential file), never a traceback.

:func:`add_source_arguments` and :func:`source_from_args` are shared with any command that
reads from Prometheus, so every one takes the same auth, header and TLS flags.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Final, TextIO

from cavra_prom import __version__
from cavra_prom.cli.export_cmd import prepare_dir
from cavra_prom.cli.run_cmd import (
    EXIT_BLOCKED,
    EXIT_READY,
    add_signing_argument,
    git_commit,
    load_spec_arg,
    sign_if_asked,
)
from cavra_prom.cli.summary import render_summary
from cavra_prom.durations import duration_arg
from cavra_prom.errors import InputError, Problem
from cavra_prom.evaluation.promql import PrometheusSource, evaluate_prometheus, source_problems
from cavra_prom.gate import evaluate_gate
from cavra_prom.packet.artifacts import write_export
from cavra_prom.packet.render import Provenance, render_packet, spec_digest
from cavra_prom.packet.signing import load_private_key
from cavra_prom.regression.resolve import BaselineSettings, compare_with_baselines

EXIT_COULD_NOT_EVALUATE: Final = 3
DEFAULT_WINDOW_SECONDS: Final = 300.0
FLAGS: Final = {
    "url": "--prometheus-url",
    "timeout_seconds": "--timeout",
    "retries": "--retries",
    "headers": "--header",
    "bearer_token_file": "--bearer-token-file",
    "bearer_token_env": "--bearer-token-env",
    "basic_auth_user": "--basic-auth-user",
    "basic_auth_password_file": "--basic-auth-password-file",
    "ca_file": "--ca-file",
}


def register(benchmark: Any) -> None:
    """Add ``evaluate`` to the ``cavra benchmark`` subcommands."""
    cmd = benchmark.add_parser(
        "evaluate",
        help="evaluate the SLIs over a window from Prometheus, gate them, write the artifacts",
    )
    add_source_arguments(cmd, required=True)
    cmd.add_argument(
        "--window",
        type=duration_arg(1.0),
        default=DEFAULT_WINDOW_SECONDS,
        help="evaluation window ending now, e.g. 30s, 5m, 1h (default 5m)",
    )
    cmd.add_argument("--at", type=float, help="end the window at this unix time instead of now")
    cmd.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    cmd.add_argument("--output-dir", help="write report, gate, packet, summary, JUnit, manifest")
    cmd.add_argument("--json", action="store_true", help="print the packet JSON instead")
    add_signing_argument(cmd)
    cmd.set_defaults(handler=_evaluate)


def add_source_arguments(parser: Any, *, required: bool) -> None:
    """The flags of a :class:`PrometheusSource`; secrets only by file or variable name."""
    parser.add_argument(
        "--prometheus-url",
        required=required,
        metavar="URL",
        help="Prometheus API base URL, with any path prefix (http://host:9090, http://h/prometheus)",
    )
    parser.add_argument(
        "--timeout", type=duration_arg(0.001), default=10.0, help="per request (default 10s)"
    )
    parser.add_argument("--retries", type=int, default=2, help="retries with backoff (default 2)")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header, repeatable (e.g. 'X-Scope-OrgID: team-a')",
    )
    auth = parser.add_argument_group("authentication (secrets are read from files or variables)")
    auth.add_argument("--bearer-token-file", metavar="FILE", help="bearer token in this file")
    auth.add_argument("--bearer-token-env", metavar="VAR", help="bearer token in this variable")
    auth.add_argument("--basic-auth-user", metavar="USER", help="basic auth user")
    auth.add_argument("--basic-auth-password-file", metavar="FILE", help="basic auth password")
    auth.add_argument("--ca-file", metavar="FILE", help="CA bundle (PEM) to verify TLS with")


def _headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, colon, rest = value.partition(":")
        if not colon or not name.strip():
            # Never echo the value: it may be a credential someone passed as a header.
            raise InputError([Problem("--header", "", "expected 'NAME: VALUE'")])
        headers[name.strip()] = rest.strip()
    return headers


def source_from_args(args: argparse.Namespace) -> PrometheusSource:
    """The source the flags describe; InputError (exit 2) naming each bad flag."""
    source = PrometheusSource(
        url=args.prometheus_url,
        timeout_seconds=args.timeout,
        retries=args.retries,
        headers=_headers(args.header),
        bearer_token_file=args.bearer_token_file,
        bearer_token_env=args.bearer_token_env,
        basic_auth_user=args.basic_auth_user,
        basic_auth_password_file=args.basic_auth_password_file,
        ca_file=args.ca_file,
    )
    problems = source_problems(source)
    if problems:
        raise InputError([Problem(FLAGS.get(field, field), "", text) for field, text in problems])
    return source


def _evaluate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    spec = load_spec_arg(args.spec)
    source = source_from_args(args)
    key = load_private_key(args.signing_key) if args.signing_key else None
    if args.output_dir:
        prepare_dir(args.output_dir)
    evaluation = evaluate_prometheus(spec, source, args.window, at=args.at)
    if not evaluation.could_not_evaluate:
        # each suite against its baseline (a pinned packet, or Prometheus an offset earlier)
        baselines = BaselineSettings(source=source, window_seconds=args.window)
        evaluation = compare_with_baselines(evaluation, spec, baselines)
    gate = evaluate_gate(evaluation, spec)
    provenance = Provenance(
        source=evaluation.source,
        window_seconds=args.window,
        evaluated_at=evaluation.evaluated_at,
        tool_version=__version__,
        spec_digest=spec_digest(spec),
        git_commit=git_commit(),
    )
    packet = sign_if_asked(render_packet(evaluation, gate, spec, provenance), key)
    if args.output_dir:
        write_export(args.output_dir, packet)
    if args.json:
        stdout.write(json.dumps(packet, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        stdout.write(render_summary(evaluation, gate, spec))
        if args.output_dir:
            stdout.write(f"artifacts: {args.output_dir}\n")
    if evaluation.could_not_evaluate:
        for problem in evaluation.problems:
            if problem.fatal:
                stderr.write(f"cavra: could not evaluate: {problem.reason}: {problem.message}\n")
        return EXIT_COULD_NOT_EVALUATE
    return EXIT_READY if gate.passed else EXIT_BLOCKED
