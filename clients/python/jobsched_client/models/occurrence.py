from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.execution_status import ExecutionStatus
from ..models.occurrence_outcome import OccurrenceOutcome

T = TypeVar("T", bound="Occurrence")


@_attrs_define
class Occurrence:
    """
    Attributes:
        execution_id (None | UUID):
        outcome (OccurrenceOutcome):
        reason (None | str):
        scheduled_for (datetime.datetime):
        status (ExecutionStatus | None):
    """

    execution_id: None | UUID
    outcome: OccurrenceOutcome
    reason: None | str
    scheduled_for: datetime.datetime
    status: ExecutionStatus | None

    def to_dict(self) -> dict[str, Any]:
        execution_id: None | str
        if isinstance(self.execution_id, UUID):
            execution_id = str(self.execution_id)
        else:
            execution_id = self.execution_id

        outcome = self.outcome.value

        reason: None | str
        reason = self.reason

        scheduled_for = self.scheduled_for.isoformat()

        status: None | str
        if isinstance(self.status, ExecutionStatus):
            status = self.status.value
        else:
            status = self.status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "execution_id": execution_id,
                "outcome": outcome,
                "reason": reason,
                "scheduled_for": scheduled_for,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_execution_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                execution_id_type_0 = UUID(data)

                return execution_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        execution_id = _parse_execution_id(d.pop("execution_id"))

        outcome = OccurrenceOutcome(d.pop("outcome"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        scheduled_for = datetime.datetime.fromisoformat(d.pop("scheduled_for"))

        def _parse_status(data: object) -> ExecutionStatus | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ExecutionStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecutionStatus | None, data)

        status = _parse_status(d.pop("status"))

        occurrence = cls(
            execution_id=execution_id,
            outcome=outcome,
            reason=reason,
            scheduled_for=scheduled_for,
            status=status,
        )

        return occurrence
