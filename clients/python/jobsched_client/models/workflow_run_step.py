from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.workflow_step_status import WorkflowStepStatus

T = TypeVar("T", bound="WorkflowRunStep")


@_attrs_define
class WorkflowRunStep:
    """
    Attributes:
        execution_ids (list[UUID]): in item order (one per item)
        finished_at (datetime.datetime | None):
        id (str):
        items (int | None):
        reason (None | str):
        started_at (datetime.datetime | None):
        status (WorkflowStepStatus):
    """

    execution_ids: list[UUID]
    finished_at: datetime.datetime | None
    id: str
    items: int | None
    reason: None | str
    started_at: datetime.datetime | None
    status: WorkflowStepStatus

    def to_dict(self) -> dict[str, Any]:
        execution_ids = []
        for execution_ids_item_data in self.execution_ids:
            execution_ids_item = str(execution_ids_item_data)
            execution_ids.append(execution_ids_item)

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        items: int | None
        items = self.items

        reason: None | str
        reason = self.reason

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "execution_ids": execution_ids,
                "finished_at": finished_at,
                "id": id,
                "items": items,
                "reason": reason,
                "started_at": started_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        execution_ids = []
        _execution_ids = d.pop("execution_ids")
        for execution_ids_item_data in _execution_ids:
            execution_ids_item = UUID(execution_ids_item_data)

            execution_ids.append(execution_ids_item)

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

        id = d.pop("id")

        def _parse_items(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        items = _parse_items(d.pop("items"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

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

        status = WorkflowStepStatus(d.pop("status"))

        workflow_run_step = cls(
            execution_ids=execution_ids,
            finished_at=finished_at,
            id=id,
            items=items,
            reason=reason,
            started_at=started_at,
            status=status,
        )

        return workflow_run_step
