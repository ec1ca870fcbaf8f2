from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NextRun")


@_attrs_define
class NextRun:
    """
    Attributes:
        at (datetime.datetime): in the schedule's time zone, with its offset
        utc (datetime.datetime):
        utc_offset (str):
        reason (None | str | Unset): why it is not at the schedule's own time: moved off a closed day, or deferred to a
            window's opening (null: at its time)
    """

    at: datetime.datetime
    utc: datetime.datetime
    utc_offset: str
    reason: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        utc = self.utc.isoformat()

        utc_offset = self.utc_offset

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "utc": utc,
                "utc_offset": utc_offset,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        utc = datetime.datetime.fromisoformat(d.pop("utc"))

        utc_offset = d.pop("utc_offset")

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        next_run = cls(
            at=at,
            utc=utc,
            utc_offset=utc_offset,
            reason=reason,
        )

        return next_run
