#!/usr/bin/env python3
"""Copy the committed rules, Grafana boards and built-in spec into the Helm chart.

    .venv/bin/python scripts/sync_chart.py           # write helm/cavra-prom/files/
    .venv/bin/python scripts/sync_chart.py --check   # exit 1 naming every stale copy

Helm reads only files inside the chart directory (``.Files.Get``), so the PrometheusRule,
the dashboards ConfigMap and the spec ConfigMap render from copies under
``helm/cavra-prom/files/``. The copies are generated, never edited: the rules and spec copies
carry a do-not-edit header (YAML allows comments); the boards stay byte-identical (JSON has no
comments; ``files/README.md`` says the same for them). tests/test_helm_sync.py fails when a
copy differs from its source, so run this after ``cavra rules generate`` or
``cavra dashboards generate`` and commit the result.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cavra_prom.fileio import write_atomic  # noqa: E402

CHART_FILES = Path("helm") / "cavra-prom" / "files"
RULES_SOURCE = Path("rules") / "cavra-benchmark-slo.rules.yml"
DASHBOARDS_SOURCE = Path("grafana") / "dashboards"
SPEC_SOURCE = Path("cavra_prom") / "spec" / "default.yaml"
RULES_COPY = CHART_FILES / "rules" / RULES_SOURCE.name
DASHBOARDS_COPY = CHART_FILES / "dashboards"
SPEC_COPY = CHART_FILES / "spec" / "cavra-spec.yaml"


def yaml_header(source: Path) -> bytes:
    """The do-not-edit lines put above a YAML copy (the source's own header follows)."""
    return (
        f"# Copied by scripts/sync_chart.py from {source.as_posix()}. DO NOT EDIT: change the\n"
        f"# source (or regenerate it) and run `python scripts/sync_chart.py`.\n"
    ).encode()


@dataclass(frozen=True)
class Copy:
    """One chart file and the exact bytes it must hold."""

    target: Path
    data: bytes


def planned_copies(root: Path) -> list[Copy]:
    """Every chart copy with its expected content, read from the sources under ``root``.

    A missing source is an error rather than an empty copy: a chart that renders without
    its rules or boards would deploy silently incomplete.
    """
    missing = [p for p in (RULES_SOURCE, SPEC_SOURCE, DASHBOARDS_SOURCE) if not (root / p).exists()]
    boards = sorted((root / DASHBOARDS_SOURCE).glob("*.json")) if not missing else []
    if missing or not boards:
        names = ", ".join(p.as_posix() for p in missing) or f"{DASHBOARDS_SOURCE}/*.json"
        raise FileNotFoundError(f"sync_chart: missing source: {names}")
    copies = [
        Copy(RULES_COPY, yaml_header(RULES_SOURCE) + (root / RULES_SOURCE).read_bytes()),
        Copy(SPEC_COPY, yaml_header(SPEC_SOURCE) + (root / SPEC_SOURCE).read_bytes()),
    ]
    copies += [Copy(DASHBOARDS_COPY / board.name, board.read_bytes()) for board in boards]
    return copies


def stale_boards(root: Path, copies: list[Copy]) -> list[Path]:
    """Board copies in the chart whose source was removed (they would still deploy)."""
    wanted = {c.target.name for c in copies if c.target.parent == DASHBOARDS_COPY}
    present = sorted((root / DASHBOARDS_COPY).glob("*.json"))
    return [p.relative_to(root) for p in present if p.name not in wanted]


def differences(root: Path) -> list[str]:
    """One line per chart copy that is missing, differs from its source, or is orphaned."""
    copies = planned_copies(root)
    lines = []
    for copy in copies:
        path = root / copy.target
        if not path.exists():
            lines.append(f"{copy.target.as_posix()}: missing")
        elif path.read_bytes() != copy.data:
            lines.append(f"{copy.target.as_posix()}: differs from its source")
    lines += [f"{p.as_posix()}: no source any more" for p in stale_boards(root, copies)]
    return lines


def sync(root: Path) -> list[Path]:
    """Write every stale copy (atomically) and remove orphans; returns the paths changed."""
    copies = planned_copies(root)
    changed = []
    for copy in copies:
        path = root / copy.target
        if not path.exists() or path.read_bytes() != copy.data:
            write_atomic(path, copy.data)
            changed.append(copy.target)
    for orphan in stale_boards(root, copies):
        (root / orphan).unlink()
        changed.append(orphan)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale copies, write none")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            lines = differences(args.root)
            for line in lines:
                print(line, file=sys.stderr)
            return 1 if lines else 0
        for path in sync(args.root):
            print(f"synced {path.as_posix()}")
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
