"""Boards to bytes to files: deterministic JSON, written atomically.

The JSON is the SDK model's own serialisation with sorted keys and two-space indents, so a
fresh generation from the same spec and SDK version is byte-identical to the committed file
(tests regenerate and compare). The SDK is pinned exactly in pyproject.toml for that reason.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

from cavra_prom import conventions as names
from cavra_prom.dashboards.boards import BoardOptions, slo_board, suite_board
from cavra_prom.dashboards.runbook import RUNBOOK_URL
from cavra_prom.fileio import write_atomic
from cavra_prom.packet.render import spec_digest
from cavra_prom.rules.options import DEFAULT_EVALUATION_INTERVAL_SECONDS
from cavra_prom.rules.service import STALE_INTERVALS
from cavra_prom.spec.model import Spec

DEFAULT_OUTPUT_DIR = Path("grafana") / "dashboards"
BUILT_IN_SOURCE = "the built-in spec"
DIGEST_CHARS = len("sha256:") + 12
PACKET_STALE_SECONDS = STALE_INTERVALS * DEFAULT_EVALUATION_INTERVAL_SECONDS
"""Red when CavraPacketStale would fire (three evaluation intervals without a packet)."""
PACKET_LATE_SECONDS = 2 * DEFAULT_EVALUATION_INTERVAL_SECONDS
"""Orange once a packet is an interval overdue."""


@dataclass(frozen=True)
class BoardFile:
    name: str
    data: bytes


def board_options(
    spec: Spec, spec_source: str = BUILT_IN_SOURCE, runbook_url: str = RUNBOOK_URL
) -> BoardOptions:
    return BoardOptions(
        spec_source=spec_source,
        spec_digest=spec_digest(spec)[:DIGEST_CHARS],
        packet_late_seconds=PACKET_LATE_SECONDS,
        packet_stale_seconds=PACKET_STALE_SECONDS,
        runbook_url=runbook_url,
    )


def to_json_bytes(dashboard: model.Dashboard) -> bytes:
    """The board as Grafana imports it: sorted keys, 2-space indents, trailing newline."""
    return (JSONEncoder(sort_keys=True, indent=2).encode(dashboard) + "\n").encode("utf-8")


def generate_boards(
    spec: Spec, spec_source: str = BUILT_IN_SOURCE, runbook_url: str = RUNBOOK_URL
) -> tuple[BoardFile, ...]:
    """Both boards for ``spec``; ``spec_source`` names the spec in each board's description,
    ``runbook_url`` is where docs/runbook.md is served (panels link to its sections)."""
    options = board_options(spec, spec_source, runbook_url)
    return (
        BoardFile(names.DASHBOARD_SLO_FILE, to_json_bytes(slo_board(spec, options))),
        BoardFile(names.DASHBOARD_SUITE_FILE, to_json_bytes(suite_board(spec, options))),
    )


def write_boards(
    boards: Sequence[BoardFile], output_dir: str | os.PathLike[str] = DEFAULT_OUTPUT_DIR
) -> list[Path]:
    """Write each board atomically into ``output_dir`` (created if missing)."""
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return [write_atomic(directory / board.name, board.data) for board in boards]
