from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="DebounceControlInput")


@_attrs_define
class DebounceControlInput:
    """Triggers of one key within ``delay_ms`` collapse into one run.

    Attributes:
        delay_ms (int):
        key (KeyRef | str): literal text, or {"$ref": "payload.<path>"} resolved per run
        max_delay_ms (int | None | Unset):
    """

    delay_ms: int
    key: KeyRef | str
    max_delay_ms: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        delay_ms = self.delay_ms

        key: dict[str, Any] | str
        if isinstance(self.key, KeyRef):
            key = self.key.to_dict()
        else:
            key = self.key

        max_delay_ms: int | None | Unset
        if isinstance(self.max_delay_ms, Unset):
            max_delay_ms = UNSET
        else:
            max_delay_ms = self.max_delay_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "delay_ms": delay_ms,
                "key": key,
            }
        )
        if max_delay_ms is not UNSET:
            field_dict["max_delay_ms"] = max_delay_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        d = dict(src_dict)
        delay_ms = d.pop("delay_ms")

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

        def _parse_max_delay_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_delay_ms = _parse_max_delay_ms(d.pop("max_delay_ms", UNSET))

        debounce_control_input = cls(
            delay_ms=delay_ms,
            key=key,
            max_delay_ms=max_delay_ms,
        )

        return debounce_control_input
