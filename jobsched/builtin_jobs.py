"""Jobs the scheduler creates for itself on its first pass as leader.

Created once (by name); an operator may pause or reschedule them and the change is
kept. ``RETENTION_DAYS=0`` with ``AUDIT_RETENTION_DAYS=0`` creates no cleanup job
(history and the audit log are kept forever).
"""

from __future__ import annotations

from typing import Any

from jobsched.domain.models import DEFAULT_POOL
from jobsched.domain.validation import DEFAULTS
from jobsched.settings import Settings

CLEANUP_JOB = "system-cleanup"
CLEANUP_SCHEDULE = "17 3 * * *"
"""Daily at 03:17 UTC: off the hour, when fewer other jobs start."""


def builtin_jobs(settings: Settings) -> list[dict[str, Any]]:
    if settings.retention_days <= 0 and settings.audit_retention_days <= 0:
        return []
    cleanup = {
        **DEFAULTS,
        "name": CLEANUP_JOB,
        "handler": "system.cleanup",
        "description": "Built in: deletes finished executions older than RETENTION_DAYS "
        "(dead-letter entries are kept). Pause it, or set RETENTION_DAYS=0, to keep all.",
        # Empty: the handler reads RETENTION_DAYS, so changing the setting takes effect.
        "payload": {},
        "schedule": CLEANUP_SCHEDULE,
        "priority": 10,
        "timeout_ms": 15 * 60 * 1000,
        "pool": DEFAULT_POOL,
    }
    return [cleanup]
