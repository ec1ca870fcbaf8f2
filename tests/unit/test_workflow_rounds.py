"""Which executions count for a workflow step (jobsched/workflow_steps.py: states_of):
after a retry from failure, a step's earlier failures no longer do; its successes do."""

from __future__ import annotations

from jobsched.workflow_steps import states_of


def _step(sid: str, status: str, round_: int, items=None) -> dict:
    return {"step_id": sid, "status": status, "reason": None, "items": items, "round": round_}


def _execution(sid: str, item: int, status: str, round_: int, result=None) -> dict:
    return {
        "step_id": sid,
        "step_item": item,
        "status": status,
        "step_round": round_,
        "result": result,
        "error": None,
    }


def test_a_retried_steps_earlier_failures_do_not_count_and_its_successes_do():
    states = states_of(
        [_step("fan", "WAITING", 1, None), _step("b", "WAITING", 1)],
        [
            _execution("fan", 0, "SUCCEEDED", 0, "r0"),
            _execution("fan", 1, "FAILED", 0),
            _execution("b", 0, "FAILED", 0),
        ],
    )
    assert list(states["fan"].executions) == [0]
    assert states["fan"].executions[0].result == "r0"
    assert states["b"].executions == {}


def test_this_rounds_executions_count_whatever_their_status():
    states = states_of(
        [_step("a", "RUNNING", 2)],
        [_execution("a", 0, "RETRYING", 2), _execution("a", 1, "FAILED", 2)],
    )
    assert {i: e.status for i, e in states["a"].executions.items()} == {
        0: "RETRYING",
        1: "FAILED",
    }
