"""``--pushgateway URL`` for ``cavra benchmark run``: push, and only warn when it fails.

A Pushgateway that is down must not turn a passing benchmark into a failed pipeline step:
the verdict and the exit code come from the gate; the push is a side channel.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from prometheus_client.registry import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.pushgateway import PushError, display_url, push_metrics


def add_pushgateway_arguments(parser: Any) -> None:
    parser.add_argument(
        "--pushgateway", metavar="URL", help="push the run's metrics to this Pushgateway"
    )
    parser.add_argument(
        "--pushgateway-job",
        default=names.PUSHGATEWAY_JOB,
        help="grouping key job (default %(default)s)",
    )
    parser.add_argument(
        "--pushgateway-instance", help="grouping key instance (default: the host name)"
    )


def push_or_warn(registry: CollectorRegistry, args: argparse.Namespace, stderr: TextIO) -> bool:
    """Push when ``--pushgateway`` was given; a failure is one warning line. True if pushed."""
    if not args.pushgateway:
        return False
    try:
        key = push_metrics(
            registry,
            args.pushgateway,
            job=args.pushgateway_job,
            instance=args.pushgateway_instance,
        )
    except PushError as exc:
        stderr.write(f"cavra: warning: {exc}; the run's verdict is unaffected\n")
        return False
    group = ", ".join(f"{k}={v}" for k, v in key.items())
    stderr.write(f"cavra: pushed metrics to {display_url(args.pushgateway)} ({group})\n")
    return True
