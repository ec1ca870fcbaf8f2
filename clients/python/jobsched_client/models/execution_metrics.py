from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.bucket import Bucket


T = TypeVar("T", bound="ExecutionMetrics")


@_attrs_define
class ExecutionMetrics:
    """
    Attributes:
        bucket_s (int):
        buckets (list[Bucket]):
        window_s (int):
    """

    bucket_s: int
    buckets: list[Bucket]
    window_s: int

    def to_dict(self) -> dict[str, Any]:
        bucket_s = self.bucket_s

        buckets = []
        for buckets_item_data in self.buckets:
            buckets_item = buckets_item_data.to_dict()
            buckets.append(buckets_item)

        window_s = self.window_s

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "bucket_s": bucket_s,
                "buckets": buckets,
                "window_s": window_s,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bucket import Bucket  # noqa: PLC0415

        d = dict(src_dict)
        bucket_s = d.pop("bucket_s")

        buckets = []
        _buckets = d.pop("buckets")
        for buckets_item_data in _buckets:
            buckets_item = Bucket.from_dict(buckets_item_data)

            buckets.append(buckets_item)

        window_s = d.pop("window_s")

        execution_metrics = cls(
            bucket_s=bucket_s,
            buckets=buckets,
            window_s=window_s,
        )

        return execution_metrics
