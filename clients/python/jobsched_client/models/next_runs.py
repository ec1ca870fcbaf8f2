from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.next_run import NextRun


T = TypeVar("T", bound="NextRuns")


@_attrs_define
class NextRuns:
    """
    Attributes:
        items (list[NextRun]):
        schedule (None | str):
        timezone (str):
    """

    items: list[NextRun]
    schedule: None | str
    timezone: str

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        schedule: None | str
        schedule = self.schedule

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "schedule": schedule,
                "timezone": timezone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.next_run import NextRun  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = NextRun.from_dict(items_item_data)

            items.append(items_item)

        def _parse_schedule(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule = _parse_schedule(d.pop("schedule"))

        timezone = d.pop("timezone")

        next_runs = cls(
            items=items,
            schedule=schedule,
            timezone=timezone,
        )

        return next_runs
