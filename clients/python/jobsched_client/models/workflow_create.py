from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.catch_up import CatchUp
from ..models.dst_gap import DstGap
from ..models.dst_overlap import DstOverlap
from ..models.overlap_policy import OverlapPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.workflow_step_input import WorkflowStepInput


T = TypeVar("T", bound="WorkflowCreate")


@_attrs_define
class WorkflowCreate:
    """
    Attributes:
        name (str):
        steps (list[WorkflowStepInput]):
        catch_up (CatchUp | Unset):
        catch_up_max (int | Unset): Default (applied by the server): 10.
        catch_up_window_s (int | Unset): Default (applied by the server): 3600.
        description (None | str | Unset): Default (applied by the server): "".
        dst_gap (DstGap | Unset):
        dst_overlap (DstOverlap | Unset):
        max_duration_ms (int | None | Unset):
        max_start_delay_ms (int | None | Unset):
        overlap_policy (OverlapPolicy | Unset):
        schedule (None | str | Unset):
        start_jitter_ms (int | Unset): a scheduled run starts at a random point up to this long after its time. Default
            (applied by the server): 0.
        timezone (str | Unset): IANA zone. Default (applied by the server): "UTC".
    """

    name: str
    steps: list[WorkflowStepInput]
    catch_up: CatchUp | Unset = UNSET
    catch_up_max: int | Unset = UNSET
    catch_up_window_s: int | Unset = UNSET
    description: None | str | Unset = UNSET
    dst_gap: DstGap | Unset = UNSET
    dst_overlap: DstOverlap | Unset = UNSET
    max_duration_ms: int | None | Unset = UNSET
    max_start_delay_ms: int | None | Unset = UNSET
    overlap_policy: OverlapPolicy | Unset = UNSET
    schedule: None | str | Unset = UNSET
    start_jitter_ms: int | Unset = UNSET
    timezone: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        catch_up: str | Unset = UNSET
        if not isinstance(self.catch_up, Unset):
            catch_up = self.catch_up.value

        catch_up_max = self.catch_up_max

        catch_up_window_s = self.catch_up_window_s

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        dst_gap: str | Unset = UNSET
        if not isinstance(self.dst_gap, Unset):
            dst_gap = self.dst_gap.value

        dst_overlap: str | Unset = UNSET
        if not isinstance(self.dst_overlap, Unset):
            dst_overlap = self.dst_overlap.value

        max_duration_ms: int | None | Unset
        if isinstance(self.max_duration_ms, Unset):
            max_duration_ms = UNSET
        else:
            max_duration_ms = self.max_duration_ms

        max_start_delay_ms: int | None | Unset
        if isinstance(self.max_start_delay_ms, Unset):
            max_start_delay_ms = UNSET
        else:
            max_start_delay_ms = self.max_start_delay_ms

        overlap_policy: str | Unset = UNSET
        if not isinstance(self.overlap_policy, Unset):
            overlap_policy = self.overlap_policy.value

        schedule: None | str | Unset
        if isinstance(self.schedule, Unset):
            schedule = UNSET
        else:
            schedule = self.schedule

        start_jitter_ms = self.start_jitter_ms

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "steps": steps,
            }
        )
        if catch_up is not UNSET:
            field_dict["catch_up"] = catch_up
        if catch_up_max is not UNSET:
            field_dict["catch_up_max"] = catch_up_max
        if catch_up_window_s is not UNSET:
            field_dict["catch_up_window_s"] = catch_up_window_s
        if description is not UNSET:
            field_dict["description"] = description
        if dst_gap is not UNSET:
            field_dict["dst_gap"] = dst_gap
        if dst_overlap is not UNSET:
            field_dict["dst_overlap"] = dst_overlap
        if max_duration_ms is not UNSET:
            field_dict["max_duration_ms"] = max_duration_ms
        if max_start_delay_ms is not UNSET:
            field_dict["max_start_delay_ms"] = max_start_delay_ms
        if overlap_policy is not UNSET:
            field_dict["overlap_policy"] = overlap_policy
        if schedule is not UNSET:
            field_dict["schedule"] = schedule
        if start_jitter_ms is not UNSET:
            field_dict["start_jitter_ms"] = start_jitter_ms
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_step_input import WorkflowStepInput  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = WorkflowStepInput.from_dict(steps_item_data)

            steps.append(steps_item)

        _catch_up = d.pop("catch_up", UNSET)
        catch_up: CatchUp | Unset
        if isinstance(_catch_up, Unset):
            catch_up = UNSET
        else:
            catch_up = CatchUp(_catch_up)

        catch_up_max = d.pop("catch_up_max", UNSET)

        catch_up_window_s = d.pop("catch_up_window_s", UNSET)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _dst_gap = d.pop("dst_gap", UNSET)
        dst_gap: DstGap | Unset
        if isinstance(_dst_gap, Unset):
            dst_gap = UNSET
        else:
            dst_gap = DstGap(_dst_gap)

        _dst_overlap = d.pop("dst_overlap", UNSET)
        dst_overlap: DstOverlap | Unset
        if isinstance(_dst_overlap, Unset):
            dst_overlap = UNSET
        else:
            dst_overlap = DstOverlap(_dst_overlap)

        def _parse_max_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_duration_ms = _parse_max_duration_ms(d.pop("max_duration_ms", UNSET))

        def _parse_max_start_delay_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_start_delay_ms = _parse_max_start_delay_ms(d.pop("max_start_delay_ms", UNSET))

        _overlap_policy = d.pop("overlap_policy", UNSET)
        overlap_policy: OverlapPolicy | Unset
        if isinstance(_overlap_policy, Unset):
            overlap_policy = UNSET
        else:
            overlap_policy = OverlapPolicy(_overlap_policy)

        def _parse_schedule(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        schedule = _parse_schedule(d.pop("schedule", UNSET))

        start_jitter_ms = d.pop("start_jitter_ms", UNSET)

        timezone = d.pop("timezone", UNSET)

        workflow_create = cls(
            name=name,
            steps=steps,
            catch_up=catch_up,
            catch_up_max=catch_up_max,
            catch_up_window_s=catch_up_window_s,
            description=description,
            dst_gap=dst_gap,
            dst_overlap=dst_overlap,
            max_duration_ms=max_duration_ms,
            max_start_delay_ms=max_start_delay_ms,
            overlap_policy=overlap_policy,
            schedule=schedule,
            start_jitter_ms=start_jitter_ms,
            timezone=timezone,
        )

        return workflow_create
