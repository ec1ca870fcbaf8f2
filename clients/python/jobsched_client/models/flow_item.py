from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.flow_limit import FlowLimit

T = TypeVar("T", bound="FlowItem")


@_attrs_define
class FlowItem:
    """
    Attributes:
        key (str): a key the job's unfinished runs resolved to
        limited_by (FlowLimit | None):
        next_start_at (datetime.datetime | None):
        running (int): the job's runs of the key running now
        waiting (int): the job's runs of the key not started yet
    """

    key: str
    limited_by: FlowLimit | None
    next_start_at: datetime.datetime | None
    running: int
    waiting: int

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        limited_by: None | str
        if isinstance(self.limited_by, FlowLimit):
            limited_by = self.limited_by.value
        else:
            limited_by = self.limited_by

        next_start_at: None | str
        if isinstance(self.next_start_at, datetime.datetime):
            next_start_at = self.next_start_at.isoformat()
        else:
            next_start_at = self.next_start_at

        running = self.running

        waiting = self.waiting

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "limited_by": limited_by,
                "next_start_at": next_start_at,
                "running": running,
                "waiting": waiting,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        def _parse_limited_by(data: object) -> FlowLimit | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                limited_by_type_0 = FlowLimit(data)

                return limited_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FlowLimit | None, data)

        limited_by = _parse_limited_by(d.pop("limited_by"))

        def _parse_next_start_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_start_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_start_at = _parse_next_start_at(d.pop("next_start_at"))

        running = d.pop("running")

        waiting = d.pop("waiting")

        flow_item = cls(
            key=key,
            limited_by=limited_by,
            next_start_at=next_start_at,
            running=running,
            waiting=waiting,
        )

        return flow_item
