"""The PostgreSQL store. Every method takes ``now``; every write is one transaction.

State changes are guarded UPDATEs (``WHERE status ... AND lease_token = ...``), so a
stale worker or a second tick cannot overwrite a newer decision.

``Store`` is the connection pool (``database.Database``) and composes the repositories,
one module per aggregate (each with one reason to change): ``store.jobs``,
``store.schedule``, ``store.triggers``, ``store.outbox``, ``store.attempts``,
``store.executions``, ``store.handlers``, ``store.notifications``, ``store.dead_letter``,
``store.audit``, ``store.stats``, ``store.retention``, ``store.partitions``.
"""

from __future__ import annotations

from jobsched.domain.execution_writes import Finish, Recorded
from jobsched.store.attempts import Attempts
from jobsched.store.audit_log import AuditLog
from jobsched.store.calendars import Calendars
from jobsched.store.catalog import PublishedHandlers
from jobsched.store.database import Database, StoredPage, parse_uuid
from jobsched.store.dead_letter import DeadLetters
from jobsched.store.executions import Executions
from jobsched.store.flow_runs import FlowRuns
from jobsched.store.jobs import JOB_SORTS, Jobs
from jobsched.store.notifications import Notifications
from jobsched.store.outbox import Outbox
from jobsched.store.partitions import Partitions
from jobsched.store.retention import Retention
from jobsched.store.schedule import Schedule
from jobsched.store.stats import Stats
from jobsched.store.triggers import Triggers
from jobsched.store.workflows import Workflows

__all__ = [
    "JOB_SORTS",
    "Database",
    "Finish",
    "Recorded",
    "Store",
    "StoredPage",
    "parse_uuid",
]


class Store(Database):
    """The one pool (``Database``: ``tx``, ``statement``, ``time_limit``, ``ping``)
    and a repository per aggregate over it: what the API, the tick and the workers
    hold. A use case opens a unit of work with ``store.tx()`` and hands its connection
    to the repositories' steps (``store.jobs.for_update(conn, ...)``)."""

    def __init__(self, database_url: str, min_size: int = 1, max_size: int = 10) -> None:
        super().__init__(database_url, min_size, max_size)
        self.partitions = Partitions(self)
        self.calendars = Calendars(self)
        self.jobs = Jobs(self)
        self.schedule = Schedule(self)
        self.triggers = Triggers(self)
        self.flow = FlowRuns(self)
        self.outbox = Outbox(self)
        self.attempts = Attempts(self)
        self.executions = Executions(self)
        self.handlers = PublishedHandlers(self)
        self.notifications = Notifications(self)
        self.dead_letter = DeadLetters(self)
        self.audit = AuditLog(self)
        self.stats = Stats(self)
        self.retention = Retention(self, self.partitions)
        self.workflows = Workflows(self)
