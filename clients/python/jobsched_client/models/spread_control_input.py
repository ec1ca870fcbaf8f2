from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="SpreadControlInput")


@_attrs_define
class SpreadControlInput:
    """Each occurrence runs once per key, each key's run starting at a stable offset
    (a hash of the key) within ``window_ms`` after the occurrence.

    Attributes:
        keys (KeyRef | list[bool | float | str]): the keys (a list), or {"$ref": "payload.<path>"} naming a list in the
            job's payload
        window_ms (int):
        field (str | Unset): Default (applied by the server): "spread_key".
    """

    keys: KeyRef | list[bool | float | str]
    window_ms: int
    field: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        keys: dict[str, Any] | list[bool | float | str]
        if isinstance(self.keys, list):
            keys = []
            for keys_type_0_item_data in self.keys:
                keys_type_0_item: bool | float | str
                keys_type_0_item = keys_type_0_item_data
                keys.append(keys_type_0_item)

        else:
            keys = self.keys.to_dict()

        window_ms = self.window_ms

        field = self.field

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "keys": keys,
                "window_ms": window_ms,
            }
        )
        if field is not UNSET:
            field_dict["field"] = field

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_keys(data: object) -> KeyRef | list[bool | float | str]:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                keys_type_0 = []
                _keys_type_0 = data
                for keys_type_0_item_data in _keys_type_0:

                    def _parse_keys_type_0_item(data: object) -> bool | float | str:
                        return cast(bool | float | str, data)

                    keys_type_0_item = _parse_keys_type_0_item(keys_type_0_item_data)

                    keys_type_0.append(keys_type_0_item)

                return keys_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            keys_type_1 = KeyRef.from_dict(data)

            return keys_type_1

        keys = _parse_keys(d.pop("keys"))

        window_ms = d.pop("window_ms")

        field = d.pop("field", UNSET)

        spread_control_input = cls(
            keys=keys,
            window_ms=window_ms,
            field=field,
        )

        return spread_control_input
