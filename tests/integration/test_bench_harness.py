"""The benchmark harness's pieces work at toy sizes (their figures are not looked at):
end to end here; the fair drain here and, when .venv-bench exists, on every peer; the
single-trigger floor; start lag; the tick cost and the enqueue rate; the workflow chain
and fan-out, ours and Celery's canvas. Every run uses its
own scratch database, key prefix and private Redis."""

from __future__ import annotations

import pytest

from bench import drain, enqueue, floor, start_lag, throughput, tick_cost, venv
from bench.scratch import scratch


def test_end_to_end_counts_every_run_and_its_round_trips() -> None:
    with throughput.private_redis() as redis_url:
        result = throughput.ours(redis_url, 50)
    assert result["completed"] == 50 and result["finished"]
    per = result["per_execution"]
    assert per["redis_commands"] > 0
    assert per["postgres_transactions"] > 0
    assert per["postgres_statements"] > 0


def test_our_drain_is_verified_in_postgresql_and_timed_from_the_handler_body() -> None:
    with throughput.private_redis() as redis_url:
        result = drain.ours_once(redis_url, runs=30, singles=5, slots=4)
    assert result["complete"], result
    assert result["executed"] == result["rows"] == 35
    assert result["lost"] == 0 and result["duplicates"] == 0
    assert result["drain_per_s"] and result["enqueue_single_per_s"]


NO_BENCH_VENV = venv.bench_python(create=False) is None


@pytest.mark.skipif(NO_BENCH_VENV, reason=".venv-bench not made")
@pytest.mark.parametrize("peer", drain.PEERS)
def test_every_peer_drains_the_same_workload_and_is_counted(peer: str) -> None:
    python = venv.bench_python(create=False)
    assert python is not None
    with throughput.private_redis() as redis_url:
        result = drain.peer_once(python, peer, redis_url, runs=30, singles=5, slots=2)
    assert result["complete"], result
    assert result["executed"] == 35 and result["duplicates"] == 0


def test_the_floor_loops_and_our_single_trigger_are_each_verified() -> None:
    result = floor.measure(calls=10, repeat=1)
    for name, loop in result["loops"].items():
        assert loop["runs"][0]["complete"], (name, loop)
    assert result["ratio_ours_to_insert_then_zadd"] is not None


@pytest.mark.skipif(NO_BENCH_VENV, reason=".venv-bench not made")
def test_start_lag_is_taken_for_every_run_of_both_systems() -> None:
    result = start_lag.measure(runs=10, spread_s=0.5, repeat=1)
    for name, system in result["systems"].items():
        run = system["runs"][0]
        assert run["complete"] and run["started"] == 10, (name, run)


def test_tick_cost_reads_the_due_index_at_each_size() -> None:
    result = tick_cost.measure([200, 400], due=20, repeats=1)
    assert [s["jobs"] for s in result["sizes"]] == [200, 400]
    for size in result["sizes"]:
        assert size["passes_per_due_batch"] == 1
        assert size["due_scan"]["indexes"] == ["jobs_due_idx"]
        assert size["due_scan"]["rows_read"] == 20


def test_enqueue_reports_single_and_batched_triggers() -> None:
    with scratch("enqueue") as s:
        result = enqueue.measure(s, runs=20, batch=10, singles=5)
    assert result["batched"]["runs"] == 20 and result["single"]["runs"] == 5


def test_the_workflow_benchmark_times_every_edge_and_the_fan_in_of_ours() -> None:
    from bench import workflows

    with throughput.private_redis() as redis_url:
        result = workflows.ours(redis_url, chains=2, items=10)
    assert result["complete"], result
    assert result["edges"] == 2 * (workflows.STEPS - 1)
    assert result["edge_p50_ms"] is not None and result["fan_out_s"] is not None


@pytest.mark.skipif(NO_BENCH_VENV, reason=".venv-bench not made")
def test_the_workflow_benchmark_times_celerys_chain_and_chord() -> None:
    from bench import workflows

    python = venv.bench_python(create=False)
    assert python is not None
    with throughput.private_redis() as redis_url:
        result = workflows.celery(python, redis_url, chains=2, items=10)
    assert result["complete"], result
    assert result["edges"] == 2 * (workflows.STEPS - 1)
