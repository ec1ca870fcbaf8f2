"""The benchmark harness's pieces work at toy sizes (their figures are not looked at):
end to end here and, when .venv-bench exists, on Celery and RQ; the tick cost and the
enqueue rate. Every run uses its own scratch database, key prefix and private Redis."""

from __future__ import annotations

import pytest

from bench import enqueue, throughput, tick_cost, venv
from bench.scratch import scratch


def test_end_to_end_counts_every_run_and_its_round_trips() -> None:
    with throughput.private_redis() as redis_url:
        result = throughput.ours(redis_url, 50)
    assert result["completed"] == 50 and result["finished"]
    per = result["per_execution"]
    assert per["redis_commands"] > 0
    assert per["postgres_transactions"] > 0
    assert per["postgres_statements"] > 0


@pytest.mark.skipif(venv.bench_python(create=False) is None, reason=".venv-bench not made")
@pytest.mark.parametrize("runner", [throughput.celery, throughput.rq])
def test_the_other_systems_drain_the_same_workload(runner) -> None:
    python = venv.bench_python(create=False)
    with throughput.private_redis() as redis_url:
        result = runner(python, redis_url, 50)
    assert result["completed"] == 50 and result["finished"], result


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
