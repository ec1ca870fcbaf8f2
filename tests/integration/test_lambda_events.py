"""The Lambda handlers invoked the way AWS invokes them: real API Gateway proxy and
EventBridge scheduled events (samples in app/events/), a Lambda context object."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from jobsched.runtime import Runtime, set_runtime
from tests.integration.engine import Engine

EVENTS = Path(__file__).resolve().parents[2] / "app" / "events"
KEY = "event-key"


class Context:
    """The attributes of Lambda's context object the handlers use."""

    function_name = "job-scheduler-ApiFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:job-scheduler"
    aws_request_id = "7d6c1bd2-0f5c-4b3e-9d7a-0123456789ab"
    log_group_name = "/aws/lambda/job-scheduler"
    log_stream_name = "2026/11/27/[$LATEST]abc"

    def __init__(self, budget_ms: int) -> None:
        self.deadline = time.monotonic() + budget_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.deadline - time.monotonic()) * 1000), 0)


def load(name: str, **replacements: str) -> dict:
    text = (EVENTS / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return json.loads(text)


@pytest.fixture
def lambda_app(engine: Engine):
    from app import app as module

    rt = Runtime(replace(engine.settings, api_keys=(KEY,), scan_interval_ms=100), engine.clock)
    rt.__dict__.update(
        store=engine.store, queue=engine.queue, registry=engine.registry, service=engine.service
    )
    set_runtime(rt)
    yield module
    set_runtime(None)


def test_api_gateway_events_reach_the_routes(lambda_app, engine: Engine) -> None:
    created = lambda_app.app(
        load("api_post_job.json", **{"REPLACED-BY-TEST": KEY}), Context(29_000)
    )
    assert created["statusCode"] == 201, created
    job = json.loads(created["body"])
    assert job["name"] == "from-a-real-event"
    assert created["headers"]["Access-Control-Allow-Origin"] == "*"

    event = load("api_get_job.json")
    event["headers"]["Authorization"] = f"Bearer {KEY}"
    event["multiValueHeaders"]["Authorization"] = [f"Bearer {KEY}"]
    event["pathParameters"]["job_id"] = job["id"]
    event["path"] = event["path"].replace("REPLACED-BY-TEST", job["id"])
    fetched = lambda_app.app(event, Context(29_000))
    assert fetched["statusCode"] == 200
    assert json.loads(fetched["body"])["id"] == job["id"]

    event["headers"]["Authorization"] = "Bearer nope"
    refused = lambda_app.app(event, Context(29_000))
    assert refused["statusCode"] == 401
    assert json.loads(refused["body"])["error"]["code"] == "unauthorized"


class ScriptedContext(Context):
    """A Lambda context whose remaining time drops by ``step_ms`` at every read, whatever
    the wall clock does: when the tick stops is decided by what it read, not by how
    fast this machine is."""

    def __init__(self, budget_ms: int, step_ms: int) -> None:
        self.left, self.step_ms, self.reads = budget_ms, step_ms, []

    def get_remaining_time_in_millis(self) -> int:
        self.reads.append(self.left)
        self.left = max(self.left - self.step_ms, 0)
        return self.reads[-1]


def test_the_scheduled_event_runs_ticks_until_time_runs_low(
    lambda_app, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = engine.create_job(schedule="* * * * * *")
    engine.clock.set(engine.store.jobs.get(job_id).next_run_time)
    context = ScriptedContext(9_000, 2_000)
    result = lambda_app.tick(load("scheduled_tick.json"), context)
    assert result["passes"] >= 1
    assert result["scheduled"] == 1  # the fake clock stands still: one occurrence
    # It stopped on reading that time ran low, before it ran out: every read but the
    # last started a pass, and none saw the Lambda's time gone.
    assert result["passes"] == len(context.reads) - 1
    assert context.reads[-1] > 0
    assert engine.store.executions.list(job_id=job_id).items[0].status == "QUEUED"
    # Each pool's depth is its own QueueDepth series (what its workers scale on).
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_pool = [m for m in emf if m.get("pool") == "default" and "QueueDepth" in m]
    assert per_pool and per_pool[-1]["QueueDepth"] == [1.0]
    assert per_pool[-1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "pool"]]
