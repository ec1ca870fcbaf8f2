from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.execution_source import ExecutionSource
from ..models.execution_status import ExecutionStatus

if TYPE_CHECKING:
    from ..models.alert import Alert
    from ..models.attempt import Attempt
    from ..models.execution_payload import ExecutionPayload


T = TypeVar("T", bound="Execution")


@_attrs_define
class Execution:
    """
    Attributes:
        alerts (list[Alert]): SLA breaches: late_start, overran
        attempt (int):
        attempts (list[Attempt]):
        concurrency_key (None | str):
        concurrency_limit (int | None):
        created_at (datetime.datetime | None):
        duration_ms (int | None):
        error (None | str):
        finished_at (datetime.datetime | None):
        handler (str):
        id (UUID):
        idempotency_key (str): stable across retries: the job and scheduled time, or the trigger's Idempotency-Key;
            handed to the handler (http.webhook sends it)
        job_id (UUID):
        job_name (None | str):
        max_retries (int):
        next_attempt_at (datetime.datetime | None):
        on_hold (bool): held back until the job's previous run finishes
        payload (ExecutionPayload):
        pool (str):
        priority (int):
        queued_at (datetime.datetime | None):
        rate_key (None | str):
        rate_limit (int | None):
        rate_period_ms (int | None):
        result (Any):
        scheduled_for (datetime.datetime | None):
        source (ExecutionSource):
        start_after (datetime.datetime | None):
        started_at (datetime.datetime | None):
        status (ExecutionStatus):
        step_id (None | str):
        updated_at (datetime.datetime | None):
        waiting (None | str):
        worker_id (None | str):
        workflow_run_id (None | UUID):
    """

    alerts: list[Alert]
    attempt: int
    attempts: list[Attempt]
    concurrency_key: None | str
    concurrency_limit: int | None
    created_at: datetime.datetime | None
    duration_ms: int | None
    error: None | str
    finished_at: datetime.datetime | None
    handler: str
    id: UUID
    idempotency_key: str
    job_id: UUID
    job_name: None | str
    max_retries: int
    next_attempt_at: datetime.datetime | None
    on_hold: bool
    payload: ExecutionPayload
    pool: str
    priority: int
    queued_at: datetime.datetime | None
    rate_key: None | str
    rate_limit: int | None
    rate_period_ms: int | None
    result: Any
    scheduled_for: datetime.datetime | None
    source: ExecutionSource
    start_after: datetime.datetime | None
    started_at: datetime.datetime | None
    status: ExecutionStatus
    step_id: None | str
    updated_at: datetime.datetime | None
    waiting: None | str
    worker_id: None | str
    workflow_run_id: None | UUID

    def to_dict(self) -> dict[str, Any]:
        alerts = []
        for alerts_item_data in self.alerts:
            alerts_item = alerts_item_data.to_dict()
            alerts.append(alerts_item)

        attempt = self.attempt

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        concurrency_key: None | str
        concurrency_key = self.concurrency_key

        concurrency_limit: int | None
        concurrency_limit = self.concurrency_limit

        created_at: None | str
        if isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        duration_ms: int | None
        duration_ms = self.duration_ms

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        handler = self.handler

        id = str(self.id)

        idempotency_key = self.idempotency_key

        job_id = str(self.job_id)

        job_name: None | str
        job_name = self.job_name

        max_retries = self.max_retries

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        on_hold = self.on_hold

        payload = self.payload.to_dict()

        pool = self.pool

        priority = self.priority

        queued_at: None | str
        if isinstance(self.queued_at, datetime.datetime):
            queued_at = self.queued_at.isoformat()
        else:
            queued_at = self.queued_at

        rate_key: None | str
        rate_key = self.rate_key

        rate_limit: int | None
        rate_limit = self.rate_limit

        rate_period_ms: int | None
        rate_period_ms = self.rate_period_ms

        result = self.result

        scheduled_for: None | str
        if isinstance(self.scheduled_for, datetime.datetime):
            scheduled_for = self.scheduled_for.isoformat()
        else:
            scheduled_for = self.scheduled_for

        source = self.source.value

        start_after: None | str
        if isinstance(self.start_after, datetime.datetime):
            start_after = self.start_after.isoformat()
        else:
            start_after = self.start_after

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        step_id: None | str
        step_id = self.step_id

        updated_at: None | str
        if isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        waiting: None | str
        waiting = self.waiting

        worker_id: None | str
        worker_id = self.worker_id

        workflow_run_id: None | str
        if isinstance(self.workflow_run_id, UUID):
            workflow_run_id = str(self.workflow_run_id)
        else:
            workflow_run_id = self.workflow_run_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "alerts": alerts,
                "attempt": attempt,
                "attempts": attempts,
                "concurrency_key": concurrency_key,
                "concurrency_limit": concurrency_limit,
                "created_at": created_at,
                "duration_ms": duration_ms,
                "error": error,
                "finished_at": finished_at,
                "handler": handler,
                "id": id,
                "idempotency_key": idempotency_key,
                "job_id": job_id,
                "job_name": job_name,
                "max_retries": max_retries,
                "next_attempt_at": next_attempt_at,
                "on_hold": on_hold,
                "payload": payload,
                "pool": pool,
                "priority": priority,
                "queued_at": queued_at,
                "rate_key": rate_key,
                "rate_limit": rate_limit,
                "rate_period_ms": rate_period_ms,
                "result": result,
                "scheduled_for": scheduled_for,
                "source": source,
                "start_after": start_after,
                "started_at": started_at,
                "status": status,
                "step_id": step_id,
                "updated_at": updated_at,
                "waiting": waiting,
                "worker_id": worker_id,
                "workflow_run_id": workflow_run_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.alert import Alert  # noqa: PLC0415
        from ..models.attempt import Attempt  # noqa: PLC0415
        from ..models.execution_payload import ExecutionPayload  # noqa: PLC0415

        d = dict(src_dict)
        alerts = []
        _alerts = d.pop("alerts")
        for alerts_item_data in _alerts:
            alerts_item = Alert.from_dict(alerts_item_data)

            alerts.append(alerts_item)

        attempt = d.pop("attempt")

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = Attempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        def _parse_concurrency_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        concurrency_key = _parse_concurrency_key(d.pop("concurrency_key"))

        def _parse_concurrency_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        concurrency_limit = _parse_concurrency_limit(d.pop("concurrency_limit"))

        def _parse_created_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        created_at = _parse_created_at(d.pop("created_at"))

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        handler = d.pop("handler")

        id = UUID(d.pop("id"))

        idempotency_key = d.pop("idempotency_key")

        job_id = UUID(d.pop("job_id"))

        def _parse_job_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_name = _parse_job_name(d.pop("job_name"))

        max_retries = d.pop("max_retries")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        on_hold = d.pop("on_hold")

        payload = ExecutionPayload.from_dict(d.pop("payload"))

        pool = d.pop("pool")

        priority = d.pop("priority")

        def _parse_queued_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                queued_at_type_0 = datetime.datetime.fromisoformat(data)

                return queued_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        queued_at = _parse_queued_at(d.pop("queued_at"))

        def _parse_rate_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rate_key = _parse_rate_key(d.pop("rate_key"))

        def _parse_rate_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_limit = _parse_rate_limit(d.pop("rate_limit"))

        def _parse_rate_period_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_period_ms = _parse_rate_period_ms(d.pop("rate_period_ms"))

        result = d.pop("result")

        def _parse_scheduled_for(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scheduled_for_type_0 = datetime.datetime.fromisoformat(data)

                return scheduled_for_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        scheduled_for = _parse_scheduled_for(d.pop("scheduled_for"))

        source = ExecutionSource(d.pop("source"))

        def _parse_start_after(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_after_type_0 = datetime.datetime.fromisoformat(data)

                return start_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start_after = _parse_start_after(d.pop("start_after"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = ExecutionStatus(d.pop("status"))

        def _parse_step_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        step_id = _parse_step_id(d.pop("step_id"))

        def _parse_updated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        updated_at = _parse_updated_at(d.pop("updated_at"))

        def _parse_waiting(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        waiting = _parse_waiting(d.pop("waiting"))

        def _parse_worker_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker_id = _parse_worker_id(d.pop("worker_id"))

        def _parse_workflow_run_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                workflow_run_id_type_0 = UUID(data)

                return workflow_run_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        workflow_run_id = _parse_workflow_run_id(d.pop("workflow_run_id"))

        execution = cls(
            alerts=alerts,
            attempt=attempt,
            attempts=attempts,
            concurrency_key=concurrency_key,
            concurrency_limit=concurrency_limit,
            created_at=created_at,
            duration_ms=duration_ms,
            error=error,
            finished_at=finished_at,
            handler=handler,
            id=id,
            idempotency_key=idempotency_key,
            job_id=job_id,
            job_name=job_name,
            max_retries=max_retries,
            next_attempt_at=next_attempt_at,
            on_hold=on_hold,
            payload=payload,
            pool=pool,
            priority=priority,
            queued_at=queued_at,
            rate_key=rate_key,
            rate_limit=rate_limit,
            rate_period_ms=rate_period_ms,
            result=result,
            scheduled_for=scheduled_for,
            source=source,
            start_after=start_after,
            started_at=started_at,
            status=status,
            step_id=step_id,
            updated_at=updated_at,
            waiting=waiting,
            worker_id=worker_id,
            workflow_run_id=workflow_run_id,
        )

        return execution
