from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.catch_up import CatchUp
from ..models.dst_gap import DstGap
from ..models.dst_overlap import DstOverlap
from ..models.non_business_day import NonBusinessDay
from ..models.on_window_close import OnWindowClose
from ..models.outside_window import OutsideWindow
from ..models.overlap_policy import OverlapPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.concurrency_control_input import ConcurrencyControlInput
    from ..models.debounce_control_input import DebounceControlInput
    from ..models.job_update_blackouts_type_0_item import JobUpdateBlackoutsType0Item
    from ..models.job_update_business_day_rule_type_0 import JobUpdateBusinessDayRuleType0
    from ..models.job_update_payload import JobUpdatePayload
    from ..models.job_update_windows_type_0_item import JobUpdateWindowsType0Item
    from ..models.rate_control_input import RateControlInput
    from ..models.singleton_control_input import SingletonControlInput
    from ..models.spread_control_input import SpreadControlInput


T = TypeVar("T", bound="JobUpdate")


@_attrs_define
class JobUpdate:
    """A partial update: fields left out keep their value. A job as the API returns it
    may be sent back: its read-only fields are ignored.

    Attributes:
        blackouts (list[JobUpdateBlackoutsType0Item] | None | Unset):
        business_day_rule (JobUpdateBusinessDayRuleType0 | None | Unset):
        calendar (None | str | Unset):
        catch_up (CatchUp | Unset):
        catch_up_max (int | Unset):
        catch_up_window_s (int | Unset):
        concurrency (ConcurrencyControlInput | None | Unset):
        created_at (Any | Unset): read-only: accepted and ignored
        debounce (DebounceControlInput | None | Unset):
        description (None | str | Unset):
        dst_gap (DstGap | Unset):
        dst_overlap (DstOverlap | Unset):
        end_at (None | str | Unset): An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        executions (Any | Unset): read-only: accepted and ignored
        handler (str | Unset):
        id (Any | Unset): read-only: accepted and ignored
        last_run_time (Any | Unset): read-only: accepted and ignored
        max_concurrency (int | None | Unset):
        max_duration_ms (int | None | Unset):
        max_retries (int | Unset):
        max_runs (int | None | Unset):
        max_start_delay_ms (int | None | Unset):
        name (str | Unset):
        next_run_time (Any | Unset): read-only: accepted and ignored
        non_business_day (NonBusinessDay | Unset):
        notify_secret (Any | Unset): read-only: accepted and ignored
        notify_url (None | str | Unset):
        on_window_close (OnWindowClose | Unset):
        outside_window (OutsideWindow | Unset):
        overlap_policy (OverlapPolicy | Unset):
        payload (JobUpdatePayload | Unset): a JSON object, at most 64 KiB and 32 levels deep; no NUL, unpaired
            surrogates, NaN or Infinity
        pool (None | str | Unset):
        priority (int | Unset): higher runs first
        rate (None | RateControlInput | Unset):
        retry_backoff_max_ms (int | Unset):
        retry_backoff_ms (int | Unset):
        run_at (None | str | Unset): An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        runs_made (Any | Unset): read-only: accepted and ignored
        schedule (None | str | Unset):
        schedule_error (Any | Unset): read-only: accepted and ignored
        singleton (None | SingletonControlInput | Unset):
        spread (None | SpreadControlInput | Unset):
        start_at (None | str | Unset): An ISO 8601 time, with a UTC offset or without one (then UTC), e.g.
            2026-12-01T10:00:00Z or 2026-12-01T10:00:00.
        start_jitter_ms (int | Unset): a scheduled run starts at a random point up to this long after its time
        status (Any | Unset): read-only: accepted and ignored
        timeout_ms (int | Unset):
        timezone (str | Unset): IANA zone
        upcoming_runs (Any | Unset): read-only: accepted and ignored
        updated_at (Any | Unset): read-only: accepted and ignored
        waiting (Any | Unset): read-only: accepted and ignored
        windows (list[JobUpdateWindowsType0Item] | None | Unset):
    """

    blackouts: list[JobUpdateBlackoutsType0Item] | None | Unset = UNSET
    business_day_rule: JobUpdateBusinessDayRuleType0 | None | Unset = UNSET
    calendar: None | str | Unset = UNSET
    catch_up: CatchUp | Unset = UNSET
    catch_up_max: int | Unset = UNSET
    catch_up_window_s: int | Unset = UNSET
    concurrency: ConcurrencyControlInput | None | Unset = UNSET
    created_at: Any | Unset = UNSET
    debounce: DebounceControlInput | None | Unset = UNSET
    description: None | str | Unset = UNSET
    dst_gap: DstGap | Unset = UNSET
    dst_overlap: DstOverlap | Unset = UNSET
    end_at: None | str | Unset = UNSET
    executions: Any | Unset = UNSET
    handler: str | Unset = UNSET
    id: Any | Unset = UNSET
    last_run_time: Any | Unset = UNSET
    max_concurrency: int | None | Unset = UNSET
    max_duration_ms: int | None | Unset = UNSET
    max_retries: int | Unset = UNSET
    max_runs: int | None | Unset = UNSET
    max_start_delay_ms: int | None | Unset = UNSET
    name: str | Unset = UNSET
    next_run_time: Any | Unset = UNSET
    non_business_day: NonBusinessDay | Unset = UNSET
    notify_secret: Any | Unset = UNSET
    notify_url: None | str | Unset = UNSET
    on_window_close: OnWindowClose | Unset = UNSET
    outside_window: OutsideWindow | Unset = UNSET
    overlap_policy: OverlapPolicy | Unset = UNSET
    payload: JobUpdatePayload | Unset = UNSET
    pool: None | str | Unset = UNSET
    priority: int | Unset = UNSET
    rate: None | RateControlInput | Unset = UNSET
    retry_backoff_max_ms: int | Unset = UNSET
    retry_backoff_ms: int | Unset = UNSET
    run_at: None | str | Unset = UNSET
    runs_made: Any | Unset = UNSET
    schedule: None | str | Unset = UNSET
    schedule_error: Any | Unset = UNSET
    singleton: None | SingletonControlInput | Unset = UNSET
    spread: None | SpreadControlInput | Unset = UNSET
    start_at: None | str | Unset = UNSET
    start_jitter_ms: int | Unset = UNSET
    status: Any | Unset = UNSET
    timeout_ms: int | Unset = UNSET
    timezone: str | Unset = UNSET
    upcoming_runs: Any | Unset = UNSET
    updated_at: Any | Unset = UNSET
    waiting: Any | Unset = UNSET
    windows: list[JobUpdateWindowsType0Item] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.concurrency_control_input import ConcurrencyControlInput  # noqa: PLC0415
        from ..models.debounce_control_input import DebounceControlInput  # noqa: PLC0415
        from ..models.job_update_business_day_rule_type_0 import JobUpdateBusinessDayRuleType0  # noqa: PLC0415
        from ..models.rate_control_input import RateControlInput  # noqa: PLC0415
        from ..models.singleton_control_input import SingletonControlInput  # noqa: PLC0415
        from ..models.spread_control_input import SpreadControlInput  # noqa: PLC0415

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

        business_day_rule: dict[str, Any] | None | Unset
        if isinstance(self.business_day_rule, Unset):
            business_day_rule = UNSET
        elif isinstance(self.business_day_rule, JobUpdateBusinessDayRuleType0):
            business_day_rule = self.business_day_rule.to_dict()
        else:
            business_day_rule = self.business_day_rule

        calendar: None | str | Unset
        if isinstance(self.calendar, Unset):
            calendar = UNSET
        else:
            calendar = self.calendar

        catch_up: str | Unset = UNSET
        if not isinstance(self.catch_up, Unset):
            catch_up = self.catch_up.value

        catch_up_max = self.catch_up_max

        catch_up_window_s = self.catch_up_window_s

        concurrency: dict[str, Any] | None | Unset
        if isinstance(self.concurrency, Unset):
            concurrency = UNSET
        elif isinstance(self.concurrency, ConcurrencyControlInput):
            concurrency = self.concurrency.to_dict()
        else:
            concurrency = self.concurrency

        created_at = self.created_at

        debounce: dict[str, Any] | None | Unset
        if isinstance(self.debounce, Unset):
            debounce = UNSET
        elif isinstance(self.debounce, DebounceControlInput):
            debounce = self.debounce.to_dict()
        else:
            debounce = self.debounce

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

        end_at: None | str | Unset
        if isinstance(self.end_at, Unset):
            end_at = UNSET
        else:
            end_at = self.end_at

        executions = self.executions

        handler = self.handler

        id = self.id

        last_run_time = self.last_run_time

        max_concurrency: int | None | Unset
        if isinstance(self.max_concurrency, Unset):
            max_concurrency = UNSET
        else:
            max_concurrency = self.max_concurrency

        max_duration_ms: int | None | Unset
        if isinstance(self.max_duration_ms, Unset):
            max_duration_ms = UNSET
        else:
            max_duration_ms = self.max_duration_ms

        max_retries = self.max_retries

        max_runs: int | None | Unset
        if isinstance(self.max_runs, Unset):
            max_runs = UNSET
        else:
            max_runs = self.max_runs

        max_start_delay_ms: int | None | Unset
        if isinstance(self.max_start_delay_ms, Unset):
            max_start_delay_ms = UNSET
        else:
            max_start_delay_ms = self.max_start_delay_ms

        name = self.name

        next_run_time = self.next_run_time

        non_business_day: str | Unset = UNSET
        if not isinstance(self.non_business_day, Unset):
            non_business_day = self.non_business_day.value

        notify_secret = self.notify_secret

        notify_url: None | str | Unset
        if isinstance(self.notify_url, Unset):
            notify_url = UNSET
        else:
            notify_url = self.notify_url

        on_window_close: str | Unset = UNSET
        if not isinstance(self.on_window_close, Unset):
            on_window_close = self.on_window_close.value

        outside_window: str | Unset = UNSET
        if not isinstance(self.outside_window, Unset):
            outside_window = self.outside_window.value

        overlap_policy: str | Unset = UNSET
        if not isinstance(self.overlap_policy, Unset):
            overlap_policy = self.overlap_policy.value

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

        run_at: None | str | Unset
        if isinstance(self.run_at, Unset):
            run_at = UNSET
        else:
            run_at = self.run_at

        runs_made = self.runs_made

        schedule: None | str | Unset
        if isinstance(self.schedule, Unset):
            schedule = UNSET
        else:
            schedule = self.schedule

        schedule_error = self.schedule_error

        singleton: dict[str, Any] | None | Unset
        if isinstance(self.singleton, Unset):
            singleton = UNSET
        elif isinstance(self.singleton, SingletonControlInput):
            singleton = self.singleton.to_dict()
        else:
            singleton = self.singleton

        spread: dict[str, Any] | None | Unset
        if isinstance(self.spread, Unset):
            spread = UNSET
        elif isinstance(self.spread, SpreadControlInput):
            spread = self.spread.to_dict()
        else:
            spread = self.spread

        start_at: None | str | Unset
        if isinstance(self.start_at, Unset):
            start_at = UNSET
        else:
            start_at = self.start_at

        start_jitter_ms = self.start_jitter_ms

        status = self.status

        timeout_ms = self.timeout_ms

        timezone = self.timezone

        upcoming_runs = self.upcoming_runs

        updated_at = self.updated_at

        waiting = self.waiting

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

        field_dict.update({})
        if blackouts is not UNSET:
            field_dict["blackouts"] = blackouts
        if business_day_rule is not UNSET:
            field_dict["business_day_rule"] = business_day_rule
        if calendar is not UNSET:
            field_dict["calendar"] = calendar
        if catch_up is not UNSET:
            field_dict["catch_up"] = catch_up
        if catch_up_max is not UNSET:
            field_dict["catch_up_max"] = catch_up_max
        if catch_up_window_s is not UNSET:
            field_dict["catch_up_window_s"] = catch_up_window_s
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if debounce is not UNSET:
            field_dict["debounce"] = debounce
        if description is not UNSET:
            field_dict["description"] = description
        if dst_gap is not UNSET:
            field_dict["dst_gap"] = dst_gap
        if dst_overlap is not UNSET:
            field_dict["dst_overlap"] = dst_overlap
        if end_at is not UNSET:
            field_dict["end_at"] = end_at
        if executions is not UNSET:
            field_dict["executions"] = executions
        if handler is not UNSET:
            field_dict["handler"] = handler
        if id is not UNSET:
            field_dict["id"] = id
        if last_run_time is not UNSET:
            field_dict["last_run_time"] = last_run_time
        if max_concurrency is not UNSET:
            field_dict["max_concurrency"] = max_concurrency
        if max_duration_ms is not UNSET:
            field_dict["max_duration_ms"] = max_duration_ms
        if max_retries is not UNSET:
            field_dict["max_retries"] = max_retries
        if max_runs is not UNSET:
            field_dict["max_runs"] = max_runs
        if max_start_delay_ms is not UNSET:
            field_dict["max_start_delay_ms"] = max_start_delay_ms
        if name is not UNSET:
            field_dict["name"] = name
        if next_run_time is not UNSET:
            field_dict["next_run_time"] = next_run_time
        if non_business_day is not UNSET:
            field_dict["non_business_day"] = non_business_day
        if notify_secret is not UNSET:
            field_dict["notify_secret"] = notify_secret
        if notify_url is not UNSET:
            field_dict["notify_url"] = notify_url
        if on_window_close is not UNSET:
            field_dict["on_window_close"] = on_window_close
        if outside_window is not UNSET:
            field_dict["outside_window"] = outside_window
        if overlap_policy is not UNSET:
            field_dict["overlap_policy"] = overlap_policy
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
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
        if runs_made is not UNSET:
            field_dict["runs_made"] = runs_made
        if schedule is not UNSET:
            field_dict["schedule"] = schedule
        if schedule_error is not UNSET:
            field_dict["schedule_error"] = schedule_error
        if singleton is not UNSET:
            field_dict["singleton"] = singleton
        if spread is not UNSET:
            field_dict["spread"] = spread
        if start_at is not UNSET:
            field_dict["start_at"] = start_at
        if start_jitter_ms is not UNSET:
            field_dict["start_jitter_ms"] = start_jitter_ms
        if status is not UNSET:
            field_dict["status"] = status
        if timeout_ms is not UNSET:
            field_dict["timeout_ms"] = timeout_ms
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if upcoming_runs is not UNSET:
            field_dict["upcoming_runs"] = upcoming_runs
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if waiting is not UNSET:
            field_dict["waiting"] = waiting
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.concurrency_control_input import ConcurrencyControlInput  # noqa: PLC0415
        from ..models.debounce_control_input import DebounceControlInput  # noqa: PLC0415
        from ..models.job_update_blackouts_type_0_item import JobUpdateBlackoutsType0Item  # noqa: PLC0415
        from ..models.job_update_business_day_rule_type_0 import JobUpdateBusinessDayRuleType0  # noqa: PLC0415
        from ..models.job_update_payload import JobUpdatePayload  # noqa: PLC0415
        from ..models.job_update_windows_type_0_item import JobUpdateWindowsType0Item  # noqa: PLC0415
        from ..models.rate_control_input import RateControlInput  # noqa: PLC0415
        from ..models.singleton_control_input import SingletonControlInput  # noqa: PLC0415
        from ..models.spread_control_input import SpreadControlInput  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_blackouts(data: object) -> list[JobUpdateBlackoutsType0Item] | None | Unset:
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
                    blackouts_type_0_item = JobUpdateBlackoutsType0Item.from_dict(blackouts_type_0_item_data)

                    blackouts_type_0.append(blackouts_type_0_item)

                return blackouts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[JobUpdateBlackoutsType0Item] | None | Unset, data)

        blackouts = _parse_blackouts(d.pop("blackouts", UNSET))

        def _parse_business_day_rule(data: object) -> JobUpdateBusinessDayRuleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                business_day_rule_type_0 = JobUpdateBusinessDayRuleType0.from_dict(data)

                return business_day_rule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobUpdateBusinessDayRuleType0 | None | Unset, data)

        business_day_rule = _parse_business_day_rule(d.pop("business_day_rule", UNSET))

        def _parse_calendar(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        calendar = _parse_calendar(d.pop("calendar", UNSET))

        _catch_up = d.pop("catch_up", UNSET)
        catch_up: CatchUp | Unset
        if isinstance(_catch_up, Unset):
            catch_up = UNSET
        else:
            catch_up = CatchUp(_catch_up)

        catch_up_max = d.pop("catch_up_max", UNSET)

        catch_up_window_s = d.pop("catch_up_window_s", UNSET)

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

        created_at = d.pop("created_at", UNSET)

        def _parse_debounce(data: object) -> DebounceControlInput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                debounce_type_0 = DebounceControlInput.from_dict(data)

                return debounce_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DebounceControlInput | None | Unset, data)

        debounce = _parse_debounce(d.pop("debounce", UNSET))

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

        def _parse_end_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        end_at = _parse_end_at(d.pop("end_at", UNSET))

        executions = d.pop("executions", UNSET)

        handler = d.pop("handler", UNSET)

        id = d.pop("id", UNSET)

        last_run_time = d.pop("last_run_time", UNSET)

        def _parse_max_concurrency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_concurrency = _parse_max_concurrency(d.pop("max_concurrency", UNSET))

        def _parse_max_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_duration_ms = _parse_max_duration_ms(d.pop("max_duration_ms", UNSET))

        max_retries = d.pop("max_retries", UNSET)

        def _parse_max_runs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_runs = _parse_max_runs(d.pop("max_runs", UNSET))

        def _parse_max_start_delay_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_start_delay_ms = _parse_max_start_delay_ms(d.pop("max_start_delay_ms", UNSET))

        name = d.pop("name", UNSET)

        next_run_time = d.pop("next_run_time", UNSET)

        _non_business_day = d.pop("non_business_day", UNSET)
        non_business_day: NonBusinessDay | Unset
        if isinstance(_non_business_day, Unset):
            non_business_day = UNSET
        else:
            non_business_day = NonBusinessDay(_non_business_day)

        notify_secret = d.pop("notify_secret", UNSET)

        def _parse_notify_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notify_url = _parse_notify_url(d.pop("notify_url", UNSET))

        _on_window_close = d.pop("on_window_close", UNSET)
        on_window_close: OnWindowClose | Unset
        if isinstance(_on_window_close, Unset):
            on_window_close = UNSET
        else:
            on_window_close = OnWindowClose(_on_window_close)

        _outside_window = d.pop("outside_window", UNSET)
        outside_window: OutsideWindow | Unset
        if isinstance(_outside_window, Unset):
            outside_window = UNSET
        else:
            outside_window = OutsideWindow(_outside_window)

        _overlap_policy = d.pop("overlap_policy", UNSET)
        overlap_policy: OverlapPolicy | Unset
        if isinstance(_overlap_policy, Unset):
            overlap_policy = UNSET
        else:
            overlap_policy = OverlapPolicy(_overlap_policy)

        _payload = d.pop("payload", UNSET)
        payload: JobUpdatePayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = JobUpdatePayload.from_dict(_payload)

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

        def _parse_run_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        run_at = _parse_run_at(d.pop("run_at", UNSET))

        runs_made = d.pop("runs_made", UNSET)

        def _parse_schedule(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        schedule = _parse_schedule(d.pop("schedule", UNSET))

        schedule_error = d.pop("schedule_error", UNSET)

        def _parse_singleton(data: object) -> None | SingletonControlInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                singleton_type_0 = SingletonControlInput.from_dict(data)

                return singleton_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SingletonControlInput | Unset, data)

        singleton = _parse_singleton(d.pop("singleton", UNSET))

        def _parse_spread(data: object) -> None | SpreadControlInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                spread_type_0 = SpreadControlInput.from_dict(data)

                return spread_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SpreadControlInput | Unset, data)

        spread = _parse_spread(d.pop("spread", UNSET))

        def _parse_start_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        start_at = _parse_start_at(d.pop("start_at", UNSET))

        start_jitter_ms = d.pop("start_jitter_ms", UNSET)

        status = d.pop("status", UNSET)

        timeout_ms = d.pop("timeout_ms", UNSET)

        timezone = d.pop("timezone", UNSET)

        upcoming_runs = d.pop("upcoming_runs", UNSET)

        updated_at = d.pop("updated_at", UNSET)

        waiting = d.pop("waiting", UNSET)

        def _parse_windows(data: object) -> list[JobUpdateWindowsType0Item] | None | Unset:
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
                    windows_type_0_item = JobUpdateWindowsType0Item.from_dict(windows_type_0_item_data)

                    windows_type_0.append(windows_type_0_item)

                return windows_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[JobUpdateWindowsType0Item] | None | Unset, data)

        windows = _parse_windows(d.pop("windows", UNSET))

        job_update = cls(
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
            executions=executions,
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
            notify_secret=notify_secret,
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
        )

        return job_update
