"""``cavra benchmark run``: suites and drills on the embedded default, summary, exit code."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from cavra_prom import __version__
from cavra_prom.benchmark import BenchmarkOutcome, run_benchmark
from cavra_prom.cli.progress import ProgressDisplay
from cavra_prom.cli.push import add_pushgateway_arguments, push_or_warn
from cavra_prom.cli.regression_args import (
    add_baseline_arguments,
    latency_faults,
    regression_hook,
)
from cavra_prom.cli.spec_cmd import read_text
from cavra_prom.cli.summary import render_summary
from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import write_atomic
from cavra_prom.packet.canonical import pretty_bytes
from cavra_prom.packet.render import (
    Provenance,
    gate_entry,
    render_packet,
    spec_digest,
)
from cavra_prom.packet.signing import load_private_key, sign_packet
from cavra_prom.spec.loader import default_spec, load_spec_text
from cavra_prom.spec.model import Spec

EXIT_READY = 0
EXIT_BLOCKED = 1

REPORT_FILE = "benchmark-slo-report.json"
GATE_FILE = "benchmark-slo-regression-gate.json"
PACKET_FILE = "benchmark-slo-readiness-packet.json"


def register(benchmark: Any) -> None:
    """Add ``run`` to the ``cavra benchmark`` subcommands."""
    run = benchmark.add_parser(
        "run",
        help="run the suites and drills (default: the built-in reference workload) and gate them",
    )
    run.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    run.add_argument("--output-dir", help="also write the report, gate and packet JSON here")
    run.add_argument("--seed", type=int, help="override every suite's and drill's seed")
    run.add_argument("--json", action="store_true", help="print the packet JSON instead")
    run.add_argument("--quiet", action="store_true", help="no progress display")
    add_signing_argument(run)
    add_pushgateway_arguments(run)
    add_baseline_arguments(run)
    run.set_defaults(handler=_run)


def add_signing_argument(parser: Any) -> None:
    """``--signing-key FILE``: sign the packet (Ed25519, see ``cavra keys generate``)."""
    parser.add_argument(
        "--signing-key", metavar="FILE", help="Ed25519 private key (PEM) to sign the packet with"
    )


def sign_if_asked(packet: dict[str, Any], key: Ed25519PrivateKey | None) -> dict[str, Any]:
    return packet if key is None else sign_packet(packet, key)


def load_spec_arg(path: str | None) -> Spec:
    return default_spec() if path is None else load_spec_text(read_text(path), path)


def with_seed(spec: Spec, seed: int | None) -> Spec:
    """Reseed every suite and drill from one number (suite i gets seed + i)."""
    if seed is None:
        return spec
    suites = tuple(
        dataclasses.replace(s, workload=dataclasses.replace(s.workload, seed=seed + i))
        for i, s in enumerate(spec.suites)
    )
    drills = tuple(dataclasses.replace(d, seed=seed + i) for i, d in enumerate(spec.drills))
    return dataclasses.replace(spec, suites=suites, drills=drills)


def git_commit() -> str | None:
    """The commit being benchmarked, when known: CI variables first, then the checkout."""
    for var in ("CAVRA_GIT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA"):
        if value := os.environ.get(var):
            return value
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and len(out) == 40 else None


def provenance_for(outcome: BenchmarkOutcome) -> Provenance:
    return Provenance(
        source=outcome.evaluation.source,
        window_seconds=sum(r.active_seconds for r in outcome.runs),
        evaluated_at=outcome.evaluation.evaluated_at,
        tool_version=__version__,
        spec_digest=spec_digest(outcome.spec),
        git_commit=git_commit(),
    )


def write_artifacts(directory: str, files: dict[str, dict[str, Any]]) -> list[Path]:
    written = []
    for name, content in files.items():
        path = Path(directory) / name
        try:
            written.append(write_atomic(path, pretty_bytes(content)))
        except OSError as exc:
            raise InputError([Problem(str(path), "", f"cannot write: {exc.strerror}")]) from None
    return written


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    spec = with_seed(load_spec_arg(args.spec), args.seed)
    key = load_private_key(args.signing_key) if args.signing_key else None
    display = ProgressDisplay(stderr, quiet=args.quiet)
    registry = CollectorRegistry()
    outcome = run_benchmark(
        spec,
        registry,
        display.suite,
        display.drill,
        latency_faults=latency_faults(args, spec),
        regress=regression_hook(args.baseline, spec, registry),
    )
    push_or_warn(registry, args, stderr)
    packet = render_packet(outcome.evaluation, outcome.gate, spec, provenance_for(outcome))
    packet = sign_if_asked(packet, key)
    if args.output_dir:
        write_artifacts(
            args.output_dir,
            {
                REPORT_FILE: packet["benchmark_report"],
                GATE_FILE: gate_entry(outcome.gate),
                PACKET_FILE: packet,
            },
        )
    if args.json:
        stdout.write(json.dumps(packet, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        stdout.write(render_summary(outcome.evaluation, outcome.gate, spec))
    return EXIT_READY if outcome.gate.passed else EXIT_BLOCKED
