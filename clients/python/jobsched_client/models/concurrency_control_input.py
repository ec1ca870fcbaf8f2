from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="ConcurrencyControlInput")


@_attrs_define
class ConcurrencyControlInput:
    """At most ``limit`` runs of one key running at once (the others wait in order).

    Attributes:
        key (KeyRef | str): literal text, or {"$ref": "payload.<path>"} resolved per run
        limit (int):
    """

    key: KeyRef | str
    limit: int

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        key: dict[str, Any] | str
        if isinstance(self.key, KeyRef):
            key = self.key.to_dict()
        else:
            key = self.key

        limit = self.limit

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "limit": limit,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_key(data: object) -> KeyRef | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                key_type_1 = KeyRef.from_dict(data)

                return key_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KeyRef | str, data)

        key = _parse_key(d.pop("key"))

        limit = d.pop("limit")

        concurrency_control_input = cls(
            key=key,
            limit=limit,
        )

        return concurrency_control_input
