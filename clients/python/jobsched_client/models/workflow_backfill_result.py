from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.workflow_run import WorkflowRun


T = TypeVar("T", bound="WorkflowBackfillResult")


@_attrs_define
class WorkflowBackfillResult:
    """
    Attributes:
        existing (int): occurrences in the range that already had a workflow run
        items (list[WorkflowRun]): the runs this request created (at most 100; total counts them all)
        total (int):
    """

    existing: int
    items: list[WorkflowRun]
    total: int

    def to_dict(self) -> dict[str, Any]:
        existing = self.existing

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        total = self.total

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "existing": existing,
                "items": items,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_run import WorkflowRun  # noqa: PLC0415

        d = dict(src_dict)
        existing = d.pop("existing")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = WorkflowRun.from_dict(items_item_data)

            items.append(items_item)

        total = d.pop("total")

        workflow_backfill_result = cls(
            existing=existing,
            items=items,
            total=total,
        )

        return workflow_backfill_result
