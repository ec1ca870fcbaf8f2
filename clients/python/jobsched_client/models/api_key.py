from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.scope import Scope

T = TypeVar("T", bound="ApiKey")


@_attrs_define
class ApiKey:
    """
    Attributes:
        created_at (datetime.datetime):
        created_by (str): id of the key that created it
        id (UUID):
        last_used_at (datetime.datetime | None):
        name (str):
        rate_limit_per_minute (int | None):
        scope (Scope):
    """

    created_at: datetime.datetime
    created_by: str
    id: UUID
    last_used_at: datetime.datetime | None
    name: str
    rate_limit_per_minute: int | None
    scope: Scope

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        created_by = self.created_by

        id = str(self.id)

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        name = self.name

        rate_limit_per_minute: int | None
        rate_limit_per_minute = self.rate_limit_per_minute

        scope = self.scope.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "id": id,
                "last_used_at": last_used_at,
                "name": name,
                "rate_limit_per_minute": rate_limit_per_minute,
                "scope": scope,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        id = UUID(d.pop("id"))

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        name = d.pop("name")

        def _parse_rate_limit_per_minute(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_limit_per_minute = _parse_rate_limit_per_minute(d.pop("rate_limit_per_minute"))

        scope = Scope(d.pop("scope"))

        api_key = cls(
            created_at=created_at,
            created_by=created_by,
            id=id,
            last_used_at=last_used_at,
            name=name,
            rate_limit_per_minute=rate_limit_per_minute,
            scope=scope,
        )

        return api_key
