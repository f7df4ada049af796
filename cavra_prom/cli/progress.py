"""Progress while suites and drills run: a bar on a terminal, plain lines otherwise.

Progress goes to stderr so stdout stays clean for the summary or ``--json``.
"""

from __future__ import annotations

from typing import TextIO

from cavra_prom.drills import DrillResult
from cavra_prom.runner import Progress
from cavra_prom.spec.model import DrillSpec

BAR_WIDTH = 24


class ProgressDisplay:
    """Renders runner and drill progress; quiet mode renders nothing."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._tty = stream.isatty()
        self._last_phase: tuple[str, str] | None = None

    def suite(self, update: Progress) -> None:
        if self._quiet:
            return
        if self._tty:
            self._bar(update)
            return
        key = (update.suite_id, update.phase)
        if key != self._last_phase:
            self._last_phase = key
            self._stream.write(f"suite {update.suite_id}: {update.phase}\n")
            self._stream.flush()

    def _bar(self, update: Progress) -> None:
        filled = round(update.fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        end = "\n" if update.phase == "done" else ""
        line = f"\r  {update.suite_id:<32} {update.phase:<7} [{bar}] {update.fraction:4.0%}"
        self._stream.write(line + end)
        self._stream.flush()

    def drill(self, drill: DrillSpec, result: DrillResult | None) -> None:
        if self._quiet:
            return
        if result is None:
            self._stream.write(f"  drill {drill.id}: injecting {drill.fault} ...")
            if not self._tty:
                self._stream.write("\n")
        else:
            verdict = "passed" if result.passed else "FAILED"
            prefix = " " if self._tty else f"  drill {drill.id}:"
            self._stream.write(f"{prefix} {verdict} ({result.observed_behavior})\n")
        self._stream.flush()
