from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.alert_kind import AlertKind

T = TypeVar("T", bound="Alert")


@_attrs_define
class Alert:
    """
    Attributes:
        at (datetime.datetime):
        detail (str):
        kind (AlertKind):
    """

    at: datetime.datetime
    detail: str
    kind: AlertKind

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        detail = self.detail

        kind = self.kind.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "detail": detail,
                "kind": kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        detail = d.pop("detail")

        kind = AlertKind(d.pop("kind"))

        alert = cls(
            at=at,
            detail=detail,
            kind=kind,
        )

        return alert
