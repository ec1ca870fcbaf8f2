from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.dst_gap import DstGap
from ..models.dst_overlap import DstOverlap
from ..models.non_business_day import NonBusinessDay
from ..models.outside_window import OutsideWindow
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_preview_blackouts_type_0_item import SchedulePreviewBlackoutsType0Item
    from ..models.schedule_preview_windows_type_0_item import SchedulePreviewWindowsType0Item


T = TypeVar("T", bound="SchedulePreview")


@_attrs_define
class SchedulePreview:
    """An unsaved schedule, previewed as a job would run it.

    Attributes:
        schedule (str): 5-field cron, or 6 with leading seconds; must fire at some time
        after (None | str | Unset): An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        blackouts (list[SchedulePreviewBlackoutsType0Item] | None | Unset):
        calendar (None | str | Unset):
        count (int | Unset): Default (applied by the server): 10.
        dst_gap (DstGap | Unset):
        dst_overlap (DstOverlap | Unset):
        non_business_day (NonBusinessDay | Unset):
        outside_window (OutsideWindow | Unset):
        timezone (str | Unset): IANA zone. Default (applied by the server): "UTC".
        windows (list[SchedulePreviewWindowsType0Item] | None | Unset):
    """

    schedule: str
    after: None | str | Unset = UNSET
    blackouts: list[SchedulePreviewBlackoutsType0Item] | None | Unset = UNSET
    calendar: None | str | Unset = UNSET
    count: int | Unset = UNSET
    dst_gap: DstGap | Unset = UNSET
    dst_overlap: DstOverlap | Unset = UNSET
    non_business_day: NonBusinessDay | Unset = UNSET
    outside_window: OutsideWindow | Unset = UNSET
    timezone: str | Unset = UNSET
    windows: list[SchedulePreviewWindowsType0Item] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        schedule = self.schedule

        after: None | str | Unset
        if isinstance(self.after, Unset):
            after = UNSET
        else:
            after = self.after

        blackouts: list[dict[str, Any]] | None | Unset
        if isinstance(self.blackouts, Unset):
            blackouts = UNSET
        elif isinstance(self.blackouts, list):
            blackouts = []
            for blackouts_type_0_item_data in self.blackouts:
                blackouts_type_0_item = blackouts_type_0_item_data.to_dict()
                blackouts.append(blackouts_type_0_item)

        else:
            blackouts = self.blackouts

        calendar: None | str | Unset
        if isinstance(self.calendar, Unset):
            calendar = UNSET
        else:
            calendar = self.calendar

        count = self.count

        dst_gap: str | Unset = UNSET
        if not isinstance(self.dst_gap, Unset):
            dst_gap = self.dst_gap.value

        dst_overlap: str | Unset = UNSET
        if not isinstance(self.dst_overlap, Unset):
            dst_overlap = self.dst_overlap.value

        non_business_day: str | Unset = UNSET
        if not isinstance(self.non_business_day, Unset):
            non_business_day = self.non_business_day.value

        outside_window: str | Unset = UNSET
        if not isinstance(self.outside_window, Unset):
            outside_window = self.outside_window.value

        timezone = self.timezone

        windows: list[dict[str, Any]] | None | Unset
        if isinstance(self.windows, Unset):
            windows = UNSET
        elif isinstance(self.windows, list):
            windows = []
            for windows_type_0_item_data in self.windows:
                windows_type_0_item = windows_type_0_item_data.to_dict()
                windows.append(windows_type_0_item)

        else:
            windows = self.windows

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "schedule": schedule,
            }
        )
        if after is not UNSET:
            field_dict["after"] = after
        if blackouts is not UNSET:
            field_dict["blackouts"] = blackouts
        if calendar is not UNSET:
            field_dict["calendar"] = calendar
        if count is not UNSET:
            field_dict["count"] = count
        if dst_gap is not UNSET:
            field_dict["dst_gap"] = dst_gap
        if dst_overlap is not UNSET:
            field_dict["dst_overlap"] = dst_overlap
        if non_business_day is not UNSET:
            field_dict["non_business_day"] = non_business_day
        if outside_window is not UNSET:
            field_dict["outside_window"] = outside_window
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_preview_blackouts_type_0_item import SchedulePreviewBlackoutsType0Item  # noqa: PLC0415
        from ..models.schedule_preview_windows_type_0_item import SchedulePreviewWindowsType0Item  # noqa: PLC0415

        d = dict(src_dict)
        schedule = d.pop("schedule")

        def _parse_after(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        after = _parse_after(d.pop("after", UNSET))

        def _parse_blackouts(data: object) -> list[SchedulePreviewBlackoutsType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                blackouts_type_0 = []
                _blackouts_type_0 = data
                for blackouts_type_0_item_data in _blackouts_type_0:
                    blackouts_type_0_item = SchedulePreviewBlackoutsType0Item.from_dict(blackouts_type_0_item_data)

                    blackouts_type_0.append(blackouts_type_0_item)

                return blackouts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[SchedulePreviewBlackoutsType0Item] | None | Unset, data)

        blackouts = _parse_blackouts(d.pop("blackouts", UNSET))

        def _parse_calendar(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        calendar = _parse_calendar(d.pop("calendar", UNSET))

        count = d.pop("count", UNSET)

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

        _non_business_day = d.pop("non_business_day", UNSET)
        non_business_day: NonBusinessDay | Unset
        if isinstance(_non_business_day, Unset):
            non_business_day = UNSET
        else:
            non_business_day = NonBusinessDay(_non_business_day)

        _outside_window = d.pop("outside_window", UNSET)
        outside_window: OutsideWindow | Unset
        if isinstance(_outside_window, Unset):
            outside_window = UNSET
        else:
            outside_window = OutsideWindow(_outside_window)

        timezone = d.pop("timezone", UNSET)

        def _parse_windows(data: object) -> list[SchedulePreviewWindowsType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                windows_type_0 = []
                _windows_type_0 = data
                for windows_type_0_item_data in _windows_type_0:
                    windows_type_0_item = SchedulePreviewWindowsType0Item.from_dict(windows_type_0_item_data)

                    windows_type_0.append(windows_type_0_item)

                return windows_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[SchedulePreviewWindowsType0Item] | None | Unset, data)

        windows = _parse_windows(d.pop("windows", UNSET))

        schedule_preview = cls(
            schedule=schedule,
            after=after,
            blackouts=blackouts,
            calendar=calendar,
            count=count,
            dst_gap=dst_gap,
            dst_overlap=dst_overlap,
            non_business_day=non_business_day,
            outside_window=outside_window,
            timezone=timezone,
            windows=windows,
        )

        return schedule_preview
