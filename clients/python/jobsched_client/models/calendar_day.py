from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="CalendarDay")


@_attrs_define
class CalendarDay:
    """
    Attributes:
        business (bool):
        date (str):
        reason (None | str): why it is not a business day: the holiday's name, the ICS event's summary, 'extra date' or
            'weekend' (null: a business day)
    """

    business: bool
    date: str
    reason: None | str

    def to_dict(self) -> dict[str, Any]:
        business = self.business

        date = self.date

        reason: None | str
        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "business": business,
                "date": date,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        business = d.pop("business")

        date = d.pop("date")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        calendar_day = cls(
            business=business,
            date=date,
            reason=reason,
        )

        return calendar_day
