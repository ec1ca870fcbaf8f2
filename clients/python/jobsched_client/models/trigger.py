from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trigger_payload import TriggerPayload
    from ..models.trigger_run import TriggerRun


T = TypeVar("T", bound="Trigger")


@_attrs_define
class Trigger:
    """``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not both).

    Attributes:
        delay_ms (int | Unset): run this long from now
        payload (TriggerPayload | Unset): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired surrogates,
            NaN or Infinity
        priority (int | Unset): higher runs first
        run_at (str | Unset): run at this time: at most 366 days from now. An ISO 8601 time, with a UTC offset or
            without one (then UTC), e.g. 2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        runs (list[TriggerRun] | Unset):
    """

    delay_ms: int | Unset = UNSET
    payload: TriggerPayload | Unset = UNSET
    priority: int | Unset = UNSET
    run_at: str | Unset = UNSET
    runs: list[TriggerRun] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        delay_ms = self.delay_ms

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        priority = self.priority

        run_at = self.run_at

        runs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.runs, Unset):
            runs = []
            for runs_item_data in self.runs:
                runs_item = runs_item_data.to_dict()
                runs.append(runs_item)

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
        if runs is not UNSET:
            field_dict["runs"] = runs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trigger_payload import TriggerPayload  # noqa: PLC0415
        from ..models.trigger_run import TriggerRun  # noqa: PLC0415

        d = dict(src_dict)
        delay_ms = d.pop("delay_ms", UNSET)

        _payload = d.pop("payload", UNSET)
        payload: TriggerPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = TriggerPayload.from_dict(_payload)

        priority = d.pop("priority", UNSET)

        run_at = d.pop("run_at", UNSET)

        _runs = d.pop("runs", UNSET)
        runs: list[TriggerRun] | Unset = UNSET
        if _runs is not UNSET:
            runs = []
            for runs_item_data in _runs:
                runs_item = TriggerRun.from_dict(runs_item_data)

                runs.append(runs_item)

        trigger = cls(
            delay_ms=delay_ms,
            payload=payload,
            priority=priority,
            run_at=run_at,
            runs=runs,
        )

        return trigger
