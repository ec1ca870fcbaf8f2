"""AsyncJobScheduler: the generated client (jobsched_client) with a key, typed errors,
paging iterators and waiting for a run, for asyncio. JobScheduler (sync.py) is written
from this file by clients/python/generate.py (`make clients-python`): edit this one.

Each method awaits one generated ``api.<tag>.<operation>.asyncio_detailed`` function;
any operation without a method here is called as
``sdk.unwrap(await <operation>.asyncio_detailed(client=sdk.client, ...))``.
"""

from __future__ import annotations

import datetime
import time
from asyncio import sleep
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

from jobsched_client import AuthenticatedClient
from jobsched_client.api.calendars import create_calendar, delete_calendar, list_calendar_days
from jobsched_client.api.dlq import list_dead_letters, redrive_dead_letter
from jobsched_client.api.executions import (
    cancel_execution,
    get_execution,
    list_executions,
    list_job_executions,
)
from jobsched_client.api.flow import get_flow
from jobsched_client.api.jobs import (
    create_job,
    delete_job,
    get_job,
    list_jobs,
    pause_job,
    resume_job,
    trigger_job,
    update_job,
)
from jobsched_client.api.system import get_health, get_metrics, get_metrics_prometheus
from jobsched_client.api.workflows import (
    create_workflow,
    delete_workflow,
    get_workflow_run,
    trigger_workflow,
)
from jobsched_client.models import (
    Calendar,
    CalendarBody,
    CalendarDays,
    DeadLetter,
    DeadLetterPage,
    ErrorResponse,
    Execution,
    ExecutionPage,
    ExecutionStatus,
    FlowPage,
    Health,
    Job,
    JobCreate,
    JobPage,
    JobSort,
    JobUpdate,
    Metrics,
    ScheduleStatus,
    Workflow,
    WorkflowCreate,
    WorkflowRun,
    WorkflowTrigger,
)
from jobsched_client.types import UNSET, Response, Unset

from . import _common
from ._common import FINISHED, WORKFLOW_FINISHED, Id, RunTimeout, body, uuid
from .errors import unwrap
from .paging import aiterate

T = TypeVar("T")


