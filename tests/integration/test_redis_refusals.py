"""Redis answering but refusing writes (READONLY after a failover, OOM at maxmemory),
on a private redis-server: the API says 503 where it cannot act, and a trigger whose
row is saved still returns its run (QUEUED), which the tick pushes once Redis
takes writes again. Nothing is duplicated by a client retrying after an error."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from chalice.test import Client

from infra.local.ports import free_port
from jobsched.errors import DependencyError
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect, redis_errors
from jobsched.runtime import Runtime, set_runtime
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_api import KEY, Api

REFUSALS = {
    # A replica of a primary that does not exist: reads work, writes get READONLY.
    "READONLY": lambda: ["--replicaof", "127.0.0.1", str(free_port())],
    # Any write that may grow memory gets OOM.
    "OOM": lambda: ["--maxmemory", "1", "--maxmemory-policy", "noeviction"],
}
HEAL = {
    "READONLY": ["REPLICAOF", "NO", "ONE"],
    "OOM": ["CONFIG", "SET", "maxmemory", "0"],
}


@pytest.fixture(params=sorted(REFUSALS))
def refusing_redis(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [*argv, *REFUSALS[request.param]()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = connect(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    try:
        wait_for(answers, timeout=10, what="the private redis-server")
        yield request.param, url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def refusing(refusing_redis, store, settings, registry, clock) -> Iterator[tuple[str, Api, Engine]]:
    kind, url = refusing_redis
    client = connect(url)
    engine = Engine(store, RedisQueue(client, "refusing"), settings, registry, clock)
    from app.app import app

    rt = Runtime(replace(settings, api_keys=(KEY,)), clock)
    rt.__dict__.update(store=store, queue=engine.queue, registry=registry)
    rt.__dict__["service"] = engine.service
    set_runtime(rt)
    with Client(app) as chalice:
        yield kind, Api(chalice), engine
    set_runtime(None)
    client.close()


def test_a_refused_push_still_returns_the_run_and_the_tick_pushes_it_later(refusing) -> None:
    kind, api, engine = refusing
    job = api.ok("POST", "/jobs", {"name": "refused", "handler": "test.echo"}, 201)

    run = api.ok("POST", f"/jobs/{job['id']}/trigger", {"payload": {"n": 1}}, 202)
    assert run["status"] == "QUEUED"
    batch = api.ok("POST", f"/jobs/{job['id']}/trigger", {"runs": [{}, {}]}, 202)
    assert [r["status"] for r in batch["items"]] == ["QUEUED", "QUEUED"]
    assert api.ok("GET", f"/jobs/{job['id']}/executions")["total"] == 3

    # Writes the queue needs are a dependency error (503), never a 500.
    with pytest.raises(DependencyError, match="Redis unavailable"):
        engine.queue.acquire_leader("tick-1", 1000)
    with pytest.raises(DependencyError):
        engine.queue.enqueue([(run["id"], 50)], engine.clock.now())

    engine.queue.client.execute_command(*HEAL[kind])
    ids = [run["id"], *(r["id"] for r in batch["items"])]
    wait_for(
        lambda: engine.scheduler.run_once(engine.clock.now()) and not engine.queue.unknown(ids),
        what="the tick pushing the runs Redis refused",
    )
    assert api.ok("GET", f"/jobs/{job['id']}/executions")["total"] == 3
    assert engine.queue.depth()["ready"] == 3


def test_a_cancel_that_cannot_reach_redis_still_cancels(refusing) -> None:
    _kind, api, _engine = refusing
    job = api.ok("POST", "/jobs", {"name": "cancelled", "handler": "test.echo"}, 201)
    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    assert api.ok("POST", f"/executions/{run['id']}/cancel")["status"] == "CANCELLED"
    # Whether Redis takes this particular write (a requeue can free as much as it adds),
    # the retry answers with its run: queued, or pending for the tick.
    code, body = api.call("POST", f"/executions/{run['id']}/retry")
    assert code == 202 and body["status"] in ("PENDING", "QUEUED"), body


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (redis.exceptions.ReadOnlyError("You can't write against a read only replica."), True),
        (redis.exceptions.OutOfMemoryError("command not allowed when used memory"), True),
        (redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"), True),
        (redis.exceptions.MasterDownError("Link with MASTER is down"), True),
        (redis.exceptions.ClusterDownError("The cluster is down"), True),
        (redis.exceptions.TryAgainError("Multiple keys request during rehashing"), True),
        (redis.ResponseError("BUSY Redis is busy running a script"), True),
        (redis.ResponseError("NOREPLICAS Not enough good replicas to write"), True),
        # A wrong command is our bug, not an outage: it stays an error.
        (redis.ResponseError("WRONGTYPE Operation against a key holding the wrong kind"), False),
    ],
)
def test_which_redis_errors_mean_unavailable(error: Exception, unavailable: bool) -> None:
    @redis_errors
    def command() -> None:
        raise error

    expected = DependencyError if unavailable else redis.ResponseError
    with pytest.raises(expected):
        command()
