"""The use cases of a business calendar's life: create, read, list, change, delete
(issue 25). Each opens its unit of work, checks the body with
``domain.calendars.calendar_from_dict`` (every bad field named), writes through
``store.calendars``, and writes the audit entry in the same transaction. A change
re-plans every job that uses the calendar (their next run recomputed under the new
days, as ``lifecycle.first_run`` says) before it commits; deleting a calendar a job
uses is refused (409)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from jobsched.api import cursors
from jobsched.api.queries import CALENDAR_CURSOR
from jobsched.domain import audit as changes
from jobsched.domain import job_calendar, lifecycle, windows
from jobsched.domain.audit import Audit
from jobsched.domain.bounded import PAGE_BUDGET_BYTES
from jobsched.domain.calendars import (
    Calendar,
    calendar_from_dict,
    calendar_to_dict,
    is_business_day,
)
from jobsched.errors import ConflictError, ValidationError
from jobsched.store import Store
from jobsched.store.calendars import CalendarInUse, CalendarTaken
from jobsched.store.database import describe_error

MAX_DAYS = 366
"""The longest range of days one request lists (a year, leap or not)."""


def view(row: dict[str, Any], jobs: int = 0) -> dict[str, Any]:
    """A stored calendar as the API shows it."""
    body = job_calendar.calendar_body(row)
    holidays = body.get("holidays")
    return {
        **body,
        "holidays": {"subdivision": None, **holidays} if holidays else None,
        "ics": body.get("ics"),
        "windows": body.get("windows"),
        "blackouts": body.get("blackouts"),
        "version": row["version"],
        "jobs": jobs,
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def _logged(row: dict[str, Any]) -> dict[str, Any]:
    """The fields the audit log keeps of a calendar."""
    body = job_calendar.calendar_body(row)
    return {f: row["version"] if f == "version" else body.get(f) for f in changes.CALENDAR_FIELDS}


def _checked(body: Any, name: str | None = None) -> Calendar:
    if isinstance(body, dict) and name is not None:
        if body.get("name", name) != name:
            raise ValidationError(
                {"name": "must be the calendar's name in the path (a calendar is not renamed)"}
            )
        body = {**body, "name": name}
    problems = _window_problems(body)
    try:
        calendar = calendar_from_dict(body)
    except ValidationError as bad:
        raise ValidationError({**problems, **bad.fields}) from None
    if problems:
        raise ValidationError(problems)
    return calendar


def _window_problems(body: Any) -> dict[str, str]:
    """The calendar's ``windows`` and ``blackouts`` checked as a job's are, each bad one
    named (``windows[0].from``)."""
    if not isinstance(body, dict):
        return {}
    fields = {"windows": body.get("windows"), "blackouts": body.get("blackouts")}
    if fields == {"windows": None, "blackouts": None}:
        return {}
    try:
        windows.policy_from_dict(fields, "UTC")
    except ValidationError as bad:
        return dict(bad.fields)
    return {}


def create(store: Store, body: Any, now: datetime, audit: Audit | None) -> dict[str, Any]:
    calendar = _checked(body)
    try:
        with store.tx() as conn:
            row = store.calendars.write_insert(conn, calendar_to_dict(calendar), now)
            change = changes.created(_logged(row), changes.CALENDAR_FIELDS)
            store.audit.write(conn, changes.entry(audit, "calendar", row["name"], change), now)
    except CalendarTaken:
        raise ConflictError(
            "a calendar with this name already exists", fields={"name": "already exists"}
        ) from None
    return view(row)


def get(store: Store, name: str) -> dict[str, Any]:
    return view(store.calendars.get(name), store.calendars.usage(name))


def days(store: Store, name: str, since: date, until: date) -> dict[str, Any]:
    """Each day from ``since`` to ``until`` (included): a business day or not, and why
    not (``domain.calendars.is_business_day``), for a month view."""
    count = (until - since).days + 1
    if count < 1:
        raise ValidationError({"until": "must be on or after since"})
    if count > MAX_DAYS:
        raise ValidationError({"until": f"must be at most {MAX_DAYS} days from since, included"})
    row = store.calendars.get(name)
    try:
        calendar = job_calendar.calendar_of_row(row)
    except ValidationError as bad:
        problem = job_calendar.stored_problem(bad)
        raise ConflictError(
            f"the calendar as stored no longer checks ({problem}); PUT it"
        ) from None
    verdicts = [is_business_day(calendar, since + timedelta(days=i)) for i in range(count)]
    return {
        "name": calendar.name,
        "version": row["version"],
        "timezone": calendar.timezone,
        "items": [
            {"date": v.day.isoformat(), "business": v.business, "reason": v.reason}
            for v in verdicts
        ],
    }


def listing(store: Store, limit: int, after: list[Any] | None) -> dict[str, Any]:
    """A page of calendars by name (``limit`` at most, cut to the page's byte budget: an
    ICS text may weigh up to a megabyte), with the cursor of the next."""
    found = store.calendars.list(limit, after, view, PAGE_BUDGET_BYTES)
    items, next_cursor = cursors.cut(found, CALENDAR_CURSOR)
    return {"items": items, "next_cursor": next_cursor, "total": found.total}


def update(
    store: Store, name: str, body: Any, now: datetime, audit: Audit | None
) -> dict[str, Any]:
    """Change a calendar (a new version) and re-plan the jobs that use it."""
    calendar = _checked(body, name)
    with store.tx() as conn:
        before = store.calendars.for_update(conn, name)
        row = store.calendars.write_update(conn, calendar_to_dict(calendar), now)
        jobs = store.calendars.jobs_using(conn, name)
        store.calendars.write_replans(conn, replans(jobs, calendar, now))
        change = changes.diff(_logged(before), _logged(row), changes.CALENDAR_FIELDS)
        store.audit.write(conn, changes.entry(audit, "calendar", name, change), now)
    return view(row, len(jobs))


def replans(jobs: list[dict[str, Any]], calendar: Calendar, now: datetime) -> list[dict[str, Any]]:
    """Each scheduled job's next run under the changed calendar (from now: what is past
    was planned under the old one). A paused job keeps none (resuming computes it)."""
    found = []
    for job in jobs:
        if job["status"] != lifecycle.SCHEDULED:
            continue
        if not (job["schedule"] or job["business_day_rule"]) and job["next_run_time"] is None:
            continue  # a one-off job that ran, or one that only runs when triggered
        try:
            rules = job_calendar.rules_of(job, calendar)
            next_run, error = lifecycle.first_run(job, now, rules), None
        except Exception as exc:  # a job whose stored rules no longer compute is flagged
            next_run, error = now + lifecycle.SCHEDULE_ERROR_RETRY, describe_error(exc)
        found.append(
            {"id": job["id"], "next_run_time": next_run, "schedule_error": error, "now": now}
        )
    return found


def delete(store: Store, name: str, now: datetime, audit: Audit | None) -> None:
    """Delete a calendar no job uses (409 naming how many do)."""
    with store.tx() as conn:
        before = store.calendars.for_update(conn, name)
        using = store.calendars.jobs_using(conn, name)
        if using:
            raise ConflictError(
                f"{len(using)} job(s) use this calendar; point them elsewhere first",
                fields={"name": "in use"},
            )
        try:
            store.calendars.write_delete(conn, name)
        except CalendarInUse:  # a job took it up meanwhile
            raise ConflictError(
                "a job uses this calendar; point it elsewhere first", fields={"name": "in use"}
            ) from None
        change = changes.deleted(_logged(before), changes.CALENDAR_FIELDS)
        store.audit.write(conn, changes.entry(audit, "calendar", name, change), now)
