"""``kind: command``: one run of a program is one operation; its exit code is the outcome.

For CLIs, batch jobs and scripts. The program's output is discarded (a benchmark must not
fill a pipe and stall on it); a run past ``timeout_seconds`` is killed and counted as a
timeout, an exit code outside ``ok_exit_codes`` as ``exit_code``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from cavra_prom.errors import TargetError
from cavra_prom.spec.model import TargetSpec
from cavra_prom.spec.model_targets import CONFIG_KEY, CommandCall, CommandTargetConfig
from cavra_prom.target_errors import OperationError, OperationExitCode, OperationTimeout


def run_command(command: CommandCall, env: dict[str, str] | None = None) -> int:
    """Run ``command`` once; its exit code if accepted, else an ``Operation*`` error."""
    try:
        done = subprocess.run(
            command.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=command.cwd,
            env=env if env is not None else command_env(command),
            timeout=command.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OperationTimeout(
            f"{command.argv[0]} did not finish within {command.timeout_seconds:g}s"
        ) from None
    except OSError as exc:
        raise OperationError(f"cannot run {command.argv[0]}: {exc.strerror or exc}") from None
    if done.returncode not in command.ok_exit_codes:
        raise OperationExitCode(done.returncode, f"{command.argv[0]} exited with {done.returncode}")
    return done.returncode


def command_env(command: CommandCall) -> dict[str, str]:
    """The environment a command runs with: ours, plus the spec's ``env`` entries."""
    return {**os.environ, **dict(command.env)}


class CommandTarget:
    """Runs the configured command per operation, from the runner's worker threads."""

    def __init__(self, config: CommandTargetConfig) -> None:
        self._command = config.command
        self._env = command_env(config.command)

    def operation_for_worker(self, worker_index: int, seed: int) -> Callable[[], bool]:
        command, env = self._command, self._env

        def op() -> bool:
            run_command(command, env)
            return True

        return op

    def close(self) -> None:
        """Every run has ended by the time a phase returns; nothing is held."""


def build_command_target(spec: TargetSpec, seed: int) -> CommandTarget:
    """The builder registered for ``kind: command``."""
    config = spec.options.get(CONFIG_KEY)
    if not isinstance(config, CommandTargetConfig):
        raise TargetError("a command target needs its validated config (load it from a spec)")
    return CommandTarget(config)
