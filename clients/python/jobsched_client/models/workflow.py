from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.schedule_status import ScheduleStatus

if TYPE_CHECKING:
    from ..models.workflow_step import WorkflowStep


T = TypeVar("T", bound="Workflow")


@_attrs_define
class Workflow:
    """
    Attributes:
        catch_up (str):
        catch_up_max (int):
        catch_up_window_s (int):
        created_at (datetime.datetime):
        description (str):
        dst_gap (str):
        dst_overlap (str):
        id (UUID):
        max_duration_ms (int | None):
        max_start_delay_ms (int | None):
        name (str):
        next_run_time (datetime.datetime | None):
        overlap_policy (str):
        schedule (None | str):
        start_jitter_ms (int):
        status (ScheduleStatus):
        steps (list[WorkflowStep]):
        timezone (str):
        updated_at (datetime.datetime):
        version (int): raised by every edit; a run keeps its own
    """

    catch_up: str
    catch_up_max: int
    catch_up_window_s: int
    created_at: datetime.datetime
    description: str
    dst_gap: str
    dst_overlap: str
    id: UUID
    max_duration_ms: int | None
    max_start_delay_ms: int | None
    name: str
    next_run_time: datetime.datetime | None
    overlap_policy: str
    schedule: None | str
    start_jitter_ms: int
    status: ScheduleStatus
    steps: list[WorkflowStep]
    timezone: str
    updated_at: datetime.datetime
    version: int

    def to_dict(self) -> dict[str, Any]:
        catch_up = self.catch_up

        catch_up_max = self.catch_up_max

        catch_up_window_s = self.catch_up_window_s

        created_at = self.created_at.isoformat()

        description = self.description

        dst_gap = self.dst_gap

        dst_overlap = self.dst_overlap

        id = str(self.id)

        max_duration_ms: int | None
        max_duration_ms = self.max_duration_ms

        max_start_delay_ms: int | None
        max_start_delay_ms = self.max_start_delay_ms

        name = self.name

        next_run_time: None | str
        if isinstance(self.next_run_time, datetime.datetime):
            next_run_time = self.next_run_time.isoformat()
        else:
            next_run_time = self.next_run_time

        overlap_policy = self.overlap_policy

        schedule: None | str
        schedule = self.schedule

        start_jitter_ms = self.start_jitter_ms

        status = self.status.value

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        timezone = self.timezone

        updated_at = self.updated_at.isoformat()

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "catch_up": catch_up,
                "catch_up_max": catch_up_max,
                "catch_up_window_s": catch_up_window_s,
                "created_at": created_at,
                "description": description,
                "dst_gap": dst_gap,
                "dst_overlap": dst_overlap,
                "id": id,
                "max_duration_ms": max_duration_ms,
                "max_start_delay_ms": max_start_delay_ms,
                "name": name,
                "next_run_time": next_run_time,
                "overlap_policy": overlap_policy,
                "schedule": schedule,
                "start_jitter_ms": start_jitter_ms,
                "status": status,
                "steps": steps,
                "timezone": timezone,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_step import WorkflowStep  # noqa: PLC0415

        d = dict(src_dict)
        catch_up = d.pop("catch_up")

        catch_up_max = d.pop("catch_up_max")

        catch_up_window_s = d.pop("catch_up_window_s")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        dst_gap = d.pop("dst_gap")

        dst_overlap = d.pop("dst_overlap")

        id = UUID(d.pop("id"))

        def _parse_max_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_duration_ms = _parse_max_duration_ms(d.pop("max_duration_ms"))

        def _parse_max_start_delay_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_start_delay_ms = _parse_max_start_delay_ms(d.pop("max_start_delay_ms"))

        name = d.pop("name")

        def _parse_next_run_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_run_time_type_0 = datetime.datetime.fromisoformat(data)

                return next_run_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_run_time = _parse_next_run_time(d.pop("next_run_time"))

        overlap_policy = d.pop("overlap_policy")

        def _parse_schedule(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule = _parse_schedule(d.pop("schedule"))

        start_jitter_ms = d.pop("start_jitter_ms")

        status = ScheduleStatus(d.pop("status"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = WorkflowStep.from_dict(steps_item_data)

            steps.append(steps_item)

        timezone = d.pop("timezone")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        workflow = cls(
            catch_up=catch_up,
            catch_up_max=catch_up_max,
            catch_up_window_s=catch_up_window_s,
            created_at=created_at,
            description=description,
            dst_gap=dst_gap,
            dst_overlap=dst_overlap,
            id=id,
            max_duration_ms=max_duration_ms,
            max_start_delay_ms=max_start_delay_ms,
            name=name,
            next_run_time=next_run_time,
            overlap_policy=overlap_policy,
            schedule=schedule,
            start_jitter_ms=start_jitter_ms,
            status=status,
            steps=steps,
            timezone=timezone,
            updated_at=updated_at,
            version=version,
        )

        return workflow
