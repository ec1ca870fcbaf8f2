from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.queue_depth_pools import QueueDepthPools


T = TypeVar("T", bound="QueueDepth")


@_attrs_define
class QueueDepth:
    """Summed over the pools, and each pool's own.

    Attributes:
        delayed (int):
        in_flight (int):
        pools (QueueDepthPools):
        ready (int):
    """

    delayed: int
    in_flight: int
    pools: QueueDepthPools
    ready: int

    def to_dict(self) -> dict[str, Any]:
        delayed = self.delayed

        in_flight = self.in_flight

        pools = self.pools.to_dict()

        ready = self.ready

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "delayed": delayed,
                "in_flight": in_flight,
                "pools": pools,
                "ready": ready,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.queue_depth_pools import QueueDepthPools  # noqa: PLC0415

        d = dict(src_dict)
        delayed = d.pop("delayed")

        in_flight = d.pop("in_flight")

        pools = QueueDepthPools.from_dict(d.pop("pools"))

        ready = d.pop("ready")

        queue_depth = cls(
            delayed=delayed,
            in_flight=in_flight,
            pools=pools,
            ready=ready,
        )

        return queue_depth
