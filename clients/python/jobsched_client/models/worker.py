from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Worker")


@_attrs_define
class Worker:
    """
    Attributes:
        capacity (int):
        handlers (list[str]):
        host (None | str):
        id (str):
        last_heartbeat (datetime.datetime | None):
        pid (int):
        pools (list[str]):
        running (int):
        stale (bool):
        started_at (datetime.datetime | None):
    """

    capacity: int
    handlers: list[str]
    host: None | str
    id: str
    last_heartbeat: datetime.datetime | None
    pid: int
    pools: list[str]
    running: int
    stale: bool
    started_at: datetime.datetime | None

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        handlers = self.handlers

        host: None | str
        host = self.host

        id = self.id

        last_heartbeat: None | str
        if isinstance(self.last_heartbeat, datetime.datetime):
            last_heartbeat = self.last_heartbeat.isoformat()
        else:
            last_heartbeat = self.last_heartbeat

        pid = self.pid

        pools = self.pools

        running = self.running

        stale = self.stale

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "capacity": capacity,
                "handlers": handlers,
                "host": host,
                "id": id,
                "last_heartbeat": last_heartbeat,
                "pid": pid,
                "pools": pools,
                "running": running,
                "stale": stale,
                "started_at": started_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        capacity = d.pop("capacity")

        handlers = cast(list[str], d.pop("handlers"))

        def _parse_host(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        host = _parse_host(d.pop("host"))

        id = d.pop("id")

        def _parse_last_heartbeat(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_heartbeat_type_0 = datetime.datetime.fromisoformat(data)

                return last_heartbeat_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_heartbeat = _parse_last_heartbeat(d.pop("last_heartbeat"))

        pid = d.pop("pid")

        pools = cast(list[str], d.pop("pools"))

        running = d.pop("running")

        stale = d.pop("stale")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        worker = cls(
            capacity=capacity,
            handlers=handlers,
            host=host,
            id=id,
            last_heartbeat=last_heartbeat,
            pid=pid,
            pools=pools,
            running=running,
            stale=stale,
            started_at=started_at,
        )

        return worker
