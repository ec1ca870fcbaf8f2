from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FlowCounts")


@_attrs_define
class FlowCounts:
    """Triggers flow control answered without a new run, or refused (since Redis's data
    began: counters kept there).

    Attributes:
        debounce_joined (int): joined a debounced run
        rate_rejected (int): refused with 429 by a reject-mode rate
        singleton_replaced (int): runs a singleton cancelled
        singleton_skipped (int): skipped: the key's run was there
    """

    debounce_joined: int
    rate_rejected: int
    singleton_replaced: int
    singleton_skipped: int

    def to_dict(self) -> dict[str, Any]:
        debounce_joined = self.debounce_joined

        rate_rejected = self.rate_rejected

        singleton_replaced = self.singleton_replaced

        singleton_skipped = self.singleton_skipped

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "debounce_joined": debounce_joined,
                "rate_rejected": rate_rejected,
                "singleton_replaced": singleton_replaced,
                "singleton_skipped": singleton_skipped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        debounce_joined = d.pop("debounce_joined")

        rate_rejected = d.pop("rate_rejected")

        singleton_replaced = d.pop("singleton_replaced")

        singleton_skipped = d.pop("singleton_skipped")

        flow_counts = cls(
            debounce_joined=debounce_joined,
            rate_rejected=rate_rejected,
            singleton_replaced=singleton_replaced,
            singleton_skipped=singleton_skipped,
        )

        return flow_counts
