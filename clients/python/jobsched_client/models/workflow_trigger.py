from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.workflow_trigger_input import WorkflowTriggerInput


T = TypeVar("T", bound="WorkflowTrigger")


@_attrs_define
class WorkflowTrigger:
    """A run of the workflow: now, at ``run_at``, or ``delay_ms`` from now (not both);
    ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``.

    Attributes:
        delay_ms (int | Unset): run this long from now
        input_ (WorkflowTriggerInput | Unset): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired
            surrogates, NaN or Infinity
        run_at (str | Unset): run at this time: at most 366 days from now. An ISO 8601 time, with a UTC offset or
            without one (then UTC), e.g. 2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
    """

    delay_ms: int | Unset = UNSET
    input_: WorkflowTriggerInput | Unset = UNSET
    run_at: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        delay_ms = self.delay_ms

        input_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.input_, Unset):
            input_ = self.input_.to_dict()

        run_at = self.run_at

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if delay_ms is not UNSET:
            field_dict["delay_ms"] = delay_ms
        if input_ is not UNSET:
            field_dict["input"] = input_
        if run_at is not UNSET:
            field_dict["run_at"] = run_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_trigger_input import WorkflowTriggerInput  # noqa: PLC0415

        d = dict(src_dict)
        delay_ms = d.pop("delay_ms", UNSET)

        _input_ = d.pop("input", UNSET)
        input_: WorkflowTriggerInput | Unset
        if isinstance(_input_, Unset):
            input_ = UNSET
        else:
            input_ = WorkflowTriggerInput.from_dict(_input_)

        run_at = d.pop("run_at", UNSET)

        workflow_trigger = cls(
            delay_ms=delay_ms,
            input_=input_,
            run_at=run_at,
        )

        return workflow_trigger
