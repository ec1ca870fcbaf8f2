from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DurationBucket")


@_attrs_define
class DurationBucket:
    """
    Attributes:
        count (int): runs that took at most le (cumulative)
        le (str): upper bound in seconds, '+Inf' last
    """

    count: int
    le: str

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        le = self.le

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "count": count,
                "le": le,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count")

        le = d.pop("le")

        duration_bucket = cls(
            count=count,
            le=le,
        )

        return duration_bucket
