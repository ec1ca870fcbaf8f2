from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.rate_mode import RateMode

if TYPE_CHECKING:
    from ..models.key_ref import KeyRef


T = TypeVar("T", bound="RateControl")


@_attrs_define
class RateControl:
    """At most ``limit`` starts of one key per ``period_ms``.

    Attributes:
        key (KeyRef | str): literal text, or {"$ref": "payload.<path>"} resolved per run
        limit (int):
        mode (RateMode):
        period_ms (int):
    """

    key: KeyRef | str
    limit: int
    mode: RateMode
    period_ms: int

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_ref import KeyRef  # noqa: PLC0415

        key: dict[str, Any] | str
        if isinstance(self.key, KeyRef):
            key = self.key.to_dict()
        else:
            key = self.key

        limit = self.limit

        mode = self.mode.value

        period_ms = self.period_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "limit": limit,
                "mode": mode,
                "period_ms": period_ms,
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

        mode = RateMode(d.pop("mode"))

        period_ms = d.pop("period_ms")

        rate_control = cls(
            key=key,
            limit=limit,
            mode=mode,
            period_ms=period_ms,
        )

        return rate_control
