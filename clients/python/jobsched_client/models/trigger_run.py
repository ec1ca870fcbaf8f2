from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trigger_run_payload import TriggerRunPayload


T = TypeVar("T", bound="TriggerRun")


@_attrs_define
class TriggerRun:
    """One run's overrides; a payload is checked against the job's handler too.
    ``run_at`` or ``delay_ms`` (not both) schedules the run for later: it is listed
    QUEUED with its ``scheduled_for`` ahead, and cancellable until it starts.

    Attributes:
        delay_ms (int | Unset): run this long from now
        payload (TriggerRunPayload | Unset): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired
            surrogates, NaN or Infinity
        priority (int | Unset): higher runs first
        run_at (str | Unset): run at this time: at most 366 days from now. An ISO 8601 time, with a UTC offset or
            without one (then UTC), e.g. 2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
    """

    delay_ms: int | Unset = UNSET
    payload: TriggerRunPayload | Unset = UNSET
    priority: int | Unset = UNSET
    run_at: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        delay_ms = self.delay_ms

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        priority = self.priority

        run_at = self.run_at

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if delay_ms is not UNSET:
            field_dict["delay_ms"] = delay_ms
        if payload is not UNSET:
            field_dict["payload"] = payload
        if priority is not UNSET:
            field_dict["priority"] = priority
        if run_at is not UNSET:
            field_dict["run_at"] = run_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trigger_run_payload import TriggerRunPayload  # noqa: PLC0415

        d = dict(src_dict)
        delay_ms = d.pop("delay_ms", UNSET)

        _payload = d.pop("payload", UNSET)
        payload: TriggerRunPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = TriggerRunPayload.from_dict(_payload)

        priority = d.pop("priority", UNSET)

        run_at = d.pop("run_at", UNSET)

        trigger_run = cls(
            delay_ms=delay_ms,
            payload=payload,
            priority=priority,
            run_at=run_at,
        )

        return trigger_run
