from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.rate_mode import RateMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="RateControlInput")


@_attrs_define
class RateControlInput:
    """At most ``limit`` starts of one key per ``period_ms``.

    Attributes:
        key (KeyRef | str): literal text, or {"$ref": "payload.<path>"} resolved per run
        limit (int):
        period_ms (int):
        mode (RateMode | Unset):
    """

    key: KeyRef | str
    limit: int
    period_ms: int
    mode: RateMode | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        key: dict[str, Any] | str
        if isinstance(self.key, KeyRef):
            key = self.key.to_dict()
        else:
            key = self.key

        limit = self.limit

        period_ms = self.period_ms

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "limit": limit,
                "period_ms": period_ms,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode

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

        period_ms = d.pop("period_ms")

        _mode = d.pop("mode", UNSET)
        mode: RateMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = RateMode(_mode)

        rate_control_input = cls(
            key=key,
            limit=limit,
            period_ms=period_ms,
            mode=mode,
        )

        return rate_control_input
