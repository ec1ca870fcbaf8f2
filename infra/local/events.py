"""Fire the template's schedules like EventBridge: real "Scheduled Event"s on rate/cron.

The schedule math is pure (``parse_schedule``, ``next_fire`` take the time as an
argument); ``ScheduleFirer`` is the thin threaded loop around it.

Differences from EventBridge, on purpose:

- every schedule fires once at start, so a fresh stack ticks at once instead of waiting
  up to a minute;
- one invocation per schedule at a time. The tick loops for almost its whole Timeout, so
  a fire that comes due while it still runs is held and delivered the moment it returns
  (several missed fires coalesce into one), rather than run beside it or dropped;
- ``rate(N seconds)`` is accepted (EventBridge's minimum is one minute), to test quickly.

On ``stop()`` each running invocation's context reports 0 ms remaining, so a handler that
honours its remaining time returns at its next check.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

from infra.local.context import ACCOUNT_ID, REGION, LocalLambdaContext
from infra.local.errors import LocalCloudError
from infra.local.runtime import FunctionRuntime
from infra.local.template import ScheduleSpec

log = logging.getLogger("infra.local.events")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.+)\)$", re.IGNORECASE)
_UNITS = {
    "second": 1, "seconds": 1,
    "minute": 60, "minutes": 60,
    "hour": 3600, "hours": 3600,
    "day": 86400, "days": 86400,
}  # fmt: skip
_AWS_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


# -- the schedule math -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    period: timedelta


@dataclass(frozen=True)
class Cron:
    """An EventBridge cron, translated to croniter's 5 fields, plus its year filter."""

    croniter_expression: str
    years: frozenset[int] | None  # None: every year


Schedule = Rate | Cron


def parse_schedule(expression: str) -> Schedule:
    """``rate(N unit)`` or EventBridge ``cron(min hour dom month dow year)``."""
    expression = expression.strip()
    if m := _RATE.match(expression):
        value, unit = int(m.group(1)), m.group(2).lower()
        if unit not in _UNITS or value <= 0:
            raise LocalCloudError(f"unsupported rate expression {expression!r}")
        return Rate(timedelta(seconds=value * _UNITS[unit]))
    if m := _CRON.match(expression):
        return _parse_cron(expression, m.group(1).split())
    raise LocalCloudError(f"schedule {expression!r} is neither rate(...) nor cron(...)")


def _parse_cron(expression: str, fields: list[str]) -> Cron:
    if len(fields) != 6:
        raise LocalCloudError(f"{expression!r}: EventBridge cron has 6 fields, got {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if "W" in dom.upper() or "L" in dow.upper():
        raise LocalCloudError(f"{expression!r}: W and day-of-week L are not supported locally")
    if dom != "?" and dow != "?":
        raise LocalCloudError(f"{expression!r}: one of day-of-month and day-of-week must be ?")
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else _dow_to_croniter(dow)
    croniter_expression = f"{minute} {hour} {dom} {month} {dow}"
    if not croniter.is_valid(croniter_expression):
        raise LocalCloudError(f"{expression!r} is not a valid cron expression")
    return Cron(croniter_expression, _years(expression, year))


def _dow_to_croniter(field: str) -> str:
    """EventBridge numbers days 1-7 from Sunday; cron numbers them 0-6."""

    def shift(token: str) -> str:
        day = _AWS_DAYS.get(token.upper()) or (int(token) if token.isdigit() else None)
        if day is None or not 1 <= day <= 7:
            raise LocalCloudError(f"bad day-of-week {token!r} (1-7 or SUN-SAT)")
        return str(day - 1)

    return re.sub(r"[A-Za-z]{3}|\d+", lambda m: _shift_keep_nth(m, shift), field)


def _shift_keep_nth(match: re.Match[str], shift: Callable[[str], str]) -> str:
    # In "3#2" (second Tuesday) only the day is a weekday number; the part after # is not.
    start = match.start()
    if start > 0 and match.string[start - 1] in "#/":
        return match.group(0)
    return shift(match.group(0))


def _years(expression: str, field: str) -> frozenset[int] | None:
    if field in {"*", "?"}:
        return None
    years: set[int] = set()
    for part in field.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise LocalCloudError(f"{expression!r}: unsupported year field {field!r}")
        years.update(range(int(low), int(high or low) + 1))
    return frozenset(years)


def next_fire(schedule: Schedule, after: datetime) -> datetime | None:
    """The first fire strictly after ``after`` (UTC); None when a cron's years are over."""
    if isinstance(schedule, Rate):
        return after + schedule.period
    itr = croniter(schedule.croniter_expression, after.astimezone(UTC))
    for _ in range(100_000):
        candidate: datetime = itr.get_next(datetime)
        if schedule.years is None or candidate.year in schedule.years:
            return candidate
        if candidate.year > max(schedule.years):
            return None
    return None


def rule_arn(rule_id: str, stack_name: str = "local") -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{stack_name}-{rule_id}"


def scheduled_event(arn: str, fire_time: datetime) -> dict[str, Any]:
    """The event EventBridge sends for one fire of a scheduled rule."""
    stamp = fire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        # Derived from rule and fire time, so a duplicate delivery is recognisable.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{stamp}")),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": stamp,
        "region": REGION,
        "resources": [arn],
        "detail": {},
    }


