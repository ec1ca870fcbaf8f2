from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.scope import Scope

T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    """The key a request was made with.

    Attributes:
        bootstrap (bool): from API_KEYS: revoked by redeploying
        id (str): what the audit log names it by
        name (str):
        rate_limit_per_minute (int | None):
        scope (Scope):
    """

    bootstrap: bool
    id: str
    name: str
    rate_limit_per_minute: int | None
    scope: Scope

    def to_dict(self) -> dict[str, Any]:
        bootstrap = self.bootstrap

        id = self.id

        name = self.name

        rate_limit_per_minute: int | None
        rate_limit_per_minute = self.rate_limit_per_minute

        scope = self.scope.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "bootstrap": bootstrap,
                "id": id,
                "name": name,
                "rate_limit_per_minute": rate_limit_per_minute,
                "scope": scope,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bootstrap = d.pop("bootstrap")

        id = d.pop("id")

        name = d.pop("name")

        def _parse_rate_limit_per_minute(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_limit_per_minute = _parse_rate_limit_per_minute(d.pop("rate_limit_per_minute"))

        scope = Scope(d.pop("scope"))

        me = cls(
            bootstrap=bootstrap,
            id=id,
            name=name,
            rate_limit_per_minute=rate_limit_per_minute,
            scope=scope,
        )

        return me
