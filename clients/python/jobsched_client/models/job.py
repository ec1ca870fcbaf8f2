from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.catch_up import CatchUp
from ..models.dst_gap import DstGap
from ..models.dst_overlap import DstOverlap
from ..models.overlap_policy import OverlapPolicy
from ..models.schedule_status import ScheduleStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.concurrency_control import ConcurrencyControl
    from ..models.debounce_control import DebounceControl
    from ..models.execution_page import ExecutionPage
    from ..models.job_blackouts_type_0_item import JobBlackoutsType0Item
    from ..models.job_business_day_rule_type_0 import JobBusinessDayRuleType0
    from ..models.job_payload import JobPayload
    from ..models.job_windows_type_0_item import JobWindowsType0Item
    from ..models.rate_control import RateControl
    from ..models.singleton_control import SingletonControl
    from ..models.spread_control import SpreadControl


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """
    Attributes:
        blackouts (list[JobBlackoutsType0Item] | None):
        business_day_rule (JobBusinessDayRuleType0 | None):
        calendar (None | str):
        catch_up (CatchUp):
        catch_up_max (int):
        catch_up_window_s (int):
        concurrency (ConcurrencyControl | None):
        created_at (datetime.datetime | None):
        debounce (DebounceControl | None):
        description (str):
        dst_gap (DstGap):
        dst_overlap (DstOverlap):
        end_at (datetime.datetime | None):
        handler (str):
        id (UUID):
        last_run_time (datetime.datetime | None):
        max_concurrency (int | None):
        max_duration_ms (int | None):
        max_retries (int):
        max_runs (int | None):
        max_start_delay_ms (int | None):
        name (str):
        next_run_time (datetime.datetime | None):
        non_business_day (str):
        notify_url (None | str):
        on_window_close (str):
        outside_window (str):
        overlap_policy (OverlapPolicy):
        payload (JobPayload):
        pool (str):
        priority (int):
        rate (None | RateControl):
        retry_backoff_max_ms (int):
        retry_backoff_ms (int):
        run_at (datetime.datetime | None):
        runs_made (int): runs its schedule made (towards max_runs)
        schedule (None | str):
        schedule_error (None | str):
        singleton (None | SingletonControl):
        spread (None | SpreadControl): each occurrence's runs, one per key, at stable offsets
        start_at (datetime.datetime | None):
        start_jitter_ms (int):
        status (ScheduleStatus):
        timeout_ms (int):
        timezone (str):
        upcoming_runs (list[datetime.datetime]): in the job's time zone
        updated_at (datetime.datetime | None):
        waiting (None | str):
        windows (list[JobWindowsType0Item] | None):
        executions (ExecutionPage | Unset):
        notify_secret (str | Unset): only in the answer that created the job (keep it: it is not shown again); signs its
            notifications: X-Jobsched-Signature is sha256=<hex HMAC-SHA256 of '<X-Jobsched-Timestamp>.<body>'>
    """

    blackouts: list[JobBlackoutsType0Item] | None
    business_day_rule: JobBusinessDayRuleType0 | None
    calendar: None | str
    catch_up: CatchUp
    catch_up_max: int
    catch_up_window_s: int
    concurrency: ConcurrencyControl | None
    created_at: datetime.datetime | None
    debounce: DebounceControl | None
    description: str
    dst_gap: DstGap
    dst_overlap: DstOverlap
    end_at: datetime.datetime | None
    handler: str
    id: UUID
    last_run_time: datetime.datetime | None
    max_concurrency: int | None
    max_duration_ms: int | None
    max_retries: int
    max_runs: int | None
    max_start_delay_ms: int | None
    name: str
    next_run_time: datetime.datetime | None
    non_business_day: str
    notify_url: None | str
    on_window_close: str
    outside_window: str
    overlap_policy: OverlapPolicy
    payload: JobPayload
    pool: str
    priority: int
    rate: None | RateControl
    retry_backoff_max_ms: int
    retry_backoff_ms: int
    run_at: datetime.datetime | None
    runs_made: int
    schedule: None | str
    schedule_error: None | str
    singleton: None | SingletonControl
    spread: None | SpreadControl
    start_at: datetime.datetime | None
    start_jitter_ms: int
    status: ScheduleStatus
    timeout_ms: int
    timezone: str
    upcoming_runs: list[datetime.datetime]
    updated_at: datetime.datetime | None
    waiting: None | str
    windows: list[JobWindowsType0Item] | None
    executions: ExecutionPage | Unset = UNSET
    notify_secret: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.concurrency_control import ConcurrencyControl  # noqa: PLC0415
        from ..models.debounce_control import DebounceControl  # noqa: PLC0415
        from ..models.job_business_day_rule_type_0 import JobBusinessDayRuleType0  # noqa: PLC0415
        from ..models.rate_control import RateControl  # noqa: PLC0415
        from ..models.singleton_control import SingletonControl  # noqa: PLC0415
        from ..models.spread_control import SpreadControl  # noqa: PLC0415

        blackouts: list[dict[str, Any]] | None
        if isinstance(self.blackouts, list):
            blackouts = []
            for blackouts_type_0_item_data in self.blackouts:
                blackouts_type_0_item = blackouts_type_0_item_data.to_dict()
                blackouts.append(blackouts_type_0_item)

        else:
            blackouts = self.blackouts

        business_day_rule: dict[str, Any] | None
        if isinstance(self.business_day_rule, JobBusinessDayRuleType0):
            business_day_rule = self.business_day_rule.to_dict()
        else:
            business_day_rule = self.business_day_rule

        calendar: None | str
        calendar = self.calendar

        catch_up = self.catch_up.value

        catch_up_max = self.catch_up_max

        catch_up_window_s = self.catch_up_window_s

        concurrency: dict[str, Any] | None
        if isinstance(self.concurrency, ConcurrencyControl):
            concurrency = self.concurrency.to_dict()
        else:
            concurrency = self.concurrency

        created_at: None | str
        if isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        debounce: dict[str, Any] | None
        if isinstance(self.debounce, DebounceControl):
            debounce = self.debounce.to_dict()
        else:
            debounce = self.debounce

        description = self.description

        dst_gap = self.dst_gap.value

        dst_overlap = self.dst_overlap.value

        end_at: None | str
        if isinstance(self.end_at, datetime.datetime):
            end_at = self.end_at.isoformat()
        else:
            end_at = self.end_at

        handler = self.handler

        id = str(self.id)

        last_run_time: None | str
        if isinstance(self.last_run_time, datetime.datetime):
            last_run_time = self.last_run_time.isoformat()
        else:
            last_run_time = self.last_run_time

        max_concurrency: int | None
        max_concurrency = self.max_concurrency

        max_duration_ms: int | None
        max_duration_ms = self.max_duration_ms

        max_retries = self.max_retries

        max_runs: int | None
        max_runs = self.max_runs

        max_start_delay_ms: int | None
        max_start_delay_ms = self.max_start_delay_ms

        name = self.name

        next_run_time: None | str
        if isinstance(self.next_run_time, datetime.datetime):
            next_run_time = self.next_run_time.isoformat()
        else:
            next_run_time = self.next_run_time

        non_business_day = self.non_business_day

        notify_url: None | str
        notify_url = self.notify_url

        on_window_close = self.on_window_close

        outside_window = self.outside_window

        overlap_policy = self.overlap_policy.value

        payload = self.payload.to_dict()

        pool = self.pool

        priority = self.priority

        rate: dict[str, Any] | None
        if isinstance(self.rate, RateControl):
            rate = self.rate.to_dict()
        else:
            rate = self.rate

        retry_backoff_max_ms = self.retry_backoff_max_ms

        retry_backoff_ms = self.retry_backoff_ms

        run_at: None | str
        if isinstance(self.run_at, datetime.datetime):
            run_at = self.run_at.isoformat()
        else:
            run_at = self.run_at

        runs_made = self.runs_made

        schedule: None | str
        schedule = self.schedule

        schedule_error: None | str
        schedule_error = self.schedule_error

        singleton: dict[str, Any] | None
        if isinstance(self.singleton, SingletonControl):
            singleton = self.singleton.to_dict()
        else:
            singleton = self.singleton

        spread: dict[str, Any] | None
        if isinstance(self.spread, SpreadControl):
            spread = self.spread.to_dict()
        else:
            spread = self.spread

        start_at: None | str
        if isinstance(self.start_at, datetime.datetime):
            start_at = self.start_at.isoformat()
        else:
            start_at = self.start_at

        start_jitter_ms = self.start_jitter_ms

        status = self.status.value

        timeout_ms = self.timeout_ms

        timezone = self.timezone

        upcoming_runs = []
        for upcoming_runs_item_data in self.upcoming_runs:
            upcoming_runs_item = upcoming_runs_item_data.isoformat()
            upcoming_runs.append(upcoming_runs_item)

        updated_at: None | str
        if isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        waiting: None | str
        waiting = self.waiting

        windows: list[dict[str, Any]] | None
        if isinstance(self.windows, list):
            windows = []
            for windows_type_0_item_data in self.windows:
                windows_type_0_item = windows_type_0_item_data.to_dict()
                windows.append(windows_type_0_item)

        else:
            windows = self.windows

        executions: dict[str, Any] | Unset = UNSET
        if not isinstance(self.executions, Unset):
            executions = self.executions.to_dict()

        notify_secret = self.notify_secret

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "blackouts": blackouts,
                "business_day_rule": business_day_rule,
                "calendar": calendar,
                "catch_up": catch_up,
                "catch_up_max": catch_up_max,
                "catch_up_window_s": catch_up_window_s,
                "concurrency": concurrency,
                "created_at": created_at,
                "debounce": debounce,
                "description": description,
                "dst_gap": dst_gap,
                "dst_overlap": dst_overlap,
                "end_at": end_at,
                "handler": handler,
                "id": id,
                "last_run_time": last_run_time,
                "max_concurrency": max_concurrency,
                "max_duration_ms": max_duration_ms,
                "max_retries": max_retries,
                "max_runs": max_runs,
                "max_start_delay_ms": max_start_delay_ms,
                "name": name,
                "next_run_time": next_run_time,
                "non_business_day": non_business_day,
                "notify_url": notify_url,
                "on_window_close": on_window_close,
                "outside_window": outside_window,
                "overlap_policy": overlap_policy,
                "payload": payload,
                "pool": pool,
                "priority": priority,
                "rate": rate,
                "retry_backoff_max_ms": retry_backoff_max_ms,
                "retry_backoff_ms": retry_backoff_ms,
                "run_at": run_at,
                "runs_made": runs_made,
                "schedule": schedule,
                "schedule_error": schedule_error,
                "singleton": singleton,
                "spread": spread,
                "start_at": start_at,
                "start_jitter_ms": start_jitter_ms,
                "status": status,
                "timeout_ms": timeout_ms,
                "timezone": timezone,
                "upcoming_runs": upcoming_runs,
                "updated_at": updated_at,
                "waiting": waiting,
                "windows": windows,
            }
        )
        if executions is not UNSET:
            field_dict["executions"] = executions
        if notify_secret is not UNSET:
            field_dict["notify_secret"] = notify_secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.concurrency_control import ConcurrencyControl  # noqa: PLC0415
        from ..models.debounce_control import DebounceControl  # noqa: PLC0415
        from ..models.execution_page import ExecutionPage  # noqa: PLC0415
        from ..models.job_blackouts_type_0_item import JobBlackoutsType0Item  # noqa: PLC0415
        from ..models.job_business_day_rule_type_0 import JobBusinessDayRuleType0  # noqa: PLC0415
        from ..models.job_payload import JobPayload  # noqa: PLC0415
        from ..models.job_windows_type_0_item import JobWindowsType0Item  # noqa: PLC0415
        from ..models.rate_control import RateControl  # noqa: PLC0415
        from ..models.singleton_control import SingletonControl  # noqa: PLC0415
        from ..models.spread_control import SpreadControl  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_blackouts(data: object) -> list[JobBlackoutsType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                blackouts_type_0 = []
                _blackouts_type_0 = data
                for blackouts_type_0_item_data in _blackouts_type_0:
                    blackouts_type_0_item = JobBlackoutsType0Item.from_dict(blackouts_type_0_item_data)

                    blackouts_type_0.append(blackouts_type_0_item)

                return blackouts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[JobBlackoutsType0Item] | None, data)

        blackouts = _parse_blackouts(d.pop("blackouts"))

        def _parse_business_day_rule(data: object) -> JobBusinessDayRuleType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                business_day_rule_type_0 = JobBusinessDayRuleType0.from_dict(data)

                return business_day_rule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobBusinessDayRuleType0 | None, data)

        business_day_rule = _parse_business_day_rule(d.pop("business_day_rule"))

        def _parse_calendar(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        calendar = _parse_calendar(d.pop("calendar"))

        catch_up = CatchUp(d.pop("catch_up"))

        catch_up_max = d.pop("catch_up_max")

        catch_up_window_s = d.pop("catch_up_window_s")

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

        def _parse_created_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        created_at = _parse_created_at(d.pop("created_at"))

        def _parse_debounce(data: object) -> DebounceControl | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                debounce_type_0 = DebounceControl.from_dict(data)

                return debounce_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DebounceControl | None, data)

        debounce = _parse_debounce(d.pop("debounce"))

        description = d.pop("description")

        dst_gap = DstGap(d.pop("dst_gap"))

        dst_overlap = DstOverlap(d.pop("dst_overlap"))

        def _parse_end_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_at_type_0 = datetime.datetime.fromisoformat(data)

                return end_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        end_at = _parse_end_at(d.pop("end_at"))

        handler = d.pop("handler")

        id = UUID(d.pop("id"))

        def _parse_last_run_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_run_time_type_0 = datetime.datetime.fromisoformat(data)

                return last_run_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_run_time = _parse_last_run_time(d.pop("last_run_time"))

        def _parse_max_concurrency(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_concurrency = _parse_max_concurrency(d.pop("max_concurrency"))

        def _parse_max_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_duration_ms = _parse_max_duration_ms(d.pop("max_duration_ms"))

        max_retries = d.pop("max_retries")

        def _parse_max_runs(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_runs = _parse_max_runs(d.pop("max_runs"))

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

        non_business_day = d.pop("non_business_day")

        def _parse_notify_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        notify_url = _parse_notify_url(d.pop("notify_url"))

        on_window_close = d.pop("on_window_close")

        outside_window = d.pop("outside_window")

        overlap_policy = OverlapPolicy(d.pop("overlap_policy"))

        payload = JobPayload.from_dict(d.pop("payload"))

        pool = d.pop("pool")

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

        def _parse_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_at_type_0 = datetime.datetime.fromisoformat(data)

                return run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        run_at = _parse_run_at(d.pop("run_at"))

        runs_made = d.pop("runs_made")

        def _parse_schedule(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule = _parse_schedule(d.pop("schedule"))

        def _parse_schedule_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule_error = _parse_schedule_error(d.pop("schedule_error"))

        def _parse_singleton(data: object) -> None | SingletonControl:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                singleton_type_0 = SingletonControl.from_dict(data)

                return singleton_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SingletonControl, data)

        singleton = _parse_singleton(d.pop("singleton"))

        def _parse_spread(data: object) -> None | SpreadControl:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                spread_type_0 = SpreadControl.from_dict(data)

                return spread_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SpreadControl, data)

        spread = _parse_spread(d.pop("spread"))

        def _parse_start_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_at_type_0 = datetime.datetime.fromisoformat(data)

                return start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start_at = _parse_start_at(d.pop("start_at"))

        start_jitter_ms = d.pop("start_jitter_ms")

        status = ScheduleStatus(d.pop("status"))

        timeout_ms = d.pop("timeout_ms")

        timezone = d.pop("timezone")

        upcoming_runs = []
        _upcoming_runs = d.pop("upcoming_runs")
        for upcoming_runs_item_data in _upcoming_runs:
            upcoming_runs_item = datetime.datetime.fromisoformat(upcoming_runs_item_data)

            upcoming_runs.append(upcoming_runs_item)

        def _parse_updated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        updated_at = _parse_updated_at(d.pop("updated_at"))

        def _parse_waiting(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        waiting = _parse_waiting(d.pop("waiting"))

        def _parse_windows(data: object) -> list[JobWindowsType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                windows_type_0 = []
                _windows_type_0 = data
                for windows_type_0_item_data in _windows_type_0:
                    windows_type_0_item = JobWindowsType0Item.from_dict(windows_type_0_item_data)

                    windows_type_0.append(windows_type_0_item)

                return windows_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[JobWindowsType0Item] | None, data)

        windows = _parse_windows(d.pop("windows"))

        _executions = d.pop("executions", UNSET)
        executions: ExecutionPage | Unset
        if isinstance(_executions, Unset):
            executions = UNSET
        else:
            executions = ExecutionPage.from_dict(_executions)

        notify_secret = d.pop("notify_secret", UNSET)

        job = cls(
            blackouts=blackouts,
            business_day_rule=business_day_rule,
            calendar=calendar,
            catch_up=catch_up,
            catch_up_max=catch_up_max,
            catch_up_window_s=catch_up_window_s,
            concurrency=concurrency,
            created_at=created_at,
            debounce=debounce,
            description=description,
            dst_gap=dst_gap,
            dst_overlap=dst_overlap,
            end_at=end_at,
            handler=handler,
            id=id,
            last_run_time=last_run_time,
            max_concurrency=max_concurrency,
            max_duration_ms=max_duration_ms,
            max_retries=max_retries,
            max_runs=max_runs,
            max_start_delay_ms=max_start_delay_ms,
            name=name,
            next_run_time=next_run_time,
            non_business_day=non_business_day,
            notify_url=notify_url,
            on_window_close=on_window_close,
            outside_window=outside_window,
            overlap_policy=overlap_policy,
            payload=payload,
            pool=pool,
            priority=priority,
            rate=rate,
            retry_backoff_max_ms=retry_backoff_max_ms,
            retry_backoff_ms=retry_backoff_ms,
            run_at=run_at,
            runs_made=runs_made,
            schedule=schedule,
            schedule_error=schedule_error,
            singleton=singleton,
            spread=spread,
            start_at=start_at,
            start_jitter_ms=start_jitter_ms,
            status=status,
            timeout_ms=timeout_ms,
            timezone=timezone,
            upcoming_runs=upcoming_runs,
            updated_at=updated_at,
            waiting=waiting,
            windows=windows,
            executions=executions,
            notify_secret=notify_secret,
        )

        return job
