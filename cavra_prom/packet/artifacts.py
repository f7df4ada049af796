"""Write a packet's artifacts into an output directory, each atomically.

``run --output-dir`` writes the three R6.1 files (report, gate, packet); ``export`` adds the
Markdown summary, the JUnit XML and, last, the export manifest with every file's SHA-256. Each
file goes to a temporary sibling and is renamed into place (:func:`cavra_prom.fileio.write_atomic`),
so a crash leaves either the old file or the new one, never half of one; and since the manifest
is written last, a manifest always describes complete files.

Everything is derived from the packet itself: the report is ``packet.benchmark_report`` and the
gate ``packet.slo_regression_gate``, so the artifacts cannot disagree with the packet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cavra_prom import conventions as names
from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import write_atomic
from cavra_prom.packet.canonical import pretty_bytes
from cavra_prom.packet.junit import packet_junit
from cavra_prom.packet.markdown import render_markdown

# manifest key (R6.1's names for the first three) -> file name
CORE_ARTIFACTS: Final = {
    "benchmark_report": names.ARTIFACT_REPORT_FILE,
    "slo_regression_gate": names.ARTIFACT_GATE_FILE,
    "readiness_packet": names.ARTIFACT_PACKET_FILE,
}
HUMAN_ARTIFACTS: Final = {
    "summary_markdown": names.ARTIFACT_SUMMARY_FILE,
    "junit_xml": names.ARTIFACT_JUNIT_FILE,
}


def artifact_bytes(packet: Mapping[str, Any], human: bool) -> dict[str, bytes]:
    """Manifest key -> file content, all derived from ``packet``."""
    report, gate = packet.get("benchmark_report"), packet.get("slo_regression_gate")
    if not isinstance(report, Mapping) or not isinstance(gate, Mapping):
        raise ValueError("not a rendered v2 packet: benchmark_report/slo_regression_gate missing")
    files = {
        "benchmark_report": pretty_bytes(report),
        "slo_regression_gate": pretty_bytes(gate),
        "readiness_packet": pretty_bytes(packet),
    }
    if human:
        files["summary_markdown"] = render_markdown(packet).encode("utf-8")
        files["junit_xml"] = packet_junit(packet)
    return files


def _write(path: Path, data: bytes) -> Path:
    try:
        return write_atomic(path, data)
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot write: {exc.strerror or exc}")]) from None


def write_core(directory: str, packet: Mapping[str, Any]) -> dict[str, Path]:
    """The three R6.1 files (``run --output-dir``)."""
    files = artifact_bytes(packet, human=False)
    return {key: _write(Path(directory) / CORE_ARTIFACTS[key], data) for key, data in files.items()}


def export_manifest(
    directory: str, packet: Mapping[str, Any], files: Mapping[str, bytes]
) -> dict[str, Any]:
    """The manifest: R6.1's ``artifacts`` paths plus each file's SHA-256 and the verdict."""
    all_names = {**CORE_ARTIFACTS, **HUMAN_ARTIFACTS}
    integrity = packet.get("integrity")
    return {
        "schema_version": names.EXPORT_SCHEMA_V2,
        "product": names.PRODUCT,
        "output_dir": directory,
        "artifacts": {key: str(Path(directory) / all_names[key]) for key in files},
        "sha256": {
            key: "sha256:" + hashlib.sha256(data).hexdigest() for key, data in files.items()
        },
        "packet_digest": integrity.get("digest") if isinstance(integrity, Mapping) else None,
        "evidence_mode": packet.get("evidence_mode"),
        "status": packet.get("status"),
        "blocker_count": packet.get("blocker_count"),
        "warning_count": packet.get("warning_count"),
        "ready_for_benchmark_slo_contract": packet.get("ready_for_benchmark_slo_contract"),
        "ready_for_live_benchmark_slo_gate": packet.get("ready_for_live_benchmark_slo_gate"),
    }


def write_export(directory: str, packet: Mapping[str, Any]) -> dict[str, Any]:
    """All six artifacts (manifest last); returns the manifest."""
    files = artifact_bytes(packet, human=True)
    all_names = {**CORE_ARTIFACTS, **HUMAN_ARTIFACTS}
    for key, data in files.items():
        _write(Path(directory) / all_names[key], data)
    manifest = export_manifest(directory, packet, files)
    _write(Path(directory) / names.ARTIFACT_EXPORT_FILE, pretty_bytes(manifest))
    return manifest
