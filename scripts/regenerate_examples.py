#!/usr/bin/env python3
"""Regenerate examples/benchmark-slo/ from one real embedded run of the built-in spec.

    .venv/bin/python scripts/regenerate_examples.py

Writes ``examples/benchmark-slo/generated/`` (a real ``cavra benchmark export``) and copies its
packet to ``examples/benchmark-slo/enterprise-benchmark-slo.sample.json``. Timings differ from
run to run, so the files are not compared byte for byte; tests/test_export_examples.py checks
that they validate, pass ``readiness`` and have the shape a fresh run gives. The live example
comes from a real Prometheus evaluation (see the Prometheus-service issue), never from here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cavra_prom.cli.export_cmd import export_benchmark  # noqa: E402
from cavra_prom.fileio import write_atomic  # noqa: E402
from cavra_prom.packet.canonical import pretty_bytes  # noqa: E402

EXAMPLES = Path("examples") / "benchmark-slo"
SAMPLE_NAME = "enterprise-benchmark-slo.sample.json"


def regenerate(root: Path, spec: str | None, seed: int | None = None) -> dict[str, object]:
    """Export into ``root/generated`` and write the sample packet; returns the manifest.

    ``root`` is used as given (relative to the working directory), so the manifest's paths
    read ``examples/benchmark-slo/generated/...`` when run from the repository root.
    """
    done = export_benchmark(str(root / "generated"), spec, seed)
    write_atomic(root / SAMPLE_NAME, pretty_bytes(done.packet))
    return done.manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    parser.add_argument("--seed", type=int, help="override every suite's and drill's seed")
    parser.add_argument("--output-root", help=f"default: {EXAMPLES} in the repository")
    args = parser.parse_args(argv)
    if args.output_root:
        root = Path(args.output_root)
    else:
        os.chdir(ROOT)
        root = EXAMPLES
    manifest = regenerate(root, args.spec, args.seed)
    print(f"wrote {root / SAMPLE_NAME} and {manifest['output_dir']} (status {manifest['status']})")
    if manifest["status"] == "blocked":
        print("the run was blocked: do not commit these examples; rerun on a quieter machine")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
