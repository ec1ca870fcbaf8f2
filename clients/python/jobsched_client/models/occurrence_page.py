from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.occurrence import Occurrence


T = TypeVar("T", bound="OccurrencePage")


@_attrs_define
class OccurrencePage:
    """
    Attributes:
        items (list[Occurrence]):
        since (datetime.datetime):
        truncated (bool): the range held more than limit
        until (datetime.datetime):
    """

    items: list[Occurrence]
    since: datetime.datetime
    truncated: bool
    until: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        since = self.since.isoformat()

        truncated = self.truncated

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "since": since,
                "truncated": truncated,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.occurrence import Occurrence  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = Occurrence.from_dict(items_item_data)

            items.append(items_item)

        since = datetime.datetime.fromisoformat(d.pop("since"))

        truncated = d.pop("truncated")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        occurrence_page = cls(
            items=items,
            since=since,
            truncated=truncated,
            until=until,
        )

        return occurrence_page
