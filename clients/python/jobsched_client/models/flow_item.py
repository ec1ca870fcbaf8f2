from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.flow_limit import FlowLimit
from ..types import UNSET, Unset

T = TypeVar("T", bound="FlowItem")


@_attrs_define
class FlowItem:
    """
    Attributes:
        key (str): a key the job's unfinished runs resolved to
        running (int): the job's runs of the key running now
        waiting (int): the job's runs of the key not started yet
        limited_by (FlowLimit | None | Unset):
        next_start_at (datetime.datetime | None | Unset):
    """

    key: str
    running: int
    waiting: int
    limited_by: FlowLimit | None | Unset = UNSET
    next_start_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        running = self.running

        waiting = self.waiting

        limited_by: None | str | Unset
        if isinstance(self.limited_by, Unset):
            limited_by = UNSET
        elif isinstance(self.limited_by, FlowLimit):
            limited_by = self.limited_by.value
        else:
            limited_by = self.limited_by

        next_start_at: None | str | Unset
        if isinstance(self.next_start_at, Unset):
            next_start_at = UNSET
        elif isinstance(self.next_start_at, datetime.datetime):
            next_start_at = self.next_start_at.isoformat()
        else:
            next_start_at = self.next_start_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "running": running,
                "waiting": waiting,
            }
        )
        if limited_by is not UNSET:
            field_dict["limited_by"] = limited_by
        if next_start_at is not UNSET:
            field_dict["next_start_at"] = next_start_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        running = d.pop("running")

        waiting = d.pop("waiting")

        def _parse_limited_by(data: object) -> FlowLimit | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                limited_by_type_0 = FlowLimit(data)

                return limited_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FlowLimit | None | Unset, data)

        limited_by = _parse_limited_by(d.pop("limited_by", UNSET))

        def _parse_next_start_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_start_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_start_at = _parse_next_start_at(d.pop("next_start_at", UNSET))

        flow_item = cls(
            key=key,
            running=running,
            waiting=waiting,
            limited_by=limited_by,
            next_start_at=next_start_at,
        )

        return flow_item
