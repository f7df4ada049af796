"""``cavra benchmark readiness PACKET``: re-check a stored packet and print the result JSON.

Exit 0 when no check blocks (status ready or ready_with_warnings; with ``--require-live`` that
means the packet is live-ready), 1 when one does, 2 when the file is not a packet at all (one
line on stderr, from :class:`cavra_prom.packet.reader.PacketError`). ``--report`` re-derives
the regression gate of a bare benchmark report instead (R6.1's ``--report``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Final, TextIO

from cavra_prom import durations
from cavra_prom.cli.run_cmd import load_spec_arg
from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import write_atomic
from cavra_prom.packet.checker import CheckOptions, check_packet, check_report
from cavra_prom.packet.reader import read_packet, read_report
from cavra_prom.packet.render import gate_entry
from cavra_prom.packet.signing import load_public_key

EXIT_READY: Final = 0
EXIT_BLOCKED: Final = 1


def parse_duration(text: str, flag: str) -> float:
    """``90s``, ``5m``, ``1h``, ``2d``, ``1w`` or plain seconds (the shared Prometheus-style
    syntax of :mod:`cavra_prom.durations`); InputError naming the flag otherwise."""
    try:
        return durations.parse_duration(text)
    except durations.DurationError as exc:
        raise InputError([Problem(flag, "", str(exc))]) from None


def register(benchmark: Any) -> None:
    """Add ``readiness`` to the ``cavra benchmark`` subcommands."""
    cmd = benchmark.add_parser(
        "readiness",
        help="re-check a readiness packet; print the readiness result JSON",
    )
    cmd.add_argument("packet", metavar="PACKET", help="readiness packet JSON (v2, or R6.1's v1)")
    cmd.add_argument("--require-live", action="store_true", help="require proven live evidence")
    cmd.add_argument("--spec", help="spec whose thresholds apply (default: the built-in one)")
    cmd.add_argument(
        "--max-age", help="freshness limit, e.g. 30m, 1h, 2d (default 1h with --require-live)"
    )
    cmd.add_argument("--verify-key", metavar="FILE", help="Ed25519 public key (PEM) to verify")
    cmd.add_argument("--require-signature", action="store_true", help="block an unsigned packet")
    cmd.add_argument("--output", metavar="FILE", help="also write the result JSON here")
    cmd.add_argument(
        "--report", action="store_true", help="PACKET is a bare benchmark report: print its gate"
    )
    cmd.set_defaults(handler=_readiness)


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    """Everything the flags say, read (and refused) before the packet is looked at."""
    return CheckOptions(
        spec=load_spec_arg(args.spec),
        require_live=args.require_live,
        max_age_seconds=parse_duration(args.max_age, "--max-age") if args.max_age else None,
        verify_key=load_public_key(args.verify_key) if args.verify_key else None,
        require_signature=args.require_signature,
    )


def emit(result: dict[str, Any], stdout: TextIO, output: str | None) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            write_atomic(output, text.encode("utf-8"))
        except OSError as exc:
            raise InputError([Problem(output, "", f"cannot write: {exc.strerror}")]) from None
    stdout.write(text)


def _readiness(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    options = options_from_args(args)
    if args.report:
        report, report_version = read_report(args.packet)
        gate = check_report(report, report_version, options.spec)
        emit(gate_entry(gate), stdout, args.output)
        return EXIT_READY if gate.passed else EXIT_BLOCKED
    packet, version = read_packet(args.packet)
    result = check_packet(packet, version, options)
    emit(result.as_dict(), stdout, args.output)
    return EXIT_READY if result.blocker_count == 0 else EXIT_BLOCKED
