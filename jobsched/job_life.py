"""The use cases of a job's life cycle: create, an edit (its next run), a pause or
resume, delete. Each opens its unit of work, reads the job locked, decides with
jobsched/domain/lifecycle.py, writes through the store, decides the audit entry from
what was written (jobsched/domain/audit.py) and writes it in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from jobsched.domain import audit as changes
from jobsched.domain import job_calendar, ledger, lifecycle
from jobsched.domain.audit import Audit
from jobsched.domain.models import Job
from jobsched.errors import ConflictError, ValidationError
from jobsched.store import Store
from jobsched.store.database import describe_error, parse_uuid
from jobsched.store.jobs import NameTaken
from jobsched.store.rows import job_from_row


@contextmanager
def _unique_name() -> Iterator[None]:
    """A name another job has (the store's ``NameTaken``) is the caller's 409, naming
    the field."""
    try:
        yield
    except NameTaken as taken:
        raise ConflictError(
            f"a job named {taken.name!r} already exists", fields={"name": "already exists"}
        ) from None


def rules(store: Store, conn: Any, job: dict[str, Any]) -> job_calendar.Rules | None:
    """A job's calendar rules (``job_calendar``), its calendar read in the caller's
    transaction; a calendar that does not exist is the caller's 400 naming the field."""
    calendar = None
    if job.get("calendar"):
        row = store.calendars.find(conn, job["calendar"])
        if row is None:
            raise ValidationError({"calendar": "no calendar has this name"})
        calendar = job_calendar.calendar_of_row(row)
    return job_calendar.rules_of(job, calendar)


def update_job(
    store: Store, job_id: str, data: dict[str, Any], now: datetime, audit: Audit | None = None
) -> Job:
    """Write a validated edit; its next run is ``lifecycle.next_run_on_edit``'s. A job
    older than notify secrets gets one, shown in this answer (as when a job is created)."""
    jid = parse_uuid(job_id, "job")
    with _unique_name(), store.tx() as conn:
        current = store.jobs.for_update(conn, jid)
        next_run = lifecycle.next_run_on_edit(current, data, now, rules(store, conn, data))
        row = store.jobs.write_update(conn, current, data, next_run, now)
        entry = changes.entry(audit, "job", jid, changes.diff(current, row))
        store.audit.write(conn, entry, now)
    job = job_from_row(row)
    if current["notify_secret"] is None and row["notify_secret"]:
        job.notify_secret = row["notify_secret"]
    return job


def set_job_status(
    store: Store, job_id: str, status: str, now: datetime, audit: Audit | None = None
) -> Job:
    """Pause (``PAUSED``) or resume (``SCHEDULED``) a job; one already so is left as
    it is (nothing written, nothing audited)."""
    jid = parse_uuid(job_id, "job")
    with store.tx() as conn:
        current = store.jobs.for_update(conn, jid)
        if current["status"] == status:
            return job_from_row(current)
        change = lifecycle.status_change(
            current, status, now, describe_error, rules(store, conn, current)
        )
        row = store.jobs.write_status(conn, current, status, change, now)
        entry = changes.entry(audit, "job", jid, changes.status_change(current["status"], status))
        store.audit.write(conn, entry, now)
    return job_from_row(row)


def create_job(
    store: Store, data: dict[str, Any], now: datetime, audit: Audit | None = None
) -> Job:
    """Write a validated job, due first when ``lifecycle.first_run`` says. The answer
    shows its notify secret (the only one that does)."""
    with _unique_name(), store.tx() as conn:
        first = lifecycle.first_run(data, now, rules(store, conn, data))
        row = store.jobs.write_insert(conn, data, first, now)
        store.audit.write(conn, changes.entry(audit, "job", row["id"], changes.created(row)), now)
    job = job_from_row(row)
    job.notify_secret = row["notify_secret"]
    return job


def delete(store: Store, job_id: str, now: datetime, audit: Audit | None = None) -> list[str]:
    """Delete a job and its history; returns its unfinished runs' ids (for the caller
    to stop or drop them)."""
    jid = parse_uuid(job_id, "job")
    with store.tx() as conn:
        current = store.jobs.for_update(conn, jid)
        ids = store.jobs.write_delete(conn, jid)
        store.audit.write(conn, changes.entry(audit, "job", jid, changes.deleted(current)), now)
    return ids


def ensure_job(store: Store, data: dict[str, Any], now: datetime) -> Job | None:
    """Create a job unless one with its name exists; returns it only if created.
    Audited as the ``system`` caller, like any other creation."""
    try:
        return create_job(store, data, now, Audit("system", "create"))
    except ConflictError:
        return None


def ledger_row(r: dict[str, Any]) -> ledger.ExecutionRow:
    """A stored run as the ledger reads it."""
    return ledger.ExecutionRow(
        str(r["id"]), r["scheduled_for"], r["source"], r["status"], r["error"], r["created_at"]
    )


def occurrences(
    store: Store, job_id: str, since: datetime, until: datetime, limit: int, now: datetime
) -> tuple[Job, list[dict[str, Any]], bool]:
    """The ledger of a job's occurrences in ``since <= t < until`` (at most
    ``limit``): each expected one, and what became of it (``ledger.entries``)."""
    job, rows = store.jobs.occurrence_rows(job_id, since, until, limit + 1)
    recorded = [ledger_row(r) for r in rows[:limit]]
    try:
        calendar = None
        if job.get("calendar"):
            calendar = job_calendar.calendar_of_row(store.calendars.get(job["calendar"]))
        rules = job_calendar.rules_of(job, calendar)
        if rules is not None:
            dst = lifecycle.dst_rule(job)
            found, cut = job_calendar.between(job, rules, since, until, limit, dst)
    except (ValidationError, ValueError, OverflowError) as exc:
        # Stored rules (its own, or its calendar's) that no longer check: as next-runs.
        problem = job_calendar.stored_problem(exc)
        raise ConflictError(f"the job's schedule cannot be computed: {problem}") from None
    if rules is not None:
        items = ledger.calendar_entries(
            found, recorded, job["next_run_time"], now, job["created_at"]
        )
        more = len(rows) > limit or cut or len(items) > limit
        return job_from_row(job), items[:limit], more
    expected, dropped, cut = ledger.expected(job, since, until, limit)
    items = ledger.entries(expected, dropped, recorded, job["next_run_time"], now)
    more = len(rows) > limit or cut or len(items) > limit
    return job_from_row(job), items[:limit], more
