"""The runner-facing API: REFERENCE_OPERATIONS, make_operation, thread safety."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest

from cavra_prom.errors import TargetError
from cavra_prom.runtime import REFERENCE_OPERATIONS, ReferenceRuntime, RuntimeConfig
from cavra_prom.runtime.decisions import DECISIONS_TOPIC
from cavra_prom.runtime.faults import POLICY_COMPILE_FAILURE, STORE_WRITE_FAILURE


def test_operation_names() -> None:
    assert REFERENCE_OPERATIONS == ("runtime_decision", "monitoring_replay", "policy_dry_run")


def test_default_config_has_two_api_and_two_worker_replicas() -> None:
    rt = ReferenceRuntime(RuntimeConfig(seed=1))
    assert (rt.config.api_replicas, rt.config.worker_replicas, rt.config.fail_closed) == (
        2,
        2,
        True,
    )
    assert [e.replica for e in rt.engines] == ["api-0", "api-1"]


def test_unknown_operation_is_a_target_error() -> None:
    with pytest.raises(TargetError, match="unknown reference operation 'nope'"):
        ReferenceRuntime().make_operation("nope", random.Random(1))


@pytest.mark.parametrize("name", REFERENCE_OPERATIONS)
def test_each_operation_succeeds_on_a_healthy_runtime(name: str) -> None:
    op = ReferenceRuntime(RuntimeConfig(seed=1)).make_operation(name, random.Random(1))
    assert all(op() for _ in range(5))


def test_operations_report_governed_errors_under_faults() -> None:
    rt = ReferenceRuntime(RuntimeConfig(seed=1))
    decision = rt.make_operation("runtime_decision", random.Random(1))
    dry_run = rt.make_operation("policy_dry_run", random.Random(1))
    with rt.faults.injected(STORE_WRITE_FAILURE):
        assert not decision()
    with rt.faults.injected(POLICY_COMPILE_FAILURE):
        assert not dry_run()
    assert decision() and dry_run()


def _hammer(ops: list[Callable[[], bool]], calls: int) -> list[int]:
    """Run each op ``calls`` times in its own thread; returns per-thread success counts."""
    results = [0] * len(ops)
    barrier = threading.Barrier(len(ops))

    def work(i: int) -> None:
        barrier.wait()
        results[i] = sum(ops[i]() for _ in range(calls))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(ops))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_decisions_from_many_threads_all_add_up() -> None:
    rt = ReferenceRuntime(RuntimeConfig(seed=1, replication_batch_events=7))
    ops = [rt.make_operation("runtime_decision", random.Random(i)) for i in range(4)]
    assert _hammer(ops, 300) == [300] * 4
    assert rt.store.audit_count == 1200
    events = rt.bus.read(DECISIONS_TOPIC)
    assert len(events) == 1200
    assert len({e.key for e in events}) == 1200  # every decision id unique
    assert all(rt.store.audit_for(e.key) is not None for e in events)
    assert rt.store.verify_chain()
    status = rt.bus.replication_status()
    assert status.unreplicated_events < 7  # the last publish's check left fewer than a batch
    assert len(rt.bus.read_replica(DECISIONS_TOPIC)) + status.unreplicated_events == 1200


def test_monitoring_and_policy_ops_are_thread_safe() -> None:
    rt = ReferenceRuntime(RuntimeConfig(seed=1))
    replays = [rt.make_operation("monitoring_replay", random.Random(i)) for i in range(3)]
    dry_runs = [rt.make_operation("policy_dry_run", random.Random(i)) for i in range(2)]
    assert _hammer(replays + dry_runs, 12) == [12] * 5
    assert rt.monitoring.windows_replayed == 36
    assert rt.registry.promotions == 24
    assert rt.registry.active().revision == 25
