from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.singleton_mode import SingletonMode

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="SingletonControl")


@_attrs_define
class SingletonControl:
    """One queued or running run per key: a new one is skipped, replaces the queued one,
    or cancels the running one.

    Attributes:
        key (KeyRef | str): literal text, or {"$ref": "payload.<path>"} resolved per run
        mode (SingletonMode):
    """

    key: KeyRef | str
    mode: SingletonMode

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        key: dict[str, Any] | str
        if isinstance(self.key, KeyRef):
            key = self.key.to_dict()
        else:
            key = self.key

        mode = self.mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "mode": mode,
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

        mode = SingletonMode(d.pop("mode"))

        singleton_control = cls(
            key=key,
            mode=mode,
        )

        return singleton_control
