from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Throughput")


@_attrs_define
class Throughput:
    """
    Attributes:
        last_5_minutes (int):
        last_hour (int):
        last_minute (int):
    """

    last_5_minutes: int
    last_hour: int
    last_minute: int

    def to_dict(self) -> dict[str, Any]:
        last_5_minutes = self.last_5_minutes

        last_hour = self.last_hour

        last_minute = self.last_minute

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "last_5_minutes": last_5_minutes,
                "last_hour": last_hour,
                "last_minute": last_minute,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        last_5_minutes = d.pop("last_5_minutes")

        last_hour = d.pop("last_hour")

        last_minute = d.pop("last_minute")

        throughput = cls(
            last_5_minutes=last_5_minutes,
            last_hour=last_hour,
            last_minute=last_minute,
        )

        return throughput
