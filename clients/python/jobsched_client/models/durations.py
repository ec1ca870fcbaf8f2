from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Durations")


@_attrs_define
class Durations:
    """
    Attributes:
        p50 (int | None):
        p95 (int | None):
        p99 (int | None):
    """

    p50: int | None
    p95: int | None
    p99: int | None

    def to_dict(self) -> dict[str, Any]:
        p50: int | None
        p50 = self.p50

        p95: int | None
        p95 = self.p95

        p99: int | None
        p99 = self.p99

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "p50": p50,
                "p95": p95,
                "p99": p99,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_p50(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        p50 = _parse_p50(d.pop("p50"))

        def _parse_p95(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        p95 = _parse_p95(d.pop("p95"))

        def _parse_p99(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        p99 = _parse_p99(d.pop("p99"))

        durations = cls(
            p50=p50,
            p95=p95,
            p99=p99,
        )

        return durations
