from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="NextRun")


@_attrs_define
class NextRun:
    """
    Attributes:
        at (datetime.datetime): in the schedule's time zone, with its offset
        reason (None | str): why it is not at the schedule's own time: moved off a closed day, or deferred to a window's
            opening (null: at its time)
        utc (datetime.datetime):
        utc_offset (str):
    """

    at: datetime.datetime
    reason: None | str
    utc: datetime.datetime
    utc_offset: str

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        reason: None | str
        reason = self.reason

        utc = self.utc.isoformat()

        utc_offset = self.utc_offset

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "reason": reason,
                "utc": utc,
                "utc_offset": utc_offset,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        utc = datetime.datetime.fromisoformat(d.pop("utc"))

        utc_offset = d.pop("utc_offset")

        next_run = cls(
            at=at,
            reason=reason,
            utc=utc,
            utc_offset=utc_offset,
        )

        return next_run
