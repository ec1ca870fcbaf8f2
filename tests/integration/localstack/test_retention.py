"""What LocalStack keeps per Lambda invocation is bounded (infra/localstack/plugin/
jobsched_retention.py): a log group holds its newest events only, and the per-invocation
metric threads are not kept once finished."""

from __future__ import annotations

import os
import subprocess
import textwrap

from infra.local.deploy import client
from infra.local.localstack import LocalStackProcess
from tests.integration.helpers import wait_for
from tests.integration.localstack.conftest import LOG_EVENTS_PER_GROUP, ROOT
from tests.integration.localstack.test_executor import invoke, make_function  # noqa: F401

PLUGIN = ROOT / "infra" / "localstack" / "plugin"
PYTHON = ROOT / ".venv-localstack" / "bin" / "python"


def _events(localstack: LocalStackProcess, group: str) -> list[str]:
    logs = client("logs", localstack.endpoint_url)
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
    return [event["message"] for page in pages for event in page["events"]]


def test_a_log_group_keeps_its_newest_events_up_to_the_bound(
    localstack: LocalStackProcess,
    make_function,  # noqa: F811
) -> None:
    name = make_function("echo")
    invocations = LOG_EVENTS_PER_GROUP // 3 + 10  # START, END and REPORT each: past the bound
    request_ids = [invoke(localstack, name, {"n": n})[0]["request_id"] for n in range(invocations)]
    group = f"/aws/lambda/{name}"
    # LocalStack writes the logs from a queue: wait for the last invocation's REPORT.
    last = f"REPORT RequestId: {request_ids[-1]}"
    events = wait_for(
        lambda: (found := _events(localstack, group)) and any(last in m for m in found) and found,
        timeout=30,
        what="the last invocation's log",
    )
    assert len(events) == LOG_EVENTS_PER_GROUP  # without the bound: 3 per invocation, all kept
    assert not any(f"START RequestId: {request_ids[0]}" in m for m in events)  # oldest gone


def test_finished_metric_threads_are_not_kept_for_shutdown() -> None:
    # version_manager starts one per invocation; LocalStack kept every one in TMP_THREADS.
    script = textwrap.dedent(
        """
        import jobsched_retention
        from localstack.services.lambda_.invocation import version_manager
        from localstack.utils.threads import TMP_THREADS

        jobsched_retention.unretain_metric_threads()
        before = len(TMP_THREADS)
        def noop(*args, **kwargs):
            pass

        for n in range(5):
            version_manager.start_thread(noop, name=f"record-cloudwatch-metric-f{n}")
        version_manager.start_thread(noop, name="scale-environments")
        print(len(TMP_THREADS) - before)
        """
    )
    run = subprocess.run(
        [str(PYTHON), "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PLUGIN)},
    )
    assert (run.returncode, run.stdout.strip()) == (0, "1"), run.stdout + run.stderr


def test_the_internals_the_retention_hook_relies_on_are_as_pinned() -> None:
    run = subprocess.run(
        [str(PYTHON), str(PLUGIN / "jobsched_retention.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PLUGIN)},
    )
    assert (run.returncode, run.stdout.strip()) == (0, "ok"), run.stdout + run.stderr


def test_the_oldest_streams_events_go_first_and_an_emptied_stream_goes() -> None:
    script = textwrap.dedent(
        """
        from types import SimpleNamespace as NS
        import jobsched_retention

        def stream(*stamps):
            events = [NS(timestamp=t, message="x" * 10) for t in stamps]
            return NS(events=events, stored_bytes=10 * len(events))

        group = NS(streams={"old": stream(1, 2), "mid": stream(3, 4, 5), "new": stream(6, 7)})
        dropped = jobsched_retention.trim_log_group(group, 4, keep_stream="new")
        left = {n: [e.timestamp for e in s.events] for n, s in group.streams.items()}
        print(dropped, left, group.streams["mid"].stored_bytes)
        """
    )
    run = subprocess.run(
        [str(PYTHON), "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PLUGIN)},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "3 {'mid': [4, 5], 'new': [6, 7]} 20"
