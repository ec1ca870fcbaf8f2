from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.workflow_run_status import WorkflowRunStatus

if TYPE_CHECKING:
    from ..models.workflow_run_step import WorkflowRunStep


T = TypeVar("T", bound="WorkflowRun")


@_attrs_define
class WorkflowRun:
    """
    Attributes:
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
        id (UUID):
        input_ (Any):
        scheduled_for (datetime.datetime):
        started_at (datetime.datetime | None):
        status (WorkflowRunStatus):
        steps (list[WorkflowRunStep]):
        updated_at (datetime.datetime):
        version (int):
        workflow_id (UUID):
    """

    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    id: UUID
    input_: Any
    scheduled_for: datetime.datetime
    started_at: datetime.datetime | None
    status: WorkflowRunStatus
    steps: list[WorkflowRunStep]
    updated_at: datetime.datetime
    version: int
    workflow_id: UUID

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = str(self.id)

        input_ = self.input_

        scheduled_for = self.scheduled_for.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        updated_at = self.updated_at.isoformat()

        version = self.version

        workflow_id = str(self.workflow_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "created_at": created_at,
                "finished_at": finished_at,
                "id": id,
                "input": input_,
                "scheduled_for": scheduled_for,
                "started_at": started_at,
                "status": status,
                "steps": steps,
                "updated_at": updated_at,
                "version": version,
                "workflow_id": workflow_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_run_step import WorkflowRunStep  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        id = UUID(d.pop("id"))

        input_ = d.pop("input")

        scheduled_for = datetime.datetime.fromisoformat(d.pop("scheduled_for"))

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

        status = WorkflowRunStatus(d.pop("status"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = WorkflowRunStep.from_dict(steps_item_data)

            steps.append(steps_item)

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        workflow_id = UUID(d.pop("workflow_id"))

        workflow_run = cls(
            created_at=created_at,
            finished_at=finished_at,
            id=id,
            input_=input_,
            scheduled_for=scheduled_for,
            started_at=started_at,
            status=status,
            steps=steps,
            updated_at=updated_at,
            version=version,
            workflow_id=workflow_id,
        )

        return workflow_run
