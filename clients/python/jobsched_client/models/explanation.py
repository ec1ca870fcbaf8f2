from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.explanation_outcome import ExplanationOutcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="Explanation")


@_attrs_define
class Explanation:
    """
    Attributes:
        at (datetime.datetime):
        outcome (ExplanationOutcome):
        reason (None | str):
        deferred_to (datetime.datetime | Unset):
        execution_id (UUID | Unset):
    """

    at: datetime.datetime
    outcome: ExplanationOutcome
    reason: None | str
    deferred_to: datetime.datetime | Unset = UNSET
    execution_id: UUID | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        outcome = self.outcome.value

        reason: None | str
        reason = self.reason

        deferred_to: str | Unset = UNSET
        if not isinstance(self.deferred_to, Unset):
            deferred_to = self.deferred_to.isoformat()

        execution_id: str | Unset = UNSET
        if not isinstance(self.execution_id, Unset):
            execution_id = str(self.execution_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "outcome": outcome,
                "reason": reason,
            }
        )
        if deferred_to is not UNSET:
            field_dict["deferred_to"] = deferred_to
        if execution_id is not UNSET:
            field_dict["execution_id"] = execution_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        outcome = ExplanationOutcome(d.pop("outcome"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        _deferred_to = d.pop("deferred_to", UNSET)
        deferred_to: datetime.datetime | Unset
        if isinstance(_deferred_to, Unset):
            deferred_to = UNSET
        else:
            deferred_to = datetime.datetime.fromisoformat(_deferred_to)

        _execution_id = d.pop("execution_id", UNSET)
        execution_id: UUID | Unset
        if isinstance(_execution_id, Unset):
            execution_id = UNSET
        else:
            execution_id = UUID(_execution_id)

        explanation = cls(
            at=at,
            outcome=outcome,
            reason=reason,
            deferred_to=deferred_to,
            execution_id=execution_id,
        )

        return explanation
