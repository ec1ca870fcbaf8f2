from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.step_when import StepWhen
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.concurrency_control_input import ConcurrencyControlInput
    from ..models.rate_control_input import RateControlInput
    from ..models.workflow_step_input_for_each_type_0 import WorkflowStepInputForEachType0
    from ..models.workflow_step_input_payload import WorkflowStepInputPayload


T = TypeVar("T", bound="WorkflowStepInput")


@_attrs_define
class WorkflowStepInput:
    """
    Attributes:
        handler (str):
        id (str):
        after (list[str] | Unset): Default (applied by the server): [].
        concurrency (ConcurrencyControlInput | None | Unset):
        for_each (None | Unset | WorkflowStepInputForEachType0):
        max_concurrency (int | None | Unset):
        max_retries (int | Unset): Default (applied by the server): 3.
        payload (WorkflowStepInputPayload | Unset): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired
            surrogates, NaN or Infinity. Default (applied by the server): {}.
        pool (None | str | Unset):
        priority (int | Unset): higher runs first. Default (applied by the server): 50.
        rate (None | RateControlInput | Unset):
        retry_backoff_max_ms (int | Unset): Default (applied by the server): 60000.
        retry_backoff_ms (int | Unset): Default (applied by the server): 1000.
        timeout_ms (int | Unset): Default (applied by the server): 60000.
        when (StepWhen | Unset):
    """

    handler: str
    id: str
    after: list[str] | Unset = UNSET
    concurrency: ConcurrencyControlInput | None | Unset = UNSET
    for_each: None | Unset | WorkflowStepInputForEachType0 = UNSET
    max_concurrency: int | None | Unset = UNSET
    max_retries: int | Unset = UNSET
    payload: WorkflowStepInputPayload | Unset = UNSET
    pool: None | str | Unset = UNSET
    priority: int | Unset = UNSET
    rate: None | RateControlInput | Unset = UNSET
    retry_backoff_max_ms: int | Unset = UNSET
    retry_backoff_ms: int | Unset = UNSET
    timeout_ms: int | Unset = UNSET
    when: StepWhen | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.concurrency_control_input import ConcurrencyControlInput  # noqa: PLC0415
        from ..models.rate_control_input import RateControlInput  # noqa: PLC0415
        from ..models.workflow_step_input_for_each_type_0 import WorkflowStepInputForEachType0  # noqa: PLC0415

        handler = self.handler

        id = self.id

        after: list[str] | Unset = UNSET
        if not isinstance(self.after, Unset):
            after = self.after

        concurrency: dict[str, Any] | None | Unset
        if isinstance(self.concurrency, Unset):
            concurrency = UNSET
        elif isinstance(self.concurrency, ConcurrencyControlInput):
            concurrency = self.concurrency.to_dict()
        else:
            concurrency = self.concurrency

        for_each: dict[str, Any] | None | Unset
        if isinstance(self.for_each, Unset):
            for_each = UNSET
        elif isinstance(self.for_each, WorkflowStepInputForEachType0):
            for_each = self.for_each.to_dict()
        else:
            for_each = self.for_each

        max_concurrency: int | None | Unset
        if isinstance(self.max_concurrency, Unset):
            max_concurrency = UNSET
        else:
            max_concurrency = self.max_concurrency

        max_retries = self.max_retries

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        pool: None | str | Unset
        if isinstance(self.pool, Unset):
            pool = UNSET
        else:
            pool = self.pool

        priority = self.priority

        rate: dict[str, Any] | None | Unset
        if isinstance(self.rate, Unset):
            rate = UNSET
        elif isinstance(self.rate, RateControlInput):
            rate = self.rate.to_dict()
        else:
            rate = self.rate

        retry_backoff_max_ms = self.retry_backoff_max_ms

        retry_backoff_ms = self.retry_backoff_ms

        timeout_ms = self.timeout_ms

        when: str | Unset = UNSET
        if not isinstance(self.when, Unset):
            when = self.when.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "handler": handler,
                "id": id,
            }
        )
        if after is not UNSET:
            field_dict["after"] = after
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if for_each is not UNSET:
            field_dict["for_each"] = for_each
        if max_concurrency is not UNSET:
            field_dict["max_concurrency"] = max_concurrency
        if max_retries is not UNSET:
            field_dict["max_retries"] = max_retries
        if payload is not UNSET:
            field_dict["payload"] = payload
        if pool is not UNSET:
            field_dict["pool"] = pool
        if priority is not UNSET:
            field_dict["priority"] = priority
        if rate is not UNSET:
            field_dict["rate"] = rate
        if retry_backoff_max_ms is not UNSET:
            field_dict["retry_backoff_max_ms"] = retry_backoff_max_ms
        if retry_backoff_ms is not UNSET:
            field_dict["retry_backoff_ms"] = retry_backoff_ms
        if timeout_ms is not UNSET:
            field_dict["timeout_ms"] = timeout_ms
        if when is not UNSET:
            field_dict["when"] = when

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.concurrency_control_input import ConcurrencyControlInput  # noqa: PLC0415
        from ..models.rate_control_input import RateControlInput  # noqa: PLC0415
        from ..models.workflow_step_input_for_each_type_0 import WorkflowStepInputForEachType0  # noqa: PLC0415
        from ..models.workflow_step_input_payload import WorkflowStepInputPayload  # noqa: PLC0415

        d = dict(src_dict)
        handler = d.pop("handler")

        id = d.pop("id")

        after = cast(list[str], d.pop("after", UNSET))

        def _parse_concurrency(data: object) -> ConcurrencyControlInput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                concurrency_type_0 = ConcurrencyControlInput.from_dict(data)

                return concurrency_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConcurrencyControlInput | None | Unset, data)

        concurrency = _parse_concurrency(d.pop("concurrency", UNSET))

        def _parse_for_each(data: object) -> None | Unset | WorkflowStepInputForEachType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                for_each_type_0 = WorkflowStepInputForEachType0.from_dict(data)

                return for_each_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WorkflowStepInputForEachType0, data)

        for_each = _parse_for_each(d.pop("for_each", UNSET))

        def _parse_max_concurrency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_concurrency = _parse_max_concurrency(d.pop("max_concurrency", UNSET))

        max_retries = d.pop("max_retries", UNSET)

        _payload = d.pop("payload", UNSET)
        payload: WorkflowStepInputPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = WorkflowStepInputPayload.from_dict(_payload)

        def _parse_pool(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pool = _parse_pool(d.pop("pool", UNSET))

        priority = d.pop("priority", UNSET)

        def _parse_rate(data: object) -> None | RateControlInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rate_type_0 = RateControlInput.from_dict(data)

                return rate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RateControlInput | Unset, data)

        rate = _parse_rate(d.pop("rate", UNSET))

        retry_backoff_max_ms = d.pop("retry_backoff_max_ms", UNSET)

        retry_backoff_ms = d.pop("retry_backoff_ms", UNSET)

        timeout_ms = d.pop("timeout_ms", UNSET)

        _when = d.pop("when", UNSET)
        when: StepWhen | Unset
        if isinstance(_when, Unset):
            when = UNSET
        else:
            when = StepWhen(_when)

        workflow_step_input = cls(
            handler=handler,
            id=id,
            after=after,
            concurrency=concurrency,
            for_each=for_each,
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

        return workflow_step_input
