"""`cavra serve` flags: durations, and bad input as one clear line with exit 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cavra_prom.durations import DurationError, parse_duration
from tests.conftest import CliRunner
from tests.servers import LOOPBACK


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("1.5s", 1.5),
     ("2d", 172800), ("1w", 604800), ("1y", 31536000), ("1m30s500ms", 90.5), ("60", 60),
     (" 5m ", 300)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "5x", "m", "30m1h", "1h1h", "-5s", "0s", "0", "5 m", "1e3s", "s5", "5mm", "nan"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "5x"], "argument --window: '5x' is not a duration"),
        (["--evaluation-interval", "0.01s"], "shorter than the minimum of 0.1s"),
    ],
)
def test_a_bad_duration_flag_exits_2(
    cli: CliRunner, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    result = cli("serve", *args)  # argparse reports on the process's stderr
    assert result.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nope"], "--listen: 'nope': expected HOST:PORT"),
        (["--spec", "/no/such/spec.yaml"], "/no/such/spec.yaml: no such file"),
    ],
)
def test_bad_flags_exit_2_with_one_line(cli: CliRunner, args: list[str], message: str) -> None:
    result = cli("serve", *args)
    assert result.code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--listen", f"{LOOPBACK}:{port}", "--store-dir", str(tmp_path))
    assert result.code == 2
    assert f"--listen: cannot listen on {LOOPBACK}:{port}" in result.stderr
