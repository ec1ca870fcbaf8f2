"""The Python SDK (clients/python) against the local stack: clients/python/README.md's
flows, once with JobScheduler and once with AsyncJobScheduler.

This module imports only the SDK, pytest and the standard library (the stack comes in
as a fixture), so that tests/unit/test_python_sdk.py can hold it to mypy --strict as a
user's code would be. Every answer the API gives here is recorded (an httpx event hook
passed through ``httpx_args``) and must be documented for its operation in openapi.json.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from jobsched_client.models import (
    ErrorCode,
    ExecutionStatus,
    FlowItem,
    ScheduleStatus,
    WorkflowRunStatus,
)
from jobsched_sdk import AsyncJobScheduler, JobScheduler, JobSchedulerError

pytestmark = pytest.mark.e2e

T = TypeVar("T")

UTC = datetime.UTC


def unique(name: str) -> str:
    return f"sdk-{name}-{uuid.uuid4().hex[:8]}"


DOCUMENT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi.json").read_text()
)
# (method, path, status) of each answer the API gave.
Answer = tuple[str, str, int]


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")


TEMPLATES = sorted(
    ((path, _template(path)) for path in DOCUMENT["paths"]),
    key=lambda t: t[0].count("{"),  # /jobs/next-runs before /jobs/{job_id}
)


def undocumented(answers: list[Answer], prefix: str) -> list[str]:
    """The answers whose status the document does not list for their operation."""
    missing = []
    for method, path, status in answers:
        path = path.removeprefix(prefix) or "/"
        operation = next(
            (
                DOCUMENT["paths"][template][method.lower()]
                for template, pattern in TEMPLATES
                if pattern.match(path) and method.lower() in DOCUMENT["paths"][template]
            ),
            None,
        )
        if operation is None or str(status) not in operation["responses"]:
            missing.append(f"{method} {path} -> {status}")
    return sorted(set(missing))


@pytest.fixture
def target(single_redis_stack: Any) -> Iterator[tuple[str, str, list[Answer]]]:
    """The stack's API URL, its admin key and the answers it gives the test, which must
    all be documented."""
    url = str(single_redis_stack.api_url)
    answers: list[Answer] = []
    yield url, str(single_redis_stack.api_key), answers
    assert answers
    assert undocumented(answers, urlsplit(url).path.rstrip("/")) == []


def record(answers: list[Answer]) -> dict[str, Any]:
    def hook(response: httpx.Response) -> None:
        answers.append((response.request.method, response.url.path, response.status_code))

    return {"event_hooks": {"response": [hook]}}


def arecord(answers: list[Answer]) -> dict[str, Any]:
    async def hook(response: httpx.Response) -> None:
        answers.append((response.request.method, response.url.path, response.status_code))

    return {"event_hooks": {"response": [hook]}}


@pytest.fixture
def sdk(target: tuple[str, str, list[Answer]]) -> Iterator[JobScheduler]:
    url, key, answers = target
    with JobScheduler(url, key, httpx_args=record(answers)) as client:
        yield client


def wait_until(probe: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    """Polls ``probe`` until it returns something (the runs take the time they take)."""
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


def tomorrow() -> datetime.datetime:
    return (datetime.datetime.now(UTC) + datetime.timedelta(days=1)).replace(microsecond=0)


# Sync ------------------------------------------------------------------------------------


def test_a_cron_job_in_a_time_zone_is_created_paged_updated_paused_and_resumed(
    sdk: JobScheduler,
) -> None:
    tag = unique("page")
    job = sdk.create_job(
        {
            "name": f"{tag}-0",
            "handler": "test.echo",
            "schedule": "30 9 * * 1-5",
            "timezone": "America/New_York",
            "payload": {"report": "daily"},
        }
    )
    assert job.timezone == "America/New_York"
    assert job.status == ScheduleStatus.SCHEDULED
    assert job.next_run_time is not None
    local = job.next_run_time.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute, local.weekday() < 5) == (9, 30, True)
    assert job.payload.to_dict() == {"report": "daily"}

    for i in (1, 2):
        sdk.create_job({"name": f"{tag}-{i}", "handler": "test.echo"})
    first = sdk.list_jobs(limit=2, name=tag)
    assert len(first.items) == 2 and first.next_cursor is not None
    names = sorted(j.name for j in sdk.iter_jobs(limit=2, name=tag))
    assert names == [f"{tag}-0", f"{tag}-1", f"{tag}-2"]

    updated = sdk.update_job(job.id, {"priority": 70, "description": "weekday report"})
    assert (updated.priority, updated.description) == (70, "weekday report")
    assert sdk.get_job(job.id).priority == 70

    assert sdk.pause_job(job.id).status == ScheduleStatus.PAUSED
    resumed = sdk.resume_job(job.id)
    assert resumed.status == ScheduleStatus.SCHEDULED and resumed.next_run_time is not None

    for j in list(sdk.iter_jobs(name=tag)):
        sdk.delete_job(j.id)
    assert list(sdk.iter_jobs(name=tag)) == []


def test_triggers_with_an_override_and_run_at_are_listed_cancelled_and_awaited(
    sdk: JobScheduler,
) -> None:
    job = sdk.create_job(
        {"name": unique("trigger"), "handler": "test.echo", "payload": {"from": "job"}}
    )
    when = tomorrow()
    later = sdk.trigger_job(job.id, payload={"from": "later"}, run_at=when)
    assert later.scheduled_for == when
    assert later.status not in (ExecutionStatus.RUNNING, ExecutionStatus.SUCCEEDED)
    cancelled = sdk.cancel_execution(later.id)
    assert cancelled.status == ExecutionStatus.CANCELLED

    now = sdk.trigger_job(job.id, payload={"from": "override"}, priority=90)
    done = sdk.wait_for_run(now.id, timeout=60, interval=0.2)
    assert done.status == ExecutionStatus.SUCCEEDED
    assert done.result == {"from": "override"}
    assert done.priority == 90

    listed = {e.id: e.status for e in sdk.iter_executions(job_id=job.id, limit=1)}
    assert listed == {later.id: ExecutionStatus.CANCELLED, now.id: ExecutionStatus.SUCCEEDED}
    assert sdk.get_execution(later.id).payload.to_dict() == {"from": "later"}
    sdk.delete_job(job.id)


def test_a_failed_run_goes_to_the_dead_letter_queue_and_is_redriven(sdk: JobScheduler) -> None:
    job = sdk.create_job(
        {
            "name": unique("dlq"),
            "handler": "test.delay",
            "max_retries": 0,
            "payload": {"durationMs": 10, "shouldFail": True, "failMessage": "upstream down"},
        }
    )
    run = sdk.trigger_job(job.id)
    failed = sdk.wait_for_run(run.id, timeout=60, interval=0.2)
    assert (failed.status, failed.error) == (ExecutionStatus.FAILED, "upstream down")
    entry = next(e for e in sdk.iter_dead_letters(limit=50) if e.execution_id == run.id)
    assert entry.error == "upstream down"

    redriven = sdk.redrive_dead_letter(entry.id)
    assert redriven.id == run.id
    again = sdk.wait_for_run(run.id, timeout=60, interval=0.2)
    assert again.status == ExecutionStatus.FAILED and len(again.attempts) == 2
    sdk.delete_job(job.id)


def test_a_two_step_workflow_runs_to_the_end(sdk: JobScheduler) -> None:
    workflow = sdk.create_workflow(
        {
            "name": unique("etl"),
            "steps": [
                {"id": "extract", "handler": "test.echo", "payload": {"rows": 3}},
                {"id": "load", "handler": "test.echo", "after": ["extract"]},
            ],
        }
    )
    run = sdk.trigger_workflow(workflow.id, {"input": {"day": "2026-12-01"}})
    done = sdk.wait_for_workflow_run(run.id, timeout=60, interval=0.2)
    assert done.status == WorkflowRunStatus.SUCCEEDED
    assert [s.id for s in done.steps] == ["extract", "load"]
    extract = sdk.get_execution(done.steps[0].execution_ids[0])
    assert extract.result == {"rows": 3}
    sdk.delete_workflow(workflow.id)


def test_flow_control_shows_a_key_holding_runs_back(sdk: JobScheduler) -> None:
    key = unique("tenant")
    job = sdk.create_job(
        {
            "name": unique("flow"),
            "handler": "test.delay",
            "payload": {"durationMs": 120_000},
            "timeout_ms": 300_000,
            "concurrency": {"key": key, "limit": 1},
        }
    )
    runs = [sdk.trigger_job(job.id) for _ in range(2)]

    def held() -> FlowItem | None:
        item = next((i for i in sdk.get_flow(job.id).items if i.key == key), None)
        return item if item is not None and item.running == 1 else None

    item = wait_until(held, what="the first run of the key running")
    assert (item.running, item.waiting) == (1, 1)
    for run in runs:
        sdk.cancel_execution(run.id)
    sdk.delete_job(job.id)


def test_a_calendar_lists_its_business_days(sdk: JobScheduler) -> None:
    name = unique("fr")
    calendar = sdk.create_calendar(
        {"name": name, "timezone": "Europe/Paris", "holidays": {"country": "FR"}}
    )
    assert calendar.name == name
    days = sdk.list_calendar_days(
        name, since=datetime.date(2026, 12, 24), until=datetime.date(2026, 12, 27)
    )
    business = {d.date: d.business for d in days.items}
    assert business == {
        "2026-12-24": True,
        "2026-12-25": False,  # Christmas Day
        "2026-12-26": False,  # a Saturday
        "2026-12-27": False,
    }
    assert days.items[1].reason
    sdk.delete_calendar(name)


def test_metrics_as_json_and_as_prometheus_text(sdk: JobScheduler) -> None:
    metrics = sdk.get_metrics()
    assert metrics.jobs.total >= 0 and metrics.generated_at.tzinfo is not None
    text = sdk.get_metrics_prometheus()
    assert "# TYPE jobsched_jobs gauge" in text
    assert text.endswith("\n")


def test_errors_are_decoded_as_the_error_shape(sdk: JobScheduler) -> None:
    with pytest.raises(JobSchedulerError) as missing:
        sdk.get_job(uuid.uuid4())
    assert (missing.value.status, missing.value.code) == (404, ErrorCode.NOT_FOUND)
    assert missing.value.message

    with pytest.raises(JobSchedulerError) as bad:
        sdk.create_job({"name": unique("bad"), "handler": "test.echo", "schedule": "every day"})
    assert bad.value.status == 400
    assert bad.value.code == ErrorCode.VALIDATION_ERROR
    assert "schedule" in bad.value.fields


# Async -----------------------------------------------------------------------------------


async def async_job_flows(sdk: AsyncJobScheduler) -> None:
    tag = unique("async")
    job = await sdk.create_job(
        {
            "name": f"{tag}-0",
            "handler": "test.echo",
            "schedule": "0 8 * * *",
            "timezone": "Asia/Tokyo",
            "payload": {"from": "job"},
        }
    )
    assert job.next_run_time is not None
    assert job.next_run_time.astimezone(ZoneInfo("Asia/Tokyo")).hour == 8
    await sdk.create_job({"name": f"{tag}-1", "handler": "test.echo"})
    names = sorted([j.name async for j in sdk.iter_jobs(limit=1, name=tag)])
    assert names == [f"{tag}-0", f"{tag}-1"]

    assert (await sdk.update_job(job.id, {"priority": 10})).priority == 10
    assert (await sdk.pause_job(job.id)).status == ScheduleStatus.PAUSED
    assert (await sdk.resume_job(job.id)).status == ScheduleStatus.SCHEDULED

    later = await sdk.trigger_job(job.id, run_at=tomorrow().isoformat(), payload={"n": 1})
    assert (await sdk.cancel_execution(later.id)).status == ExecutionStatus.CANCELLED
    now = await sdk.trigger_job(job.id, payload={"n": 2})
    done = await sdk.wait_for_run(now.id, timeout=60, interval=0.2)
    assert (done.status, done.result) == (ExecutionStatus.SUCCEEDED, {"n": 2})
    ids = {e.id async for e in sdk.iter_executions(job_id=job.id, limit=1)}
    assert {later.id, now.id} <= ids  # (and a cron run, had 08:00 in Tokyo just passed)
    assert (await sdk.get_execution(now.id)).payload.to_dict() == {"n": 2}
    async for j in sdk.iter_jobs(name=tag):
        await sdk.delete_job(j.id)


async def async_other_flows(sdk: AsyncJobScheduler) -> None:
    failing = await sdk.create_job(
        {
            "name": unique("async-dlq"),
            "handler": "test.delay",
            "max_retries": 0,
            "payload": {"durationMs": 10, "shouldFail": True},
        }
    )
    run = await sdk.trigger_job(failing.id)
    assert (await sdk.wait_for_run(run.id, interval=0.2)).status == ExecutionStatus.FAILED
    entry = None
    async for e in sdk.iter_dead_letters(limit=50):
        if e.execution_id == run.id:
            entry = e
    assert entry is not None
    assert (await sdk.redrive_dead_letter(entry.id)).id == run.id
    await sdk.wait_for_run(run.id, interval=0.2)
    await sdk.delete_job(failing.id)

    workflow = await sdk.create_workflow(
        {
            "name": unique("async-wf"),
            "steps": [
                {"id": "a", "handler": "test.echo"},
                {"id": "b", "handler": "test.echo", "after": ["a"]},
            ],
        }
    )
    wf_run = await sdk.trigger_workflow(workflow.id)
    finished = await sdk.wait_for_workflow_run(wf_run.id, interval=0.2)
    assert finished.status == WorkflowRunStatus.SUCCEEDED
    await sdk.delete_workflow(workflow.id)

    keyed = await sdk.create_job(
        {
            "name": unique("async-flow"),
            "handler": "test.echo",
            "concurrency": {"key": "k", "limit": 2},
        }
    )
    assert (await sdk.get_flow(keyed.id)).items == []
    await sdk.delete_job(keyed.id)

    name = unique("async-cal")
    await sdk.create_calendar({"name": name, "timezone": "UTC", "weekdays": ["mon", "tue"]})
    days = await sdk.list_calendar_days(
        name, since=datetime.date(2026, 12, 7), until=datetime.date(2026, 12, 9)
    )
    assert [d.business for d in days.items] == [True, True, False]
    await sdk.delete_calendar(name)

    assert (await sdk.get_metrics()).jobs.total >= 0
    assert "jobsched_jobs" in await sdk.get_metrics_prometheus()
    try:
        await sdk.get_execution(uuid.uuid4())
    except JobSchedulerError as e:
        assert (e.status, e.code) == (404, ErrorCode.NOT_FOUND)
    else:
        raise AssertionError("no JobSchedulerError")
    try:
        await sdk.create_job(
            {"name": unique("bad"), "handler": "test.echo", "timezone": "Mars/Base"}
        )
    except JobSchedulerError as e:
        assert (e.status, e.code) == (400, ErrorCode.VALIDATION_ERROR)
        assert "timezone" in e.fields
    else:
        raise AssertionError("no JobSchedulerError")


def run_on_own_thread(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(main())`` on a thread of its own: a browser test run before on this
    worker leaves Playwright's sync API's event loop running on the test thread, where
    asyncio.run refuses to start (as an application's own loop would)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, main()).result()


def test_async_jobs_paging_triggers_and_executions(
    target: tuple[str, str, list[Answer]],
) -> None:
    url, key, answers = target

    async def main() -> None:
        async with AsyncJobScheduler(url, key, httpx_args=arecord(answers)) as sdk:
            await async_job_flows(sdk)

    run_on_own_thread(main)


def test_async_dead_letters_workflows_flow_calendars_metrics_and_errors(
    target: tuple[str, str, list[Answer]],
) -> None:
    url, key, answers = target

    async def main() -> None:
        async with AsyncJobScheduler(url, key, httpx_args=arecord(answers)) as sdk:
            await async_other_flows(sdk)

    run_on_own_thread(main)
