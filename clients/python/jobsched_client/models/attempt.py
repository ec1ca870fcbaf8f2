from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.attempt_outcome import AttemptOutcome

T = TypeVar("T", bound="Attempt")


@_attrs_define
class Attempt:
    """
    Attributes:
        error (None | str):
        finished_at (datetime.datetime | None):
        number (int):
        outcome (AttemptOutcome | None):
        started_at (datetime.datetime | None):
        worker_id (None | str):
    """

    error: None | str
    finished_at: datetime.datetime | None
    number: int
    outcome: AttemptOutcome | None
    started_at: datetime.datetime | None
    worker_id: None | str

    def to_dict(self) -> dict[str, Any]:
        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        number = self.number

        outcome: None | str
        if isinstance(self.outcome, AttemptOutcome):
            outcome = self.outcome.value
        else:
            outcome = self.outcome

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        worker_id: None | str
        worker_id = self.worker_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "error": error,
                "finished_at": finished_at,
                "number": number,
                "outcome": outcome,
                "started_at": started_at,
                "worker_id": worker_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        number = d.pop("number")

        def _parse_outcome(data: object) -> AttemptOutcome | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                outcome_type_0 = AttemptOutcome(data)

                return outcome_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttemptOutcome | None, data)

        outcome = _parse_outcome(d.pop("outcome"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_worker_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker_id = _parse_worker_id(d.pop("worker_id"))

        attempt = cls(
            error=error,
            finished_at=finished_at,
            number=number,
            outcome=outcome,
            started_at=started_at,
            worker_id=worker_id,
        )

        return attempt
