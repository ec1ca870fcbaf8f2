from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FailureRate")


@_attrs_define
class FailureRate:
    """
    Attributes:
        last_5_minutes (float):
        last_hour (float):
    """

    last_5_minutes: float
    last_hour: float

    def to_dict(self) -> dict[str, Any]:
        last_5_minutes = self.last_5_minutes

        last_hour = self.last_hour

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "last_5_minutes": last_5_minutes,
                "last_hour": last_hour,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        last_5_minutes = d.pop("last_5_minutes")

        last_hour = d.pop("last_hour")

        failure_rate = cls(
            last_5_minutes=last_5_minutes,
            last_hour=last_hour,
        )

        return failure_rate
