from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.execution_counts_by_status import ExecutionCountsByStatus


T = TypeVar("T", bound="ExecutionCounts")


@_attrs_define
class ExecutionCounts:
    """
    Attributes:
        by_status (ExecutionCountsByStatus):
    """

    by_status: ExecutionCountsByStatus

    def to_dict(self) -> dict[str, Any]:
        by_status = self.by_status.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "by_status": by_status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_counts_by_status import ExecutionCountsByStatus  # noqa: PLC0415

        d = dict(src_dict)
        by_status = ExecutionCountsByStatus.from_dict(d.pop("by_status"))

        execution_counts = cls(
            by_status=by_status,
        )

        return execution_counts
