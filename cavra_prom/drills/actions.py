"""Carry out one hook step (an HTTP call or a command) and say plainly how it went.

Drill hooks never raise into the drill runner: every step ends as an :class:`ActionOutcome`
whose ``detail`` is one line fit for a failure reason ("HTTP 500 from POST http://h/admin",
"exited with 3", "no response within 5s"), so a failed drill explains itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from cavra_prom.errors import CavraError
from cavra_prom.http_call import call_once
from cavra_prom.spec.model_hooks import HookAction
from cavra_prom.target_errors import OperationError
from cavra_prom.targets_command import run_command


@dataclass(frozen=True)
class ActionOutcome:
    ok: bool
    detail: str
    code: int | None = None
    """The HTTP status or exit code, when the step got that far."""


def perform(action: HookAction) -> ActionOutcome:
    """Run ``action`` once; never raises for the step's own failure."""
    try:
        if action.http is not None:
            status = call_once(action.http)
            return ActionOutcome(True, f"HTTP {status}", status)
        if action.command is not None:
            code = run_command(action.command)
            return ActionOutcome(True, f"exit code {code}", code)
    except OperationError as exc:
        failed_code: int | None = getattr(exc, "status", None) or getattr(exc, "exit_code", None)
        return ActionOutcome(False, str(exc), failed_code)
    except CavraError as exc:  # a credential that vanished since load time
        return ActionOutcome(False, str(exc))
    return ActionOutcome(False, "the step has neither http nor command")
