"""The Python target: sync and async callables, setup/teardown, cases and seeded payloads.

Each test writes a small real module into its temp dir and names it in a spec, exactly as a
user would; module names are unique per test so imports never leak between tests.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
from pathlib import Path
from types import ModuleType

from cavra_prom.benchmark import run_suites
from cavra_prom.evaluation.model import SuiteEvaluation
from cavra_prom.instruments import SuiteMetrics
from cavra_prom.runner import SuiteRun
from cavra_prom.spec.loader import load_spec_text
from cavra_prom.spec.model import Spec
from cavra_prom.target_errors import (
    ERROR_CONNECTION,
    ERROR_EXCEPTION,
    ERROR_FAILED,
    ERROR_STATUS,
    ERROR_TIMEOUT,
)

_names = itertools.count()

MODULE = """
import asyncio
import time

from cavra_prom.target_errors import OperationStatusError

calls = []
events = []


def setup():
    events.append("setup")


def teardown():
    events.append("teardown")


def record(payload):
    calls.append(payload)


def sleepy():
    time.sleep(0.02)


async def sleepy_async(payload):
    calls.append(payload)
    await asyncio.sleep(0.02)


def mixed(payload):
    kind = payload["kind"]
    if kind == "timeout":
        raise TimeoutError("too slow")
    if kind == "refused":
        raise ConnectionRefusedError("refused")
    if kind == "status":
        raise OperationStatusError(503, "HTTP 503")
    if kind == "bug":
        raise KeyError("missing")
    if kind == "false":
        return False
    return None  # None is ok: most functions return nothing


def generate(rng):
    return rng.randrange(10**9)


async def async_setup():
    await asyncio.sleep(0)
    events.append("async-setup")
"""


def write_module(tmp_path: Path) -> str:
    name = f"cavra_user_mod_{next(_names)}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    return name


def python_spec(target: str, workload: str) -> str:
    return f"""
version: cavra/v1
suites:
  - id: py
    target:
      kind: python
      python_path: ["."]
{textwrap.indent(textwrap.dedent(target).strip(), "      ")}
    workload: {workload}
    slo: {{p95_latency_ms_max: 100, throughput_per_second_min: 1}}
"""


def run(text: str, tmp_path: Path) -> tuple[Spec, SuiteRun, SuiteEvaluation]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    spec = load_spec_text(text, str(path))
    runs, evaluations = run_suites(spec, SuiteMetrics(None))
    return spec, runs[0], evaluations[0]


def module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_sync_callable_with_cases_setup_and_teardown(tmp_path: Path) -> None:
    name = write_module(tmp_path)
    (tmp_path / "cases.json").write_text('[{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]')
    target = f"""
        call: {name}:record
        setup: {name}:setup
        teardown: {name}:teardown
        cases_file: cases.json
    """
    _, suite_run, _ = run(
        python_spec(target, "{concurrency: 1, iterations: 40, warmup_seconds: 0}"), tmp_path
    )
    mod = module(name)
    assert mod.events == ["setup", "teardown"]
    assert suite_run.sample_count == 40 and suite_run.error_count == 0
    # one worker cycles the four cases in order from a seeded offset: each ten times
    assert sorted(c["n"] for c in mod.calls) == sorted([0, 1, 2, 3] * 10)


def test_errors_are_counted_by_class(tmp_path: Path) -> None:
    name = write_module(tmp_path)
    kinds = ["ok", "timeout", "refused", "status", "bug", "false"]
    lines = "".join(f'{{"kind": "{k}"}}\n' for k in kinds)
    (tmp_path / "cases.jsonl").write_text(lines)
    target = f"""
        call: {name}:mixed
        cases_file: cases.jsonl
    """
    _, suite_run, evaluation = run(
        python_spec(target, "{concurrency: 1, iterations: 60}"), tmp_path
    )
    assert suite_run.error_count == 50
    assert dict(suite_run.error_classes) == {
        ERROR_TIMEOUT: 10,
        ERROR_CONNECTION: 10,
        ERROR_STATUS: 10,
        ERROR_EXCEPTION: 10,
        ERROR_FAILED: 10,
    }
    assert evaluation.error_ratio is not None and round(evaluation.error_ratio, 6) == round(
        50 / 60, 6
    )


def test_p95_of_a_sleeping_callable_matches_its_sleep(tmp_path: Path) -> None:
    name = write_module(tmp_path)
    _, suite_run, evaluation = run(
        python_spec(f"call: {name}:sleepy", "{concurrency: 2, iterations: 60}"), tmp_path
    )
    assert suite_run.error_count == 0
    assert evaluation.p95_exact_latency_ms is not None
    assert 20.0 <= evaluation.p95_exact_latency_ms <= 20.0 + 40.0


def test_async_callable_in_open_loop_holds_its_rate(tmp_path: Path) -> None:
    name = write_module(tmp_path)
    target = f"""
        call: {name}:sleepy_async
        setup: {name}:async_setup
        generator: {name}:generate
    """
    workload = (
        "{mode: open, arrival_rate_per_second: 100, concurrency: 4, duration_seconds: 1, "
        "warmup_seconds: 0}"
    )
    _, suite_run, evaluation = run(python_spec(target, workload), tmp_path)
    mod = module(name)
    assert mod.events == ["async-setup"]
    assert suite_run.sample_count == 100 == len(mod.calls)
    assert len(suite_run.schedule_lag_seconds) == 100
    assert evaluation.p95_exact_latency_ms is not None
    # asyncio.sleep on a loop with millisecond timers may wake up to 1 ms early
    assert 19.0 <= evaluation.p95_exact_latency_ms <= 20.0 + 40.0


def test_seeded_generator_repeats_and_differs_by_seed(tmp_path: Path) -> None:
    def payloads(seed: int) -> list[int]:
        name = write_module(tmp_path)
        target = f"""
            call: {name}:record
            generator: {name}:generate
        """
        workload = f"{{concurrency: 1, iterations: 20, warmup_seconds: 0, seed: {seed}}}"
        run(python_spec(target, workload), tmp_path)
        return list(module(name).calls)

    first, again, other = payloads(5), payloads(5), payloads(6)
    assert first == again
    assert first != other
    assert len(set(first)) > 1


def test_python_path_is_resolved_against_the_spec_file(tmp_path: Path) -> None:
    (tmp_path / "pkgdir").mkdir()
    name = write_module(tmp_path / "pkgdir")
    text = python_spec(f"call: {name}:record", "{concurrency: 1, iterations: 3}").replace(
        'python_path: ["."]', 'python_path: ["pkgdir"]'
    )
    _, suite_run, _ = run(text, tmp_path)
    assert suite_run.sample_count == 3
    assert str((tmp_path / "pkgdir").resolve()) in sys.path
