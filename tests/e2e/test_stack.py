"""End to end: the local stack driven over HTTP, as a user would."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from jobsched.client import ApiError, Client
from tests.e2e.stack import Stack
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.e2e


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def statuses(api: Client, job_id: str) -> list[str]:
    return [e["status"] for e in api.list_executions(job_id, limit=200)["items"]]


def test_health_and_dashboard_are_served(stack: Stack, api: Client) -> None:
    assert api.health()["status"] == "ok"
    with urllib.request.urlopen(stack.dashboard_url, timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/html")
    config_url = stack.dashboard_url.rsplit("/", 1)[0] + "/config.json"
    with urllib.request.urlopen(config_url, timeout=10) as resp:
        assert json.load(resp)["apiUrl"] == stack.api_url


@pytest.mark.also_cluster  # the same against a 3-primary Redis Cluster
def test_a_seconds_cron_job_runs_again_and_again(api: Client) -> None:
    job = api.create_job(
        name=unique("every-2s"), handler="test.echo", schedule="*/2 * * * * *", payload={"n": 1}
    )
    wait_for(
        lambda: statuses(api, job["id"]).count("SUCCEEDED") >= 3,
        timeout=30,
        interval=0.3,
        what="three successful cron runs",
    )
    done = [e for e in api.list_executions(job["id"])["items"] if e["status"] == "SUCCEEDED"]
    assert all(e["result"] == {"n": 1} for e in done)
    assert len({e["scheduled_for"] for e in done}) == len(done)  # each occurrence once
    api.delete_job(job["id"])


@pytest.mark.also_cluster  # the same against a 3-primary Redis Cluster
def test_trigger_pause_resume(api: Client) -> None:
    job = api.create_job(name=unique("paused"), handler="test.echo", schedule="* * * * * *")
    paused = api.pause(job["id"])
    assert paused["status"] == "PAUSED"
    count = len(statuses(api, job["id"]))
    with pytest.raises(ApiError) as info:
        api.trigger(job["id"])
    assert info.value.status == 409
    # A probe job on the same schedule proves ticks keep happening meanwhile.
    probe = api.create_job(name=unique("probe"), handler="test.echo", schedule="* * * * * *")
    wait_for(
        lambda: statuses(api, probe["id"]).count("SUCCEEDED") >= 3,
        timeout=20,
        what="probe runs while the other job is paused",
    )
    assert len(statuses(api, job["id"])) == count
    api.delete_job(probe["id"])
    resumed = api.resume(job["id"])
    assert resumed["status"] == "SCHEDULED"
    run = api.trigger(job["id"], payload={"manual": True}, priority=95)
    wait_for(lambda: api.get_execution(run["id"])["status"] == "SUCCEEDED", timeout=20)
    assert api.get_execution(run["id"])["result"] == {"manual": True}
    wait_for(
        lambda: statuses(api, job["id"]).count("SUCCEEDED") >= 3,
        timeout=20,
        what="cron runs after resume",
    )
    api.delete_job(job["id"])


@pytest.mark.also_cluster  # the same against a 3-primary Redis Cluster
def test_a_failing_job_is_retried_then_dead_lettered_then_redriven(api: Client) -> None:
    job = api.create_job(
        name=unique("flaky"),
        handler="test.delay",
        max_retries=2,
        retry_backoff_ms=200,
        retry_backoff_max_ms=400,
        payload={"durationMs": 10, "shouldFail": True, "failMessage": "upstream down"},
    )
    run = api.trigger(job["id"])
    wait_for(
        lambda: api.get_execution(run["id"])["status"] == "FAILED",
        timeout=30,
        what="FAILED after retries",
    )
    failed = api.get_execution(run["id"])
    assert [a["outcome"] for a in failed["attempts"]] == ["FAILED"] * 3
    entry = next(e for e in api.dead_letter(limit=200)["items"] if e["execution_id"] == run["id"])
    assert entry["error"] == "upstream down"
    # Redrive re-runs the same execution, with the payload it was created with (editing
    # the job later does not change runs already made), and a fresh retry budget.
    api.update_job(job["id"], payload={"durationMs": 10})
    redriven = api.redrive(entry["id"])
    assert redriven["id"] == run["id"]
    wait_for(lambda: api.get_execution(run["id"])["status"] in ("SUCCEEDED", "FAILED"), timeout=30)
    assert len(api.get_execution(run["id"])["attempts"]) == 6
    api.delete_job(job["id"])


def test_cancel_a_running_delay(api: Client) -> None:
    job = api.create_job(
        name=unique("long"),
        handler="test.delay",
        payload={"durationMs": 120_000},
        timeout_ms=300_000,
    )
    run = api.trigger(job["id"])
    wait_for(lambda: api.get_execution(run["id"])["status"] == "RUNNING", timeout=20)
    cancelled = api.cancel(run["id"])
    assert cancelled["status"] == "CANCELLED"
    wait_for(
        lambda: api.get_execution(run["id"])["attempts"][-1]["outcome"] == "CANCELLED",
        timeout=10,
        what="the worker to stop the handler",
    )
    wait_for(
        lambda: all(w["running"] == 0 for w in api.workers()["items"]),
        timeout=10,
        what="no worker still running it",
    )
    api.delete_job(job["id"])


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "handler"}),
        ({"name": "x", "handler": "test.echo", "priority": 101}, {"priority"}),
        ({"name": "x", "handler": "test.echo", "schedule": "61 * * * *"}, {"schedule"}),
        ({"name": "x", "handler": "test.echo", "timezone": "Nowhere/City"}, {"timezone"}),
        ({"name": "x", "handler": "nope"}, {"handler"}),
        (
            {"name": "x", "handler": "http.webhook", "payload": {"url": "http://169.254.169.254/"}},
            {"payload.url"},
        ),
        ({"name": "x", "handler": "test.echo", "payload": []}, {"payload"}),
    ],
)
def test_bad_input_gets_a_400_naming_the_fields(api: Client, body: dict, fields: set) -> None:
    with pytest.raises(ApiError) as info:
        api.request("POST", "/jobs", body)
    assert info.value.status == 400
    assert info.value.code == "validation_error"
    assert set(info.value.fields) == fields


def test_other_error_paths(stack: Stack, api: Client) -> None:
    with pytest.raises(ApiError) as info:
        Client(stack.api_url, "wrong-key").list_jobs()
    assert info.value.status == 401
    with pytest.raises(ApiError) as info:
        api.get_job(str(uuid.uuid4()))
    assert info.value.status == 404
    job = api.create_job(name=unique("dup"), handler="test.echo")
    with pytest.raises(ApiError) as info:
        api.create_job(name=job["name"], handler="test.echo")
    assert (info.value.status, info.value.fields) == (409, {"name": "already exists"})
    with pytest.raises(ApiError) as info:
        api.request("GET", "/jobs", query={"limit": "9999"})
    assert info.value.status == 400 and "limit" in info.value.fields
    req = urllib.request.Request(
        stack.api_url + "/jobs",
        data=b"{oops",
        method="POST",
        headers={"Authorization": f"Bearer {stack.api_key}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(req, timeout=10)
    assert http.value.code == 400
    assert "body" in json.load(http.value)["error"]["fields"]
    api.delete_job(job["id"])


def test_cli_talks_to_the_stack(stack: Stack) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "JOBSCHED_API_URL": stack.api_url, "JOBSCHED_API_KEY": stack.api_key}
    name = unique("cli")
    run = subprocess.run(
        [
            *(sys.executable, "-m", "jobsched", "jobs", "create", name, "test.echo", "--json"),
            *("--pool", "reports", "--max-concurrency", "2"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    created = json.loads(run.stdout)
    assert (created["name"], created["pool"], created["max_concurrency"]) == (name, "reports", 2)
    bad = subprocess.run(
        [sys.executable, "-m", "jobsched", "jobs", "create", "y", "test.echo", "--payload", "[]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2
    assert "payload" in bad.stderr
    gone = subprocess.run(
        [sys.executable, "-m", "jobsched", "jobs", "list"],
        env={**env, "JOBSCHED_API_URL": "http://127.0.0.1:9/api/v1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert gone.returncode == 3


def test_cli_lists_the_audit_log(stack: Stack, api: Client) -> None:
    import os
    import subprocess
    import sys

    job = api.create_job(name=unique("audited"), handler="test.echo")
    api.pause(job["id"])
    env = {**os.environ, "JOBSCHED_API_URL": stack.api_url, "JOBSCHED_API_KEY": stack.api_key}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "jobsched", "audit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )

    listed = cli("--target-id", job["id"], "--json")
    assert listed.returncode == 0, listed.stderr
    entries = json.loads(listed.stdout)["items"]
    assert [e["action"] for e in entries] == ["pause", "create"]
    assert entries[0]["changes"] == {"status": {"before": "SCHEDULED", "after": "PAUSED"}}
    assert stack.api_key not in listed.stdout
    table = cli("--target-id", job["id"], "--action", "pause")
    assert table.returncode == 0, table.stderr
    assert "pause" in table.stdout and "status" in table.stdout and "(1 of 1)" in table.stdout
    bad = cli("--since", "yesterday")
    assert bad.returncode == 2
    assert "since" in bad.stderr
    api.delete_job(job["id"])
