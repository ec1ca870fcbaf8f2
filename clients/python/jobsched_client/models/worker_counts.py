from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WorkerCounts")


@_attrs_define
class WorkerCounts:
    """
    Attributes:
        stale (int):
        total (int):
    """

    stale: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        stale = self.stale

        total = self.total

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "stale": stale,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        stale = d.pop("stale")

        total = d.pop("total")

        worker_counts = cls(
            stale=stale,
            total=total,
        )

        return worker_counts
