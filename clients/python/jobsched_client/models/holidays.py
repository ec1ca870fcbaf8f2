from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Holidays")


@_attrs_define
class Holidays:
    """
    Attributes:
        country (str):
        subdivision (None | str):
    """

    country: str
    subdivision: None | str

    def to_dict(self) -> dict[str, Any]:
        country = self.country

        subdivision: None | str
        subdivision = self.subdivision

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "country": country,
                "subdivision": subdivision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        country = d.pop("country")

        def _parse_subdivision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subdivision = _parse_subdivision(d.pop("subdivision"))

        holidays = cls(
            country=country,
            subdivision=subdivision,
        )

        return holidays
