"""``cavra serve``: run the service until SIGTERM or SIGINT, then stop cleanly.

Bad flags or a spec that does not load exit 2 before anything starts. Once running, the
process logs to stderr (the one place the service writes text) and exits 0 after a signal,
once running jobs have finished (a packet write in flight completes).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from functools import partial
from types import FrameType
from typing import Any, TextIO

from cavra_prom.cli.evaluate_cmd import add_source_arguments, source_from_args
from cavra_prom.cli.run_cmd import git_commit, load_spec_arg
from cavra_prom.durations import duration_arg
from cavra_prom.packet.signing import load_private_key, sign_packet
from cavra_prom.serve.http import DEFAULT_LISTEN, parse_listen
from cavra_prom.serve.service import ServeConfig, Service
from cavra_prom.serve.store import DEFAULT_KEEP_COUNT

EXIT_STOPPED = 0
DEFAULT_STORE_DIR = "cavra-packets"
SWITCH_INTERVAL_SECONDS = 0.001
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def register(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="the service: suites and drills on a schedule, /metrics, packets on /packet/latest",
    )
    serve.add_argument("--spec", help="spec file (default: the built-in R6.1 spec)")
    serve.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    add_source_arguments(serve, required=False)  # without --prometheus-url: embedded
    serve.add_argument(
        "--window", type=duration_arg(1.0), default=300.0, help="evaluation window (default 5m)"
    )
    serve.add_argument(
        "--evaluation-interval",
        type=duration_arg(0.1),
        default=60.0,
        help="evaluate and render a packet this often (default 60s)",
    )
    serve.add_argument("--store-dir", default=DEFAULT_STORE_DIR, help="packet store directory")
    serve.add_argument(
        "--keep-packets", type=int, default=DEFAULT_KEEP_COUNT, help="packets retained"
    )
    serve.add_argument(
        "--keep-age", type=duration_arg(1.0), default=7 * 86400.0, help="max packet age (7d)"
    )
    serve.add_argument(
        "--allow-fault-injection",
        action="store_true",
        help="enable POST /-/faults/latency (tests and demos only)",
    )
    serve.add_argument("--signing-key", metavar="FILE", help="Ed25519 key to sign packets with")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.set_defaults(handler=_serve)


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """Parse and check every flag (InputError, exit 2) before anything starts."""
    key = load_private_key(args.signing_key) if args.signing_key else None
    return ServeConfig(
        spec=load_spec_arg(args.spec),
        store_dir=args.store_dir,
        listen=parse_listen(args.listen),
        window_seconds=args.window,
        evaluation_interval_seconds=args.evaluation_interval,
        source=source_from_args(args) if args.prometheus_url else None,
        allow_fault_injection=args.allow_fault_injection,
        keep_count=max(1, args.keep_packets),
        keep_seconds=args.keep_age,
        git_commit=git_commit(),
        sign=None if key is None else partial(sign_packet, private_key=key),
    )


@contextlib.contextmanager
def _logging_to(stream: TextIO, level: str) -> Iterator[None]:
    """Log cavra's and APScheduler's records to ``stream`` while the service runs."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    loggers = {"cavra_prom": level.upper(), "apscheduler": "WARNING"}
    saved = {name: logging.getLogger(name).level for name in loggers}
    for name, lvl in loggers.items():
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(lvl)
    try:
        yield
    finally:
        for name, old_level in saved.items():
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(old_level)


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (main thread only; elsewhere the caller stops us)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    config = config_from_args(args)
    # The service process only serves, evaluates and renders (the load runs in workers);
    # handing the interpreter lock over every 1 ms instead of 5 ms lets the endpoint loop
    # answer while an evaluation or a /metrics render holds it. Process-wide, so set here,
    # by the command that owns the process, not by the library.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    stop = threading.Event()
    with _logging_to(stderr, args.log_level), _stop_on_signals(stop):
        service = Service(config)
        url = service.start()
        mode = "embedded (sample evidence)" if config.source is None else "PromQL (live)"
        stderr.write(f"cavra serve: listening on {url}; evaluation: {mode}\n")
        stderr.flush()
        try:
            stop.wait()
        finally:
            stderr.write("cavra serve: stopping (finishing running jobs)\n")
            stderr.flush()
            service.stop()
    stderr.write("cavra serve: stopped\n")
    return EXIT_STOPPED
