from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.duration_bucket import DurationBucket


T = TypeVar("T", bound="DurationHistogram")


@_attrs_define
class DurationHistogram:
    """Since the counters began (migration 0010); only ever grows.

    Attributes:
        buckets (list[DurationBucket]):
        count (int):
        sum_seconds (float):
    """

    buckets: list[DurationBucket]
    count: int
    sum_seconds: float

    def to_dict(self) -> dict[str, Any]:
        buckets = []
        for buckets_item_data in self.buckets:
            buckets_item = buckets_item_data.to_dict()
            buckets.append(buckets_item)

        count = self.count

        sum_seconds = self.sum_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "buckets": buckets,
                "count": count,
                "sum_seconds": sum_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.duration_bucket import DurationBucket  # noqa: PLC0415

        d = dict(src_dict)
        buckets = []
        _buckets = d.pop("buckets")
        for buckets_item_data in _buckets:
            buckets_item = DurationBucket.from_dict(buckets_item_data)

            buckets.append(buckets_item)

        count = d.pop("count")

        sum_seconds = d.pop("sum_seconds")

        duration_histogram = cls(
            buckets=buckets,
            count=count,
            sum_seconds=sum_seconds,
        )

        return duration_histogram
