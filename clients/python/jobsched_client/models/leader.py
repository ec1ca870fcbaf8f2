from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Leader")


@_attrs_define
class Leader:
    """
    Attributes:
        id (None | str):
        ttl_ms (int | None):
    """

    id: None | str
    ttl_ms: int | None

    def to_dict(self) -> dict[str, Any]:
        id: None | str
        id = self.id

        ttl_ms: int | None
        ttl_ms = self.ttl_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "ttl_ms": ttl_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        id = _parse_id(d.pop("id"))

        def _parse_ttl_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ttl_ms = _parse_ttl_ms(d.pop("ttl_ms"))

        leader = cls(
            id=id,
            ttl_ms=ttl_ms,
        )

        return leader
