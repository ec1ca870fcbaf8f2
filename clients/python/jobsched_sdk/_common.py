"""What the sync and async wrappers share: the client they build, ids, bodies, the
trigger body and the statuses a run ends in."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar, cast
from uuid import UUID

import httpx
from jobsched_client import AuthenticatedClient
from jobsched_client.models.execution_status import ExecutionStatus
from jobsched_client.models.trigger import Trigger
from jobsched_client.models.trigger_payload import TriggerPayload
from jobsched_client.models.workflow_run_status import WorkflowRunStatus
from jobsched_client.types import UNSET, Unset

Id = UUID | str
"""An id as the API returns it (a UUID) or as text."""

FINISHED = frozenset(
    {
        ExecutionStatus.SUCCEEDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.SKIPPED,
    }
)
"""The statuses a run does not leave by itself (wait_for_run stops at them)."""

WORKFLOW_FINISHED = frozenset(
    {WorkflowRunStatus.SUCCEEDED, WorkflowRunStatus.FAILED, WorkflowRunStatus.CANCELLED}
)
"""The statuses a workflow run ends in (wait_for_workflow_run stops at them)."""


class RunTimeout(TimeoutError):
    """wait_for_run's timeout passed first; ``execution`` is the run as last read."""

    def __init__(self, message: str, execution: Any) -> None:
        super().__init__(message)
        self.execution = execution


def make_client(
    base_url: str, api_key: str, timeout: float, httpx_args: Mapping[str, Any] | None
) -> AuthenticatedClient:
    # raise_on_unexpected_status=False: errors.from_response decodes an undocumented
    # status's body into a JobSchedulerError instead of the generator's UnexpectedStatus.
    return AuthenticatedClient(
        base_url=base_url.rstrip("/"),
        token=api_key,
        timeout=httpx.Timeout(timeout),
        raise_on_unexpected_status=False,
        httpx_args=dict(httpx_args or {}),
    )


def uuid(value: Id) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...  # pragma: no cover


M = TypeVar("M", bound=_Model)


def body(cls: type[M], value: M | Mapping[str, Any]) -> M:
    """A request body given as the generated model or as the API's JSON (a dict)."""
    return value if isinstance(value, cls) else cls.from_dict(cast(Mapping[str, Any], value))


def trigger_body(
    payload: Mapping[str, Any] | None,
    priority: int | None,
    run_at: datetime.datetime | str | None,
    delay_ms: int | None,
) -> Trigger | Unset:
    """The body of one manual run; UNSET (no body) when nothing is overridden, so the
    job's own payload and priority apply."""
    if payload is None and priority is None and run_at is None and delay_ms is None:
        return UNSET
    when = run_at.isoformat() if isinstance(run_at, datetime.datetime) else run_at
    return Trigger(
        payload=UNSET if payload is None else TriggerPayload.from_dict(payload),
        priority=UNSET if priority is None else priority,
        run_at=UNSET if when is None else when,
        delay_ms=UNSET if delay_ms is None else delay_ms,
    )
