from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AlertCounts")


@_attrs_define
class AlertCounts:
    """
    Attributes:
        late_start (int):
        overran (int):
    """

    late_start: int
    overran: int

    def to_dict(self) -> dict[str, Any]:
        late_start = self.late_start

        overran = self.overran

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "late_start": late_start,
                "overran": overran,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        late_start = d.pop("late_start")

        overran = d.pop("overran")

        alert_counts = cls(
            late_start=late_start,
            overran=overran,
        )

        return alert_counts
