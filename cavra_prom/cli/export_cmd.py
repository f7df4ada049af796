"""``cavra benchmark export --output-dir D``: run like ``run`` and always write every artifact.

Report, gate and packet (the R6.1 three), the Markdown summary, the JUnit XML and, last, the
export manifest with each file's SHA-256 (see :mod:`cavra_prom.packet.artifacts`). Exit 0
ready, 1 blocked; 2 for bad input (spec, key, unwritable directory) before anything runs where
it can be known then.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from prometheus_client import CollectorRegistry

from cavra_prom.benchmark import BenchmarkOutcome, run_benchmark
from cavra_prom.cli.progress import ProgressDisplay
from cavra_prom.cli.regression_args import regression_hook
from cavra_prom.cli.run_cmd import (
    EXIT_BLOCKED,
    EXIT_READY,
    add_signing_argument,
    load_spec_arg,
    provenance_for,
    sign_if_asked,
    with_seed,
)
from cavra_prom.cli.summary import render_summary
from cavra_prom.errors import InputError, Problem
from cavra_prom.packet.artifacts import write_export
from cavra_prom.packet.render import render_packet
from cavra_prom.packet.signing import load_private_key


@dataclass(frozen=True)
class ExportOutcome:
    outcome: BenchmarkOutcome
    packet: dict[str, Any]
    manifest: dict[str, Any]


def register(benchmark: Any) -> None:
    """Add ``export`` to the ``cavra benchmark`` subcommands."""
    export = benchmark.add_parser(
        "export",
        help="run like `run` and write report, gate, packet, summary, JUnit XML and a manifest",
    )
    export.add_argument("--output-dir", required=True, help="directory for the artifacts")
    export.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    export.add_argument("--seed", type=int, help="override every suite's and drill's seed")
    export.add_argument("--json", action="store_true", help="print the manifest JSON instead")
    export.add_argument("--quiet", action="store_true", help="no progress display")
    add_signing_argument(export)
    export.add_argument(
        "--baseline",
        metavar="FILE|URL",
        help="compare every suite with this readiness packet (regression gate), as `run` does",
    )
    export.set_defaults(handler=_export)


def export_benchmark(
    output_dir: str,
    spec_path: str | None,
    seed: int | None = None,
    signing_key: str | None = None,
    progress: ProgressDisplay | None = None,
    *,
    baseline: str | None = None,
) -> ExportOutcome:
    """Run the benchmark and write every artifact; the library entry point of ``export``
    (``scripts/validate_benchmark_slo.py --export-dir`` calls it too)."""
    spec = with_seed(load_spec_arg(spec_path), seed)
    key = load_private_key(signing_key) if signing_key else None
    prepare_dir(output_dir)
    registry = CollectorRegistry()
    outcome = run_benchmark(
        spec,
        registry,
        progress.suite if progress else None,
        progress.drill if progress else None,
        regress=regression_hook(baseline, spec, registry),
    )
    packet = render_packet(outcome.evaluation, outcome.gate, spec, provenance_for(outcome))
    packet = sign_if_asked(packet, key)
    manifest = write_export(output_dir, packet)
    return ExportOutcome(outcome, packet, manifest)


def prepare_dir(output_dir: str) -> None:
    """Create the output directory up front, so a bad path fails before a long run."""
    try:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = Problem(output_dir, "", f"cannot create the output directory: {exc.strerror}")
        raise InputError([problem]) from None


def _export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    display = ProgressDisplay(stderr, quiet=args.quiet)
    done = export_benchmark(
        args.output_dir, args.spec, args.seed, args.signing_key, display, baseline=args.baseline
    )
    if args.json:
        stdout.write(json.dumps(done.manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        stdout.write(render_summary(done.outcome.evaluation, done.outcome.gate, done.outcome.spec))
        stdout.write(f"artifacts: {args.output_dir}\n")
    return EXIT_READY if done.outcome.gate.passed else EXIT_BLOCKED
