"""End to end with WORKER_RUNTIME=container: the local stack's workers are containers of
the worker image (podman, as the template's ECS task runs them), driven over HTTP.

Cron jobs, triggers, retries and the dead-letter queue work as with worker processes;
SIGTERM and SIGKILL of a worker container lose nothing (its ``podman run`` ends, the
stack's pool starts a new container, the tick releases a killed one's runs).

The stack runs on free ports of its own (tests/e2e/stack.py), never 3000/3001/4566.
Run alone: ``.venv/bin/python -m pytest tests/e2e/test_container_workers.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from infra.worker.podman import Engine as ContainerEngine
from infra.worker.podman import missing_tools
from jobsched.client import Client
from tests.e2e.stack import Stack, local_stack
from tests.integration.helpers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.containers]

FINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"}


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def container_stack(services: dict[str, str]) -> Iterator[Stack]:
    if missing := missing_tools():
        pytest.fail(f"missing {', '.join(missing)}: run infra/bootstrap.sh --containers")
    with local_stack(
        services["postgres_admin"],
        services["redis"],
        "e2ectr",
        WORKER_RUNTIME="container",
        LOCAL_WORKERS="default:2",
        REDIS_CLUSTER="false",
        ready_timeout_s=300,
    ) as s:
        yield s


@pytest.fixture
def api(container_stack: Stack) -> Client:
    return container_stack.client()


def running_containers(stack: Stack, worker_id: str) -> list[str]:
    """The running containers of one of the stack's workers (``jobsched-<pid>-<id>``)."""
    name = f"^jobsched-{stack.process.pid}-{worker_id}$"
    out = ContainerEngine.from_env().podman(
        "ps", "--filter", f"name={name}", "--format", "{{.Names}}"
    )
    return out.stdout.split()


def worker_container(stack: Stack, worker_id: str) -> str:
    (name,) = running_containers(stack, worker_id)
    return name


def test_the_workers_are_containers(container_stack: Stack, api: Client) -> None:
    assert "containers" in "".join(container_stack.output)  # the banner says so
    worker_container(container_stack, "worker-1")
    wait_for(
        lambda: {w["id"] for w in api.workers()["items"]} >= {"worker-1", "worker-2"},
        timeout=60,
        what="both container workers heartbeating",
    )


def test_cron_trigger_retry_and_dead_letter(api: Client) -> None:
    cron = api.create_job(
        name=unique("every-2s"), handler="test.echo", schedule="*/2 * * * * *", payload={"n": 1}
    )
    flaky = api.create_job(
        name=unique("flaky"),
        handler="test.delay",
        max_retries=1,
        retry_backoff_ms=200,
        retry_backoff_max_ms=400,
        payload={"durationMs": 10, "shouldFail": True, "failMessage": "upstream down"},
    )
    echo = api.create_job(name=unique("echo"), handler="test.echo", payload={"hi": 1})
    run = api.trigger(echo["id"])
    failing = api.trigger(flaky["id"])
    wait_for(lambda: api.get_execution(run["id"])["status"] == "SUCCEEDED", timeout=60)
    assert api.get_execution(run["id"])["result"] == {"hi": 1}
    wait_for(lambda: api.get_execution(failing["id"])["status"] == "FAILED", timeout=60, what="DLQ")
    assert [a["outcome"] for a in api.get_execution(failing["id"])["attempts"]] == ["FAILED"] * 2
    dead = api.dead_letter(limit=200)["items"]
    assert any(d["execution_id"] == failing["id"] for d in dead)
    wait_for(
        lambda: (
            sum(e["status"] == "SUCCEEDED" for e in api.list_executions(cron["id"])["items"]) >= 3
        ),
        timeout=60,
        what="three cron runs",
    )
    for job in (cron, flaky, echo):
        api.delete_job(job["id"])


@pytest.mark.parametrize(("signal", "outcome"), [("TERM", "HANDED_BACK"), ("KILL", "LOST")])
def test_a_signalled_worker_container_loses_nothing(
    container_stack: Stack, api: Client, signal: str, outcome: str
) -> None:
    # Runs longer than the stack's WORKER_GRACE_MS (2 s): a SIGTERM hands them back.
    job = api.create_job(
        name=unique(f"sig{signal}"), handler="test.delay", payload={"durationMs": 6000}
    )
    runs = [api.trigger(job["id"])["id"] for _ in range(10)]

    def one_on_worker_1() -> str | None:
        return next(
            (
                r
                for r in runs
                if (e := api.get_execution(r))["status"] == "RUNNING"
                and e["worker_id"] == "worker-1"
            ),
            None,
        )

    victim_run = wait_for(one_on_worker_1, timeout=60, what="a run in flight on worker-1")
    ContainerEngine.from_env().podman(
        "kill", "--signal", signal, worker_container(container_stack, "worker-1")
    )
    wait_for(
        lambda: all(api.get_execution(r)["status"] in FINAL for r in runs),
        timeout=180,
        interval=0.5,
        what="every run to end",
    )
    assert [api.get_execution(r)["status"] for r in runs] == ["SUCCEEDED"] * len(runs)
    # The signalled container's run came back (handed back, or lost and released by the
    # tick) and ran again; no run succeeded twice.
    attempts = api.get_execution(victim_run)["attempts"]
    assert (attempts[0]["worker_id"], attempts[0]["outcome"]) == ("worker-1", outcome)
    for r in runs:
        outcomes = [a["outcome"] for a in api.get_execution(r)["attempts"]]
        assert outcomes.count("SUCCEEDED") == 1
    # The pool replaced the container it lost.
    wait_for(lambda: running_containers(container_stack, "worker-1"), timeout=60)
    api.delete_job(job["id"])
