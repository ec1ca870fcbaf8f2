from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.calendar_day import CalendarDay


T = TypeVar("T", bound="CalendarDays")


@_attrs_define
class CalendarDays:
    """
    Attributes:
        items (list[CalendarDay]):
        name (str):
        timezone (str):
        version (int):
    """

    items: list[CalendarDay]
    name: str
    timezone: str
    version: int

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        name = self.name

        timezone = self.timezone

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "name": name,
                "timezone": timezone,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.calendar_day import CalendarDay  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = CalendarDay.from_dict(items_item_data)

            items.append(items_item)

        name = d.pop("name")

        timezone = d.pop("timezone")

        version = d.pop("version")

        calendar_days = cls(
            items=items,
            name=name,
            timezone=timezone,
            version=version,
        )

        return calendar_days
