from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.job_counts_by_status import JobCountsByStatus


T = TypeVar("T", bound="JobCounts")


@_attrs_define
class JobCounts:
    """
    Attributes:
        by_status (JobCountsByStatus):
        schedule_errors (int):
        total (int):
    """

    by_status: JobCountsByStatus
    schedule_errors: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        by_status = self.by_status.to_dict()

        schedule_errors = self.schedule_errors

        total = self.total

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "by_status": by_status,
                "schedule_errors": schedule_errors,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_counts_by_status import JobCountsByStatus  # noqa: PLC0415

        d = dict(src_dict)
        by_status = JobCountsByStatus.from_dict(d.pop("by_status"))

        schedule_errors = d.pop("schedule_errors")

        total = d.pop("total")

        job_counts = cls(
            by_status=by_status,
            schedule_errors=schedule_errors,
            total=total,
        )

        return job_counts
