from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="KeyRef")


@_attrs_define
class KeyRef:
    """A key read from each run's payload.

    Attributes:
        ref (str): payload.<path>: the run's payload field (dotted path) giving its key
    """

    ref: str

    def to_dict(self) -> dict[str, Any]:
        ref = self.ref

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "$ref": ref,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ref = d.pop("$ref")

        key_ref = cls(
            ref=ref,
        )

        return key_ref
