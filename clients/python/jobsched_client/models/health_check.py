from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.health_status import HealthStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="HealthCheck")


@_attrs_define
class HealthCheck:
    """
    Attributes:
        latency_ms (float):
        status (HealthStatus):
        error (str | Unset): the error's type
    """

    latency_ms: float
    status: HealthStatus
    error: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        latency_ms = self.latency_ms

        status = self.status.value

        error = self.error

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "latency_ms": latency_ms,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        latency_ms = d.pop("latency_ms")

        status = HealthStatus(d.pop("status"))

        error = d.pop("error", UNSET)

        health_check = cls(
            latency_ms=latency_ms,
            status=status,
            error=error,
        )

        return health_check
