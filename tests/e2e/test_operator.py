"""The operator's day on a stack started as a user starts it (``jobsched up``), its
own so that no other test's dead letters count: ``jobsched doctor`` passes, the
CLI's ``--json`` parses, ``watch`` follows a run to its end and exits with its
outcome, Prometheus can scrape ``/metrics`` through the API's front door, and the
dashboard is at DASHBOARD_PORT (a busy port is named)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra.local.ports import free_port
from jobsched.client import Client
from tests.e2e.stack import Stack, local_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own(services: dict[str, str], redis_url: str) -> Iterator[Stack]:
    with local_stack(services["postgres_admin"], redis_url, "operator", LOCAL_WORKERS="1") as s:
        yield s


def jobsched(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **(stack.env or os.environ),
        "JOBSCHED_API_URL": stack.api_url,
        "JOBSCHED_API_KEY": stack.api_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "jobsched", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_doctor_passes_on_a_healthy_stack(own: Stack) -> None:
    deadline = time.monotonic() + 30  # the worker and the tick register just after READY
    while (run := jobsched(own, "--json", "doctor")).returncode != 0:
        assert time.monotonic() < deadline, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] and all(c["ok"] for c in report["checks"])
    table = jobsched(own, "doctor")
    assert table.returncode == 0 and "FAIL" not in table.stdout


def test_workers_as_json_and_watch_follows_a_run(own: Stack) -> None:
    run = jobsched(own, "--json", "workers")
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["items"]) == 1
    api = Client(own.api_url, own.api_key)
    job = api.create_job(name="watched", handler="test.delay", payload={"durationMs": 300})
    execution = api.trigger(job["id"])
    watched = jobsched(own, "--json", "executions", "watch", execution["id"], "--interval", "0.1")
    assert watched.returncode == 0, watched.stderr
    statuses = [json.loads(line)["status"] for line in watched.stdout.splitlines()]
    assert statuses[-1] == "SUCCEEDED"
    failing = api.create_job(
        name="fails", handler="test.delay", max_retries=0, payload={"shouldFail": True}
    )
    execution = api.trigger(failing["id"])
    watched = jobsched(own, "executions", "watch", execution["id"], "--interval", "0.1")
    assert watched.returncode == 1
    assert "FAILED" in watched.stdout.splitlines()[-1]


def test_prometheus_scrapes_metrics_through_the_front_door(own: Stack) -> None:
    request = urllib.request.Request(
        own.api_url + "/metrics",
        headers={"Authorization": f"Bearer {own.api_key}", "Accept": "text/plain;version=0.0.4"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    names = {f.name for f in text_string_to_metric_families(text)}
    assert {"jobsched_leader_present", "jobsched_run_duration_seconds"} <= names


def test_the_dashboard_is_at_dashboard_port(own: Stack) -> None:
    port = (own.env or {})["DASHBOARD_PORT"]
    assert own.dashboard_url == f"http://127.0.0.1:{port}/index.html"
    banner = "\n".join(own.output)
    assert f"Dashboard  http://127.0.0.1:{port}/index.html" in banner
    with urllib.request.urlopen(own.dashboard_url, timeout=10) as response:
        assert response.status == 200
        assert "<html" in response.read().decode().lower()


def test_a_busy_dashboard_port_is_named(own: Stack) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = {**(own.env or os.environ), "DASHBOARD_PORT": port, "PORT": str(free_port())}
        run = subprocess.run(
            [sys.executable, "-m", "jobsched", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert f"port {port}" in run.stderr and "DASHBOARD_PORT" in run.stderr
