"""End to end: the user's own handlers, installed as a package, on worker pools.

The example package (``examples/report-handlers``) is installed into the stack's
virtualenv, as a user installs theirs; its entry point makes every worker load it.
The stack starts workers on the default pool only, so the ``reports`` pool's
handler has no worker until the test starts one.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsched.client import ApiError, Client
from tests.e2e.stack import Stack, local_stack
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "report-handlers"
DIST = "jobsched-example-reports"


@pytest.fixture(scope="module")
def example_installed() -> Iterator[None]:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    before = subprocess.run([*pip, "show", DIST], capture_output=True).returncode == 0
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(EXAMPLE)], check=True
    )
    yield
    if not before:  # leave the virtualenv as it was found
        subprocess.run([*pip, "uninstall", "-y", DIST], check=True)


@pytest.fixture(scope="module")
def plugin_stack(
    example_installed: None, services: dict[str, str], redis_url: str
) -> Iterator[Stack]:
    with local_stack(
        services["postgres_admin"], redis_url, "plugins", LOCAL_WORKERS="default:1"
    ) as s:
        yield s


@pytest.fixture
def api(plugin_stack: Stack) -> Client:
    return plugin_stack.client()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def catalog(api: Client) -> dict[str, dict]:
    return {h["name"]: h for h in api.handlers()["items"]}


def test_a_packaged_handler_runs_validated_by_the_catalog(api: Client) -> None:
    greet = wait_for(
        lambda: (h := catalog(api).get("example.greet")) and h["workers"] and h,
        timeout=30,
        what="a worker serving example.greet",
    )
    assert greet["isolation"] == "thread" and greet["pool"] == "default"
    assert greet["workers"] == ["worker-1"]
    assert greet["schema"]["required"] == ["name"]

    with pytest.raises(ApiError) as refused:
        api.create_job(name=unique("greet"), handler="example.greet", payload={"name": 7})
    assert refused.value.status == 400
    assert refused.value.fields == {"payload.name": "7 is not of type 'string'"}

    job = api.create_job(name=unique("greet"), handler="example.greet", payload={"name": "Ada"})
    assert (job["pool"], job["waiting"]) == ("default", None)
    run = api.trigger(job["id"])
    done = wait_for(
        lambda: (e := api.get_execution(run["id"]))["status"] == "SUCCEEDED" and e,
        timeout=30,
        what="the run to succeed",
    )
    assert done["result"] == {"greeting": "Hello, Ada."}
    assert done["worker_id"] == "worker-1"


def test_a_job_no_worker_serves_waits_then_runs_when_one_starts(
    api: Client, plugin_stack: Stack
) -> None:
    wait_for(lambda: "example.primes" in catalog(api), timeout=30, what="the catalog")
    assert catalog(api)["example.primes"]["workers"] == []  # no worker on "reports"
    job = api.create_job(name=unique("primes"), handler="example.primes", payload={"below": 100})
    why = "no live worker serves handler 'example.primes' on pool 'reports'"
    assert (job["pool"], job["waiting"]) == ("reports", why)
    run = api.trigger(job["id"])
    wait_for(lambda: api.get_execution(run["id"])["status"] == "QUEUED", timeout=10)
    assert api.get_execution(run["id"])["waiting"] == why

    env = {**(plugin_stack.env or {}), "WORKER_ID": "reports-e2e", "WORKER_POOLS": "reports"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobsched", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        done = wait_for(
            lambda: (e := api.get_execution(run["id"]))["status"] == "SUCCEEDED" and e,
            timeout=60,
            what="the run to succeed on the reports worker",
        )
        assert done["result"] == {"below": 100, "primes": 25}
        assert done["worker_id"] == "reports-e2e"
        assert api.get_job(job["id"])["waiting"] is None
        pools = {w["id"]: w["pools"] for w in api.workers()["items"]}
        assert pools["reports-e2e"] == ["reports"]

        # A run that ignores its context and loops forever, in a child process: its
        # timeout kills the child, the attempt is retried, and the worker carries on.
        spin = api.create_job(
            name=unique("spin"),
            handler="example.primes",
            payload={"below": 10, "spin": True},
            timeout_ms=1000,
            max_retries=1,
            retry_backoff_ms=0,
        )
        spun = api.trigger(spin["id"])
        failed = wait_for(
            lambda: (e := api.get_execution(spun["id"]))["status"] == "FAILED" and e,
            timeout=60,
            what="both attempts to time out",
        )
        assert [a["outcome"] for a in failed["attempts"]] == ["TIMED_OUT", "TIMED_OUT"]
        assert worker.poll() is None  # the worker is alive...
        again = api.trigger(job["id"])  # ...and still runs work
        wait_for(lambda: api.get_execution(again["id"])["status"] == "SUCCEEDED", timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
