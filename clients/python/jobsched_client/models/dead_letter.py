from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.dead_letter_payload import DeadLetterPayload


T = TypeVar("T", bound="DeadLetter")


@_attrs_define
class DeadLetter:
    """
    Attributes:
        attempts (int):
        created_at (datetime.datetime | None):
        error (None | str):
        execution_id (UUID):
        handler (str):
        id (UUID):
        job_id (UUID):
        job_name (None | str):
        payload (DeadLetterPayload):
        reason (str):
    """

    attempts: int
    created_at: datetime.datetime | None
    error: None | str
    execution_id: UUID
    handler: str
    id: UUID
    job_id: UUID
    job_name: None | str
    payload: DeadLetterPayload
    reason: str

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        created_at: None | str
        if isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        error: None | str
        error = self.error

        execution_id = str(self.execution_id)

        handler = self.handler

        id = str(self.id)

        job_id = str(self.job_id)

        job_name: None | str
        job_name = self.job_name

        payload = self.payload.to_dict()

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "error": error,
                "execution_id": execution_id,
                "handler": handler,
                "id": id,
                "job_id": job_id,
                "job_name": job_name,
                "payload": payload,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dead_letter_payload import DeadLetterPayload  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

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

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        execution_id = UUID(d.pop("execution_id"))

        handler = d.pop("handler")

        id = UUID(d.pop("id"))

        job_id = UUID(d.pop("job_id"))

        def _parse_job_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_name = _parse_job_name(d.pop("job_name"))

        payload = DeadLetterPayload.from_dict(d.pop("payload"))

        reason = d.pop("reason")

        dead_letter = cls(
            attempts=attempts,
            created_at=created_at,
            error=error,
            execution_id=execution_id,
            handler=handler,
            id=id,
            job_id=job_id,
            job_name=job_name,
            payload=payload,
            reason=reason,
        )

        return dead_letter
