"""``cavra keys generate``: an Ed25519 key pair for signing packets.

The evaluator keeps the private key (``--signing-key`` of ``run``/``export``); release tooling
gets the public key (``readiness --verify-key``). The private key is written with mode 0600 and
never printed; existing files are not overwritten unless ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from cavra_prom.errors import InputError, Problem
from cavra_prom.fileio import write_atomic
from cavra_prom.packet.signing import generate_key_pair

EXIT_OK = 0


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="manage packet signing keys")
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="SUBCOMMAND")
    generate = sub.add_parser("generate", help="write a new Ed25519 key pair (PEM)")
    generate.add_argument("--private-key", required=True, metavar="FILE", help="private key file")
    generate.add_argument("--public-key", required=True, metavar="FILE", help="public key file")
    generate.add_argument("--force", action="store_true", help="overwrite existing files")
    generate.set_defaults(handler=_generate)


def _write(path: str, data: bytes, mode: int) -> None:
    try:
        write_atomic(path, data, mode=mode)
    except OSError as exc:
        raise InputError([Problem(path, "", f"cannot write: {exc.strerror}")]) from None


def _generate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if Path(args.private_key).resolve() == Path(args.public_key).resolve():
        raise InputError([Problem(args.public_key, "", "must differ from --private-key")])
    if not args.force:
        for path in (args.private_key, args.public_key):
            if Path(path).exists():
                raise InputError([Problem(path, "", "exists; pass --force to overwrite it")])
    pair = generate_key_pair()
    _write(args.private_key, pair.private_pem, 0o600)
    _write(args.public_key, pair.public_pem, 0o644)
    stdout.write(
        f"private key: {args.private_key} (mode 0600; keep it with the evaluator)\n"
        f"public key:  {args.public_key} (give it to release tooling: --verify-key)\n"
        f"key id:      {pair.key_id}\n"
    )
    return EXIT_OK