class AsyncJobScheduler:
    """Made with the API's base URL and a key (``"http://localhost:3000", api_key``); a
    context manager (``with``, or ``async with`` for asyncio) that closes its connections.
    ``client`` is the generated AuthenticatedClient (Bearer key)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        httpx_args: Mapping[str, Any] | None = None,
    ) -> None:
        """``timeout``: seconds per request; ``httpx_args``: more arguments for the
        httpx client (proxy, verify, event_hooks, transport, ...)."""
        self.client: AuthenticatedClient = _common.make_client(
            base_url, api_key, timeout, httpx_args
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.client.get_async_httpx_client().aclose()

    @staticmethod
    def unwrap(response: Response[ErrorResponse | T]) -> T:
        """The parsed 2xx body of a generated ``*_detailed`` call's answer, or
        JobSchedulerError."""
        return unwrap(response)

    # System

    async def health(self) -> Health:
        return unwrap(await get_health.asyncio_detailed(client=self.client))

    async def get_metrics(self) -> Metrics:
        return unwrap(await get_metrics.asyncio_detailed(client=self.client))

    async def get_metrics_prometheus(self) -> str:
        """The metrics in the Prometheus text format."""
        return unwrap(await get_metrics_prometheus.asyncio_detailed(client=self.client))

    # Jobs

    async def create_job(self, job: JobCreate | Mapping[str, Any]) -> Job:
        return unwrap(
            await create_job.asyncio_detailed(client=self.client, body=body(JobCreate, job))
        )

    async def get_job(self, job_id: Id) -> Job:
        return unwrap(await get_job.asyncio_detailed(uuid(job_id), client=self.client))

    async def update_job(self, job_id: Id, changes: JobUpdate | Mapping[str, Any]) -> Job:
        return unwrap(
            await update_job.asyncio_detailed(
                uuid(job_id), client=self.client, body=body(JobUpdate, changes)
            )
        )

    async def delete_job(self, job_id: Id) -> None:
        unwrap(await delete_job.asyncio_detailed(uuid(job_id), client=self.client))

    async def pause_job(self, job_id: Id) -> Job:
        return unwrap(await pause_job.asyncio_detailed(uuid(job_id), client=self.client))

    async def resume_job(self, job_id: Id) -> Job:
        return unwrap(await resume_job.asyncio_detailed(uuid(job_id), client=self.client))

    async def list_jobs(
        self,
        *,
        limit: int | Unset = UNSET,
        cursor: str | Unset = UNSET,
        status: ScheduleStatus | Unset = UNSET,
        handler: str | Unset = UNSET,
        name: str | Unset = UNSET,
        sort: JobSort | Unset = UNSET,
    ) -> JobPage:
        return unwrap(
            await list_jobs.asyncio_detailed(
                client=self.client,
                limit=limit,
                cursor=cursor,
                status=status,
                handler=handler,
                name=name,
                sort=sort,
            )
        )

    def iter_jobs(
        self,
        *,
        limit: int | Unset = UNSET,
        status: ScheduleStatus | Unset = UNSET,
        handler: str | Unset = UNSET,
        name: str | Unset = UNSET,
        sort: JobSort | Unset = UNSET,
    ) -> AsyncIterator[Job]:
        """Every matching job, fetching ``limit`` a page as the loop goes."""
        return aiterate(
            lambda cursor: self.list_jobs(
                limit=limit, cursor=cursor, status=status, handler=handler, name=name, sort=sort
            )
        )

    async def trigger_job(
        self,
        job_id: Id,
        *,
        payload: Mapping[str, Any] | None = None,
        priority: int | None = None,
        run_at: datetime.datetime | str | None = None,
        delay_ms: int | None = None,
        idempotency_key: str | Unset = UNSET,
    ) -> Execution:
        """One manual run, with the job's payload and priority unless overridden; later
        with ``run_at`` (a time at most 366 days ahead) or ``delay_ms``. (Many runs in
        one call: the generated trigger_job with a Trigger of ``runs``.)"""
        run = unwrap(
            await trigger_job.asyncio_detailed(
                uuid(job_id),
                client=self.client,
                body=_common.trigger_body(payload, priority, run_at, delay_ms),
                idempotency_key=idempotency_key,
            )
        )
        assert isinstance(run, Execution)  # one run asked for: one Execution back
        return run

    # Executions

    async def get_execution(self, execution_id: Id) -> Execution:
        return unwrap(await get_execution.asyncio_detailed(uuid(execution_id), client=self.client))

    async def cancel_execution(self, execution_id: Id) -> Execution:
        return unwrap(
            await cancel_execution.asyncio_detailed(uuid(execution_id), client=self.client)
        )

    async def list_executions(
        self,
        *,
        job_id: Id | None = None,
        status: ExecutionStatus | Unset = UNSET,
        handler: str | Unset = UNSET,
        limit: int | Unset = UNSET,
        cursor: str | Unset = UNSET,
    ) -> ExecutionPage:
        """Executions newest first: all of them, or one job's."""
        if job_id is not None and handler is UNSET:
            return unwrap(
                await list_job_executions.asyncio_detailed(
                    uuid(job_id), client=self.client, limit=limit, cursor=cursor, status=status
                )
            )
        return unwrap(
            await list_executions.asyncio_detailed(
                client=self.client,
                limit=limit,
                cursor=cursor,
                status=status,
                job_id=UNSET if job_id is None else uuid(job_id),
                handler=handler,
            )
        )

    def iter_executions(
        self,
        *,
        job_id: Id | None = None,
        status: ExecutionStatus | Unset = UNSET,
        handler: str | Unset = UNSET,
        limit: int | Unset = UNSET,
    ) -> AsyncIterator[Execution]:
        return aiterate(
            lambda cursor: self.list_executions(
                job_id=job_id, status=status, handler=handler, limit=limit, cursor=cursor
            )
        )

    async def wait_for_run(
        self, execution_id: Id, *, timeout: float = 60.0, interval: float = 0.5
    ) -> Execution:
        """Reads the run every ``interval`` seconds until its status is a finished one
        (SUCCEEDED, FAILED, CANCELLED, SKIPPED) and returns it; RunTimeout after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = await self.get_execution(execution_id)
            if run.status in FINISHED:
                return run
            if time.monotonic() >= deadline:
                raise RunTimeout(f"run {execution_id} still {run.status} after {timeout} s", run)
            await sleep(interval)

    # Dead letters

    async def list_dead_letters(
        self, *, limit: int | Unset = UNSET, cursor: str | Unset = UNSET
    ) -> DeadLetterPage:
        return unwrap(
            await list_dead_letters.asyncio_detailed(client=self.client, limit=limit, cursor=cursor)
        )

    def iter_dead_letters(self, *, limit: int | Unset = UNSET) -> AsyncIterator[DeadLetter]:
        return aiterate(lambda cursor: self.list_dead_letters(limit=limit, cursor=cursor))

    async def redrive_dead_letter(self, entry_id: Id) -> Execution:
        """Runs the dead-lettered execution again, with a fresh retry budget."""
        return unwrap(
            await redrive_dead_letter.asyncio_detailed(uuid(entry_id), client=self.client)
        )

    # Workflows

    async def create_workflow(self, workflow: WorkflowCreate | Mapping[str, Any]) -> Workflow:
        return unwrap(
            await create_workflow.asyncio_detailed(
                client=self.client, body=body(WorkflowCreate, workflow)
            )
        )

    async def trigger_workflow(
        self, workflow_id: Id, trigger: WorkflowTrigger | Mapping[str, Any] | None = None
    ) -> WorkflowRun:
        return unwrap(
            await trigger_workflow.asyncio_detailed(
                uuid(workflow_id),
                client=self.client,
                body=UNSET if trigger is None else body(WorkflowTrigger, trigger),
            )
        )

    async def get_workflow_run(self, run_id: Id) -> WorkflowRun:
        return unwrap(await get_workflow_run.asyncio_detailed(uuid(run_id), client=self.client))

    async def wait_for_workflow_run(
        self, run_id: Id, *, timeout: float = 60.0, interval: float = 0.5
    ) -> WorkflowRun:
        """Reads the workflow run every ``interval`` seconds until it is SUCCEEDED, FAILED
        or CANCELLED and returns it; RunTimeout after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = await self.get_workflow_run(run_id)
            if run.status in WORKFLOW_FINISHED:
                return run
            if time.monotonic() >= deadline:
                raise RunTimeout(f"workflow run {run_id} still {run.status} after {timeout} s", run)
            await sleep(interval)

    async def delete_workflow(self, workflow_id: Id) -> None:
        unwrap(await delete_workflow.asyncio_detailed(uuid(workflow_id), client=self.client))

    # Flow control and calendars

    async def get_flow(self, job_id: Id) -> FlowPage:
        """A job's concurrency/rate/debounce keys: runs running and waiting per key."""
        return unwrap(await get_flow.asyncio_detailed(client=self.client, job_id=uuid(job_id)))

    async def create_calendar(self, calendar: CalendarBody | Mapping[str, Any]) -> Calendar:
        return unwrap(
            await create_calendar.asyncio_detailed(
                client=self.client, body=body(CalendarBody, calendar)
            )
        )

    async def list_calendar_days(
        self,
        name: str,
        *,
        since: datetime.date | Unset = UNSET,
        until: datetime.date | Unset = UNSET,
    ) -> CalendarDays:
        return unwrap(
            await list_calendar_days.asyncio_detailed(
                name, client=self.client, since=since, until=until
            )
        )

    async def delete_calendar(self, name: str) -> None:
        unwrap(await delete_calendar.asyncio_detailed(name, client=self.client))
