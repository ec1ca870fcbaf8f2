"""The use cases of a job's life cycle that decide on the job as stored: an edit (its
next run) and a pause or resume. Each opens its unit of work, reads the job locked,
decides with jobsched/domain/lifecycle.py, writes through the store, and commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobsched.domain import lifecycle
from jobsched.domain.audit import Audit
from jobsched.domain.models import Job
from jobsched.store import Store
from jobsched.store.database import _describe, parse_uuid
from jobsched.store.rows import job_from_row


def update_job(
    store: Store, job_id: str, data: dict[str, Any], now: datetime, audit: Audit | None = None
) -> Job:
    """Write a validated edit; its next run is ``lifecycle.next_run_on_edit``'s."""
    jid = parse_uuid(job_id, "job")
    with store.tx() as conn:
        current = store.job_for_update(conn, jid)
        next_run = lifecycle.next_run_on_edit(current, data, now)
        row = store.write_job_update(conn, current, data, next_run, now, audit)
    return job_from_row(row)


def set_job_status(
    store: Store, job_id: str, status: str, now: datetime, audit: Audit | None = None
) -> Job:
    """Pause (``PAUSED``) or resume (``SCHEDULED``) a job; one already so is left as
    it is (nothing written, nothing audited)."""
    jid = parse_uuid(job_id, "job")
    with store.tx() as conn:
        current = store.job_for_update(conn, jid)
        if current["status"] == status:
            return job_from_row(current)
        change = lifecycle.status_change(current, status, now, _describe)
        row = store.write_job_status(conn, current, status, change, now, audit)
    return job_from_row(row)
