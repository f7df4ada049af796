"""Shared fixtures: a fast spec for end-to-end runs, and an in-process CLI runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cavra_prom.cli.main import main
from cavra_prom.spec.loader import default_spec_text

FAST_OVERRIDES = {
    "warmup_seconds: 0.5": "warmup_seconds: 0.05",
    "duration_seconds: 3": "duration_seconds: 0.4",
    "min_samples_per_suite: 100": "min_samples_per_suite: 20",
}


def fast_spec_text(**replacements: str) -> str:
    """The built-in spec with short phases (the same suites, drills and SLOs)."""
    text = default_spec_text()
    for old, new in {**FAST_OVERRIDES, **replacements}.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli() -> CliRunner:
    def run(*argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def fast_spec(tmp_path: Path) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(fast_spec_text())
    return path
