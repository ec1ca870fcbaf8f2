from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Backfill")


@_attrs_define
class Backfill:
    """Run each occurrence of the job's schedule in ``start <= t < end`` once.

    Attributes:
        end (str): ISO 8601 time. An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        start (str): ISO 8601 time. An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
    """

    end: str
    start: str

    def to_dict(self) -> dict[str, Any]:
        end = self.end

        start = self.start

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "end": end,
                "start": start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        end = d.pop("end")

        start = d.pop("start")

        backfill = cls(
            end=end,
            start=start,
        )

        return backfill
