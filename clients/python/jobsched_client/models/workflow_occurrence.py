from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.occurrence_outcome import OccurrenceOutcome
from ..models.workflow_run_status import WorkflowRunStatus

T = TypeVar("T", bound="WorkflowOccurrence")


@_attrs_define
class WorkflowOccurrence:
    """
    Attributes:
        outcome (OccurrenceOutcome):
        reason (None | str):
        scheduled_for (datetime.datetime):
        status (None | WorkflowRunStatus):
        workflow_run_id (None | UUID):
    """

    outcome: OccurrenceOutcome
    reason: None | str
    scheduled_for: datetime.datetime
    status: None | WorkflowRunStatus
    workflow_run_id: None | UUID

    def to_dict(self) -> dict[str, Any]:
        outcome = self.outcome.value

        reason: None | str
        reason = self.reason

        scheduled_for = self.scheduled_for.isoformat()

        status: None | str
        if isinstance(self.status, WorkflowRunStatus):
            status = self.status.value
        else:
            status = self.status

        workflow_run_id: None | str
        if isinstance(self.workflow_run_id, UUID):
            workflow_run_id = str(self.workflow_run_id)
        else:
            workflow_run_id = self.workflow_run_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "outcome": outcome,
                "reason": reason,
                "scheduled_for": scheduled_for,
                "status": status,
                "workflow_run_id": workflow_run_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        outcome = OccurrenceOutcome(d.pop("outcome"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        scheduled_for = datetime.datetime.fromisoformat(d.pop("scheduled_for"))

        def _parse_status(data: object) -> None | WorkflowRunStatus:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = WorkflowRunStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WorkflowRunStatus, data)

        status = _parse_status(d.pop("status"))

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

        workflow_occurrence = cls(
            outcome=outcome,
            reason=reason,
            scheduled_for=scheduled_for,
            status=status,
            workflow_run_id=workflow_run_id,
        )

        return workflow_occurrence
