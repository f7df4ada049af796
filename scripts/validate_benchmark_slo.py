#!/usr/bin/env python3
"""The R6.1 seed's validation script, as a thin wrapper over the cavra_prom package.

    python3 scripts/validate_benchmark_slo.py --export-dir dist/benchmark-slo
    python3 scripts/validate_benchmark_slo.py --report REPORT.json
    python3 scripts/validate_benchmark_slo.py --packet PACKET.json
    python3 scripts/validate_benchmark_slo.py --packet PACKET.json --require-live

Same meanings as in R6.1: ``--export-dir`` runs the benchmark and writes the artifacts (the
manifest JSON is printed), ``--report`` re-derives a report's regression gate, ``--packet``
re-checks a readiness packet (``--require-live``: it must be live-ready). Exit 0 ready, 1
blocked, 2 bad input (one line, no traceback).

It works from a checkout once ``make run`` has created ``.venv`` (a plain ``python3`` without
the dependencies re-runs the script with ``.venv/bin/python``), or wherever the package is
installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
REEXEC_GUARD = "CAVRA_VALIDATE_REEXEC"


def _bootstrap() -> None:
    """Make ``cavra_prom`` importable: the checkout first, then the checkout's venv."""
    if (ROOT / "cavra_prom").is_dir() and str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        import cavra_prom.cli.main  # noqa: F401
    except ImportError as exc:
        if VENV_PYTHON.exists() and not os.environ.get(REEXEC_GUARD):
            os.environ[REEXEC_GUARD] = "1"
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
        sys.stderr.write(
            f"validate_benchmark_slo: cannot import cavra_prom ({exc}); run `make run` first "
            "or install the package\n"
        )
        raise SystemExit(2) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Validate CAVRA benchmark and SLO regression evidence (cavra-prom)."
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--export-dir", help="run the benchmark and write every artifact here")
    mode.add_argument("--report", help="re-derive the regression gate of a benchmark report")
    mode.add_argument("--packet", help="re-check a readiness packet")
    parser.add_argument("--require-live", action="store_true", help="packet must be live-ready")
    parser.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    parser.add_argument("--max-age", help="freshness limit for --require-live (default 1h)")
    parser.add_argument("--verify-key", help="Ed25519 public key (PEM) to verify the signature")
    parser.add_argument("--require-signature", action="store_true")
    parser.add_argument("--signing-key", help="with --export-dir: sign the packet")
    parser.add_argument("--output", help="also write the result JSON to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    return parser


def cavra_argv(args: argparse.Namespace) -> list[str]:
    """The ``cavra`` command line that does what the seed's flags ask."""
    common = ["--spec", args.spec] if args.spec else []
    if args.export_dir:
        argv = ["benchmark", "export", "--output-dir", args.export_dir, "--json", *common]
        argv += ["--signing-key", args.signing_key] if args.signing_key else []
        return argv + (["--quiet"] if args.quiet else [])
    target = args.report or args.packet
    argv = ["benchmark", "readiness", target, *common]
    argv += ["--report"] if args.report else []
    argv += ["--require-live"] if args.require_live else []
    argv += ["--require-signature"] if args.require_signature else []
    for flag, value in (
        ("--max-age", args.max_age),
        ("--verify-key", args.verify_key),
        ("--output", args.output),
    ):
        argv += [flag, value] if value else []
    return argv


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _bootstrap()
    from cavra_prom.cli.main import main as cavra_main

    return cavra_main(cavra_argv(args))


if __name__ == "__main__":
    raise SystemExit(main())
