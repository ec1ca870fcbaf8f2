"""A job's schedule as the API shows it: its next runs (``GET /jobs/{id}/next-runs``, and
each job's ``upcoming_runs``), the next runs of an unsaved schedule (the preview), and
what became of an occurrence (``GET /jobs/{id}/explain``). Read: the job, its calendar,
its ledger rows; decide: ``domain.cron``, ``domain.job_calendar``, ``domain.explain``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from jobsched import job_life
from jobsched.domain import contract, cron, explain, job_calendar, windows
from jobsched.domain.models import Job
from jobsched.domain.validation import utc
from jobsched.errors import ConflictError, NotFoundError, ValidationError
from jobsched.store import Store


def _next_runs(
    times: list[datetime], tz_name: str, reasons: list[str | None] | None = None
) -> list[dict[str, Any]]:
    zone = cron.parse_timezone(tz_name)
    items = []
    for i, t in enumerate(times):
        local = t.astimezone(zone)
        reason = reasons[i] if reasons else None
        items.append(
            {
                "at": local.isoformat(),
                "utc": t.isoformat(),
                "utc_offset": _offset(local),
                "reason": reason,
            }
        )
    return items


def _offset(local: datetime) -> str:
    """``+01:00``: a time's UTC offset as ISO 8601 writes it."""
    minutes = int((local.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _rules(store: Store, job: Job) -> job_calendar.Rules | None:
    """The job's calendar rules, windows and bounds (None: it has none)."""
    calendar = None
    if job.calendar:
        calendar = job_calendar.calendar_of_row(store.calendars.get(job.calendar))
    return job_calendar.rules_of(msgspec.structs.asdict(job), calendar)


def upcoming_runs(
    store: Store, job: Job, after: datetime, count: int
) -> tuple[list[datetime], list[str | None]]:
    """A job's next start times in UTC, and why each is not at its schedule's own
    time (moved off a closed day, deferred to a window's opening)."""
    rules = _rules(store, job)
    if rules is None:
        return _upcoming(job, after, count), []
    fields = msgspec.structs.asdict(job)
    dst = cron.DstRule(job.dst_gap, job.dst_overlap)
    found = job_calendar.upcoming(fields, rules, after, count, dst, job.runs_made)
    return [o.starts for o in found], [o.reason for o in found]  # type: ignore[misc]


def _upcoming(job: Job, after: datetime, count: int) -> list[datetime]:
    """A job's next run times in UTC: its schedule's, or a one-off job's run."""
    if job.schedule:
        rule = cron.DstRule(job.dst_gap, job.dst_overlap)
        return cron.next_runs(job.schedule, job.timezone, after, count, rule)
    return [job.next_run_time] if job.next_run_time else []


def next_runs(store: Store, job_id: str, count: int, now: datetime) -> dict[str, Any]:
    """A job's next ``count`` runs, in its zone with their UTC offsets."""
    job = store.jobs.get(job_id)
    if job.status != "SCHEDULED":
        return {"schedule": job.schedule, "timezone": job.timezone, "items": []}
    try:
        times, reasons = upcoming_runs(store, job, now, count)
    except Exception as exc:
        # A stored schedule that no longer computes: the job says why.
        raise ConflictError(f"the job's schedule cannot be computed: {exc}") from None
    return {
        "schedule": job.schedule,
        "timezone": job.timezone,
        "items": _next_runs(times, job.timezone, reasons),
    }


def explain_at(store: Store, job_id: str, at: datetime, now: datetime) -> dict[str, Any]:
    """What became of the job's occurrence at ``at``, and why (``domain.explain``)."""
    job = store.jobs.get(job_id)
    fields = msgspec.structs.asdict(job)
    try:
        located = explain.locate(fields, _rules(store, job), at)
    except (ValueError, OverflowError, ValidationError) as exc:
        raise ConflictError(f"the job's schedule cannot be computed: {exc}") from None
    rows: list[Any] = []
    if located.answer is None and located.record_at is not None:
        until = located.record_at + timedelta(microseconds=1)
        _, found = store.jobs.occurrence_rows(job_id, located.record_at, until, 10)
        rows = [job_life.ledger_row(r) for r in found]
    return explain.verdict(fields, located, rows, now)


def preview_runs(store: Store, preview: contract.SchedulePreview, now: datetime) -> dict[str, Any]:
    """The next runs of an unsaved schedule, as a job with it would run."""
    rule = cron.DstRule(preview.dst_gap, preview.dst_overlap)
    after = utc(preview.after) or now
    fields = msgspec.structs.asdict(preview)
    rules = _preview_rules(store, fields)
    reasons: list[str | None] = []
    try:
        if rules is None:
            times = cron.next_runs(preview.schedule, preview.timezone, after, preview.count, rule)
        else:
            found = job_calendar.upcoming(fields, rules, after, preview.count, rule)
            times = [o.starts for o in found]  # type: ignore[misc]
            reasons = [o.reason for o in found]
    except (ValueError, OverflowError) as exc:
        raise ValidationError({"schedule": f"cannot be computed: {exc}"}) from None
    return {
        "schedule": " ".join(preview.schedule.split()),
        "timezone": preview.timezone,
        "items": _next_runs(times, preview.timezone, reasons),
    }


def _preview_rules(store: Store, fields: dict[str, Any]) -> job_calendar.Rules | None:
    """An unsaved schedule's calendar and windows, checked as a job's would be."""
    errors: dict[str, str] = {}
    windows_fields = {k: fields[k] for k in ("windows", "blackouts", "outside_window")}
    try:
        windows.policy_from_dict(windows_fields, fields["timezone"])
    except ValidationError as bad:
        errors.update(bad.fields)
    if fields["non_business_day"] != "skip" and not fields["calendar"]:
        errors["calendar"] = "required with non_business_day next or previous"
    calendar = None
    if fields["calendar"]:
        try:
            row = store.calendars.get(fields["calendar"])
            calendar = job_calendar.calendar_of_row(row)
        except NotFoundError:
            errors["calendar"] = "no calendar has this name"
    if errors:
        raise ValidationError(errors)
    return job_calendar.rules_of({**fields, "run_at": None}, calendar)