# -- the loop --------------------------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ScheduleFirer:
    """One thread per schedule; each fire runs in its own thread, one at a time."""

    def __init__(
        self,
        schedules: Sequence[ScheduleSpec],
        runtimes: Mapping[str, FunctionRuntime],
        *,
        stack_name: str = "local",
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._entries = [(s, parse_schedule(s.expression)) for s in schedules]
        self._runtimes = runtimes
        self._stack_name = stack_name
        self._now = now
        self._cond = threading.Condition()
        self._stopping = False
        self._loops: list[threading.Thread] = []
        self._running: dict[str, tuple[threading.Thread, LocalLambdaContext]] = {}
        self.fired: dict[str, int] = {s.rule_id: 0 for s in schedules}

    def start(self) -> None:
        for spec, schedule in self._entries:
            thread = threading.Thread(
                target=self._loop, args=(spec, schedule), name=f"schedule-{spec.rule_id}"
            )
            thread.daemon = True
            thread.start()
            self._loops.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        with self._cond:
            self._stopping = True
            running = list(self._running.values())
            self._cond.notify_all()
        for _, context in running:
            context.expire()
        for thread in self._loops:
            thread.join(timeout)
        for thread, _ in running:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s did not return within %.0fs of stop", thread.name, timeout)

    def _loop(self, spec: ScheduleSpec, schedule: Schedule) -> None:
        runtime = self._runtimes[spec.function.logical_id]
        arn = rule_arn(spec.rule_id, self._stack_name)
        due: datetime | None = self._now()
        while due is not None:
            with self._cond:
                delay = (due - self._now()).total_seconds()
                if delay > 0:
                    self._cond.wait_for(lambda: self._stopping, timeout=delay)
                # A fire that comes due while the previous one runs waits for it to end.
                self._cond.wait_for(lambda: self._stopping or spec.rule_id not in self._running)
                if self._stopping:
                    return
                self._fire(spec, runtime, arn, due)
            now = self._now()
            due = next_fire(schedule, due)
            while due is not None and due <= now:
                due = next_fire(schedule, due)  # missed fires coalesce into the one above

    def _fire(self, spec: ScheduleSpec, runtime: FunctionRuntime, arn: str, due: datetime) -> None:
        # Called with self._cond held.
        event = scheduled_event(arn, due)
        context = runtime.new_context()
        thread = threading.Thread(
            target=self._invoke,
            args=(spec, runtime, event, context),
            name=f"invoke-{spec.function.logical_id}",
            daemon=True,
        )
        self._running[spec.rule_id] = (thread, context)
        self.fired[spec.rule_id] += 1
        thread.start()

    def _invoke(
        self,
        spec: ScheduleSpec,
        runtime: FunctionRuntime,
        event: dict[str, Any],
        context: LocalLambdaContext,
    ) -> None:
        started = self._now()
        log.info("%s: fired by %s (%s)", spec.function.logical_id, spec.rule_id, event["time"])
        try:
            runtime.invoke(event, context)
        except Exception:
            log.exception("%s: scheduled invocation failed", spec.function.logical_id)
        else:
            seconds = (self._now() - started).total_seconds()
            log.info("%s: returned after %.1fs", spec.function.logical_id, seconds)
        finally:
            with self._cond:
                self._running.pop(spec.rule_id, None)
                self._cond.notify_all()
