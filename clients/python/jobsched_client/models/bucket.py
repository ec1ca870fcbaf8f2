from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Bucket")


@_attrs_define
class Bucket:
    """
    Attributes:
        failed (int):
        p95_duration_ms (int | None):
        start (datetime.datetime):
        succeeded (int):
    """

    failed: int
    p95_duration_ms: int | None
    start: datetime.datetime
    succeeded: int

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed

        p95_duration_ms: int | None
        p95_duration_ms = self.p95_duration_ms

        start = self.start.isoformat()

        succeeded = self.succeeded

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "failed": failed,
                "p95_duration_ms": p95_duration_ms,
                "start": start,
                "succeeded": succeeded,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        failed = d.pop("failed")

        def _parse_p95_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        p95_duration_ms = _parse_p95_duration_ms(d.pop("p95_duration_ms"))

        start = datetime.datetime.fromisoformat(d.pop("start"))

        succeeded = d.pop("succeeded")

        bucket = cls(
            failed=failed,
            p95_duration_ms=p95_duration_ms,
            start=start,
            succeeded=succeeded,
        )

        return bucket
