from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.calendar_body_blackouts_type_0_item import CalendarBodyBlackoutsType0Item
    from ..models.calendar_body_holidays import CalendarBodyHolidays
    from ..models.calendar_body_windows_type_0_item import CalendarBodyWindowsType0Item


T = TypeVar("T", bound="CalendarBody")


@_attrs_define
class CalendarBody:
    """A business calendar (``domain.calendars.calendar_from_dict`` checks it, naming
    every bad field).

    Attributes:
        name (str): 1-64 letters, digits, '.', '_' or '-'
        timezone (str): IANA zone: the days are its days
        blackouts (list[CalendarBodyBlackoutsType0Item] | None | Unset):
        dates (list[str] | Unset): extra closed dates, YYYY-MM-DD
        holidays (CalendarBodyHolidays | Unset): public holidays: {"country": "FR", "subdivision"?: "57"}
        ics (str | Unset): iCalendar text: each VEVENT closes its days
        weekdays (list[str] | Unset): working days, mon..sun (default mon-fri)
        windows (list[CalendarBodyWindowsType0Item] | None | Unset):
    """

    name: str
    timezone: str
    blackouts: list[CalendarBodyBlackoutsType0Item] | None | Unset = UNSET
    dates: list[str] | Unset = UNSET
    holidays: CalendarBodyHolidays | Unset = UNSET
    ics: str | Unset = UNSET
    weekdays: list[str] | Unset = UNSET
    windows: list[CalendarBodyWindowsType0Item] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        timezone = self.timezone

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

        dates: list[str] | Unset = UNSET
        if not isinstance(self.dates, Unset):
            dates = self.dates

        holidays: dict[str, Any] | Unset = UNSET
        if not isinstance(self.holidays, Unset):
            holidays = self.holidays.to_dict()

        ics = self.ics

        weekdays: list[str] | Unset = UNSET
        if not isinstance(self.weekdays, Unset):
            weekdays = self.weekdays

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
                "name": name,
                "timezone": timezone,
            }
        )
        if blackouts is not UNSET:
            field_dict["blackouts"] = blackouts
        if dates is not UNSET:
            field_dict["dates"] = dates
        if holidays is not UNSET:
            field_dict["holidays"] = holidays
        if ics is not UNSET:
            field_dict["ics"] = ics
        if weekdays is not UNSET:
            field_dict["weekdays"] = weekdays
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.calendar_body_blackouts_type_0_item import CalendarBodyBlackoutsType0Item  # noqa: PLC0415
        from ..models.calendar_body_holidays import CalendarBodyHolidays  # noqa: PLC0415
        from ..models.calendar_body_windows_type_0_item import CalendarBodyWindowsType0Item  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        timezone = d.pop("timezone")

        def _parse_blackouts(data: object) -> list[CalendarBodyBlackoutsType0Item] | None | Unset:
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
                    blackouts_type_0_item = CalendarBodyBlackoutsType0Item.from_dict(blackouts_type_0_item_data)

                    blackouts_type_0.append(blackouts_type_0_item)

                return blackouts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CalendarBodyBlackoutsType0Item] | None | Unset, data)

        blackouts = _parse_blackouts(d.pop("blackouts", UNSET))

        dates = cast(list[str], d.pop("dates", UNSET))

        _holidays = d.pop("holidays", UNSET)
        holidays: CalendarBodyHolidays | Unset
        if isinstance(_holidays, Unset):
            holidays = UNSET
        else:
            holidays = CalendarBodyHolidays.from_dict(_holidays)

        ics = d.pop("ics", UNSET)

        weekdays = cast(list[str], d.pop("weekdays", UNSET))

        def _parse_windows(data: object) -> list[CalendarBodyWindowsType0Item] | None | Unset:
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
                    windows_type_0_item = CalendarBodyWindowsType0Item.from_dict(windows_type_0_item_data)

                    windows_type_0.append(windows_type_0_item)

                return windows_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CalendarBodyWindowsType0Item] | None | Unset, data)

        windows = _parse_windows(d.pop("windows", UNSET))

        calendar_body = cls(
            name=name,
            timezone=timezone,
            blackouts=blackouts,
            dates=dates,
            holidays=holidays,
            ics=ics,
            weekdays=weekdays,
            windows=windows,
        )

        return calendar_body
