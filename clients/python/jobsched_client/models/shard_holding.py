from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="ShardHolding")


@_attrs_define
class ShardHolding:
    """
    Attributes:
        holder (None | str): the tick instance's lock owner; null: free
        shard (int):
        ttl_ms (int):
    """

    holder: None | str
    shard: int
    ttl_ms: int

    def to_dict(self) -> dict[str, Any]:
        holder: None | str
        holder = self.holder

        shard = self.shard

        ttl_ms = self.ttl_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "holder": holder,
                "shard": shard,
                "ttl_ms": ttl_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_holder(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        holder = _parse_holder(d.pop("holder"))

        shard = d.pop("shard")

        ttl_ms = d.pop("ttl_ms")

        shard_holding = cls(
            holder=holder,
            shard=shard,
            ttl_ms=ttl_ms,
        )

        return shard_holding
