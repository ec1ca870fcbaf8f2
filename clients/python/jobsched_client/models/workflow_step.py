from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.step_when import StepWhen

if TYPE_CHECKING:
    from ..models.concurrency_control import ConcurrencyControl
    from ..models.rate_control import RateControl
    from ..models.workflow_step_for_each_type_0 import WorkflowStepForEachType0
    from ..models.workflow_step_payload import WorkflowStepPayload


T = TypeVar("T", bound="WorkflowStep")


@_attrs_define
class WorkflowStep:
    """
    Attributes:
        after (list[str]):
        concurrency (ConcurrencyControl | None):
        for_each (None | WorkflowStepForEachType0):
        handler (str):
        id (str):
        max_concurrency (int | None):
        max_retries (int):
        payload (WorkflowStepPayload): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired surrogates,
            NaN or Infinity
        pool (None | str):
        priority (int): higher runs first
        rate (None | RateControl):
        retry_backoff_max_ms (int):
        retry_backoff_ms (int):
        timeout_ms (int):
        when (StepWhen):
    """

    after: list[str]
    concurrency: ConcurrencyControl | None
    for_each: None | WorkflowStepForEachType0
    handler: str
    id: str
    max_concurrency: int | None
    max_retries: int
    payload: WorkflowStepPayload
    pool: None | str
    priority: int
    rate: None | RateControl
    retry_backoff_max_ms: int
    retry_backoff_ms: int
    timeout_ms: int
    when: StepWhen

    def to_dict(self) -> dict[str, Any]:
        from ..models.concurrency_control import ConcurrencyControl  # noqa: PLC0415
        from ..models.rate_control import RateControl  # noqa: PLC0415
        from ..models.workflow_step_for_each_type_0 import WorkflowStepForEachType0  # noqa: PLC0415

        after = self.after

        concurrency: dict[str, Any] | None
        if isinstance(self.concurrency, ConcurrencyControl):
            concurrency = self.concurrency.to_dict()
        else:
            concurrency = self.concurrency

        for_each: dict[str, Any] | None
        if isinstance(self.for_each, WorkflowStepForEachType0):
            for_each = self.for_each.to_dict()
        else:
            for_each = self.for_each

        handler = self.handler

        id = self.id

        max_concurrency: int | None
        max_concurrency = self.max_concurrency

        max_retries = self.max_retries

        payload = self.payload.to_dict()

        pool: None | str
        pool = self.pool

        priority = self.priority

        rate: dict[str, Any] | None
        if isinstance(self.rate, RateControl):
            rate = self.rate.to_dict()
        else:
            rate = self.rate

        retry_backoff_max_ms = self.retry_backoff_max_ms

        retry_backoff_ms = self.retry_backoff_ms

        timeout_ms = self.timeout_ms

        when = self.when.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "after": after,
                "concurrency": concurrency,
                "for_each": for_each,
                "handler": handler,
                "id": id,
                "max_concurrency": max_concurrency,
                "max_retries": max_retries,
                "payload": payload,
                "pool": pool,
                "priority": priority,
                "rate": rate,
                "retry_backoff_max_ms": retry_backoff_max_ms,
                "retry_backoff_ms": retry_backoff_ms,
                "timeout_ms": timeout_ms,
                "when": when,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.concurrency_control import ConcurrencyControl  # noqa: PLC0415
        from ..models.rate_control import RateControl  # noqa: PLC0415
        from ..models.workflow_step_for_each_type_0 import WorkflowStepForEachType0  # noqa: PLC0415
        from ..models.workflow_step_payload import WorkflowStepPayload  # noqa: PLC0415

        d = dict(src_dict)
        after = cast(list[str], d.pop("after"))

        def _parse_concurrency(data: object) -> ConcurrencyControl | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                concurrency_type_0 = ConcurrencyControl.from_dict(data)

                return concurrency_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConcurrencyControl | None, data)

        concurrency = _parse_concurrency(d.pop("concurrency"))

        def _parse_for_each(data: object) -> None | WorkflowStepForEachType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                for_each_type_0 = WorkflowStepForEachType0.from_dict(data)

                return for_each_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WorkflowStepForEachType0, data)

        for_each = _parse_for_each(d.pop("for_each"))

        handler = d.pop("handler")

        id = d.pop("id")

        def _parse_max_concurrency(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_concurrency = _parse_max_concurrency(d.pop("max_concurrency"))

        max_retries = d.pop("max_retries")

        payload = WorkflowStepPayload.from_dict(d.pop("payload"))

        def _parse_pool(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        pool = _parse_pool(d.pop("pool"))

        priority = d.pop("priority")

        def _parse_rate(data: object) -> None | RateControl:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rate_type_0 = RateControl.from_dict(data)

                return rate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RateControl, data)

        rate = _parse_rate(d.pop("rate"))

        retry_backoff_max_ms = d.pop("retry_backoff_max_ms")

        retry_backoff_ms = d.pop("retry_backoff_ms")

        timeout_ms = d.pop("timeout_ms")

        when = StepWhen(d.pop("when"))

        workflow_step = cls(
            after=after,
            concurrency=concurrency,
            for_each=for_each,
            handler=handler,
            id=id,
            max_concurrency=max_concurrency,
            max_retries=max_retries,
            payload=payload,
            pool=pool,
            priority=priority,
            rate=rate,
            retry_backoff_max_ms=retry_backoff_max_ms,
            retry_backoff_ms=retry_backoff_ms,
            timeout_ms=timeout_ms,
            when=when,
        )

        return workflow_step
