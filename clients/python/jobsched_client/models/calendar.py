from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.calendar_blackouts_type_0_item import CalendarBlackoutsType0Item
    from ..models.calendar_windows_type_0_item import CalendarWindowsType0Item
    from ..models.holidays import Holidays


T = TypeVar("T", bound="Calendar")


@_attrs_define
class Calendar:
    """
    Attributes:
        blackouts (list[CalendarBlackoutsType0Item] | None):
        created_at (datetime.datetime):
        dates (list[str]):
        holidays (Holidays | None):
        ics (None | str):
        jobs (int): how many jobs use it (0 in a list)
        name (str):
        timezone (str):
        updated_at (datetime.datetime):
        version (int): bumped by every change
        weekdays (list[str]):
        windows (list[CalendarWindowsType0Item] | None):
    """

    blackouts: list[CalendarBlackoutsType0Item] | None
    created_at: datetime.datetime
    dates: list[str]
    holidays: Holidays | None
    ics: None | str
    jobs: int
    name: str
    timezone: str
    updated_at: datetime.datetime
    version: int
    weekdays: list[str]
    windows: list[CalendarWindowsType0Item] | None

    def to_dict(self) -> dict[str, Any]:
        from ..models.holidays import Holidays  # noqa: PLC0415

        blackouts: list[dict[str, Any]] | None
        if isinstance(self.blackouts, list):
            blackouts = []
            for blackouts_type_0_item_data in self.blackouts:
                blackouts_type_0_item = blackouts_type_0_item_data.to_dict()
                blackouts.append(blackouts_type_0_item)

        else:
            blackouts = self.blackouts

        created_at = self.created_at.isoformat()

        dates = self.dates

        holidays: dict[str, Any] | None
        if isinstance(self.holidays, Holidays):
            holidays = self.holidays.to_dict()
        else:
            holidays = self.holidays

        ics: None | str
        ics = self.ics

        jobs = self.jobs

        name = self.name

        timezone = self.timezone

        updated_at = self.updated_at.isoformat()

        version = self.version

        weekdays = self.weekdays

        windows: list[dict[str, Any]] | None
        if isinstance(self.windows, list):
            windows = []
            for windows_type_0_item_data in self.windows:
                windows_type_0_item = windows_type_0_item_data.to_dict()
                windows.append(windows_type_0_item)

        else:
            windows = self.windows

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "blackouts": blackouts,
                "created_at": created_at,
                "dates": dates,
                "holidays": holidays,
                "ics": ics,
                "jobs": jobs,
                "name": name,
                "timezone": timezone,
                "updated_at": updated_at,
                "version": version,
                "weekdays": weekdays,
                "windows": windows,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.calendar_blackouts_type_0_item import CalendarBlackoutsType0Item  # noqa: PLC0415
        from ..models.calendar_windows_type_0_item import CalendarWindowsType0Item  # noqa: PLC0415
        from ..models.holidays import Holidays  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_blackouts(data: object) -> list[CalendarBlackoutsType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                blackouts_type_0 = []
                _blackouts_type_0 = data
                for blackouts_type_0_item_data in _blackouts_type_0:
                    blackouts_type_0_item = CalendarBlackoutsType0Item.from_dict(blackouts_type_0_item_data)

                    blackouts_type_0.append(blackouts_type_0_item)

                return blackouts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CalendarBlackoutsType0Item] | None, data)

        blackouts = _parse_blackouts(d.pop("blackouts"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dates = cast(list[str], d.pop("dates"))

        def _parse_holidays(data: object) -> Holidays | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                holidays_type_0 = Holidays.from_dict(data)

                return holidays_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Holidays | None, data)

        holidays = _parse_holidays(d.pop("holidays"))

        def _parse_ics(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ics = _parse_ics(d.pop("ics"))

        jobs = d.pop("jobs")

        name = d.pop("name")

        timezone = d.pop("timezone")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        weekdays = cast(list[str], d.pop("weekdays"))

        def _parse_windows(data: object) -> list[CalendarWindowsType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                windows_type_0 = []
                _windows_type_0 = data
                for windows_type_0_item_data in _windows_type_0:
                    windows_type_0_item = CalendarWindowsType0Item.from_dict(windows_type_0_item_data)

                    windows_type_0.append(windows_type_0_item)

                return windows_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CalendarWindowsType0Item] | None, data)

        windows = _parse_windows(d.pop("windows"))

        calendar = cls(
            blackouts=blackouts,
            created_at=created_at,
            dates=dates,
            holidays=holidays,
            ics=ics,
            jobs=jobs,
            name=name,
            timezone=timezone,
            updated_at=updated_at,
            version=version,
            weekdays=weekdays,
            windows=windows,
        )

        return calendar
