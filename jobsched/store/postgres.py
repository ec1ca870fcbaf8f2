"""The PostgreSQL store. Every method takes ``now``; every write is one transaction.

State changes are guarded UPDATEs (``WHERE status ... AND lease_token = ...``), so a
stale worker or a second tick cannot overwrite a newer decision.

``Store`` only composes the repositories, one module per aggregate (each with one
reason to change), over one connection pool (``database.Database``).
"""

from __future__ import annotations

from jobsched.domain.run_writes import Finish, Recorded
from jobsched.store.audit_log import AuditLog
from jobsched.store.catalog import PublishedHandlers
from jobsched.store.database import Database, Page, parse_uuid
from jobsched.store.dead_letter import DeadLetters
from jobsched.store.executions import Executions
from jobsched.store.jobs import JOB_SORTS, Jobs
from jobsched.store.notifications import Notifications
from jobsched.store.outbox import Outbox
from jobsched.store.retention import Retention
from jobsched.store.runs import Runs
from jobsched.store.schedule import Schedule
from jobsched.store.stats import Stats
from jobsched.store.triggers import Triggers

__all__ = [
    "JOB_SORTS",
    "Database",
    "Finish",
    "Page",
    "Recorded",
    "Store",
    "parse_uuid",
]


class Store(
    Jobs,
    Schedule,
    Triggers,
    Outbox,
    Runs,
    Executions,
    PublishedHandlers,
    Notifications,
    DeadLetters,
    AuditLog,
    Stats,
    Retention,
):
    """Every repository over one pool: what the API, the tick and the workers hold."""
