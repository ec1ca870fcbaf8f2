from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PoolDepth")


@_attrs_define
class PoolDepth:
    """
    Attributes:
        delayed (int):
        in_flight (int):
        ready (int):
    """

    delayed: int
    in_flight: int
    ready: int

    def to_dict(self) -> dict[str, Any]:
        delayed = self.delayed

        in_flight = self.in_flight

        ready = self.ready

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "delayed": delayed,
                "in_flight": in_flight,
                "ready": ready,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delayed = d.pop("delayed")

        in_flight = d.pop("in_flight")

        ready = d.pop("ready")

        pool_depth = cls(
            delayed=delayed,
            in_flight=in_flight,
            ready=ready,
        )

        return pool_depth
