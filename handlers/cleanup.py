"""``system.cleanup``: delete finished executions older than a retention period.

Payload::

    {"retention_days": 30,                               # number >= 1; default RETENTION_DAYS
     "statuses": ["SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"]}  # terminal ones only

The scheduler creates one such job itself (``system-cleanup``, daily, empty payload, so
``RETENTION_DAYS`` decides). Only terminal statuses can be named, so a run still in
flight is never deleted under a worker's feet, and executions with a dead-letter entry
are kept until an operator redrives or deletes the entry. Deleting is the store's
job (``delete_executions_older_than``); this handler only turns the payload into a
cutoff, which makes it a deterministic function of ``now`` for tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers._payload import check_object, is_number, require_valid
from jobsched.clock import Clock, SystemClock
from jobsched.domain.states import TERMINAL
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import Handler, HandlerContext, HandlerRegistry

NAME = "system.cleanup"
FIELDS = ("retention_days", "statuses")
MIN_RETENTION_DAYS = 1
"""Less would delete runs that just finished (``1e-9`` deletes every finished run and
every idempotency key): narrower deletions are ``DELETE /jobs/{id}``'s job."""
MAX_RETENTION_DAYS = 100 * 366
TERMINAL_STATUSES = sorted(status.value for status in TERMINAL)

_system_clock = SystemClock()


def validate(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    """Problems with a cleanup payload, by field; empty when it can run."""
    problems = check_object(payload, FIELDS)
    if "payload" in problems:
        return problems
    if "retention_days" in payload:
        days = payload["retention_days"]
        if not is_number(days) or not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
            problems["payload.retention_days"] = (
                f"must be a number of days from {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS}"
            )
    if "statuses" in payload:
        statuses = payload["statuses"]
        wrong = (
            [s for s in statuses if not isinstance(s, str) or s.upper() not in TERMINAL_STATUSES]
            if isinstance(statuses, list)
            else None
        )
        if wrong is None or not statuses or wrong:
            problems["payload.statuses"] = (
                "must be a non-empty list of finished statuses: " + ", ".join(TERMINAL_STATUSES)
            )
    return problems


def run(
    payload: dict[str, Any], ctx: HandlerContext, clock: Clock = _system_clock
) -> dict[str, Any]:
    """Delete finished executions older than ``retention_days``; returns how many."""
    require_valid(validate(payload, ctx.handler_settings))
    if ctx.store is None:
        raise RuntimeError("system.cleanup needs the store")
    ctx.check()
    now = clock.now()
    audit = _trim_audit(ctx, now)
    days = payload.get("retention_days", ctx.settings.retention_days)
    if not days:  # RETENTION_DAYS=0: history is kept forever
        return {"deleted": 0, "cutoff": None, "statuses": [], **audit}
    # Upper-cased and de-duplicated, keeping the order given.
    statuses = list(dict.fromkeys(s.upper() for s in payload.get("statuses", TERMINAL_STATUSES)))
    cutoff = now - timedelta(days=days)
    deleted = ctx.store.retention.delete_executions_older_than(cutoff, statuses)
    ctx.logger.info(f"system.cleanup deleted {deleted} executions finished before {cutoff}")
    return {
        "deleted": int(deleted),
        "cutoff": cutoff.isoformat(),
        "statuses": statuses,
        **audit,
    }


def _trim_audit(ctx: HandlerContext, now: datetime) -> dict[str, Any]:
    """Delete audit entries older than AUDIT_RETENTION_DAYS (a setting, never a payload
    field: the log of who did what is not shortened by whoever triggers the cleanup)."""
    days = ctx.settings.audit_retention_days
    if not days:  # AUDIT_RETENTION_DAYS=0: the audit log is kept forever
        return {"audit_deleted": 0, "audit_cutoff": None}
    cutoff = now - timedelta(days=days)
    deleted = ctx.store.retention.delete_audit_older_than(cutoff)
    ctx.logger.info(f"system.cleanup deleted {deleted} audit entries from before {cutoff}")
    return {"audit_deleted": int(deleted), "audit_cutoff": cutoff.isoformat()}


def register(registry: HandlerRegistry) -> None:
    registry.add(
        Handler(
            NAME,
            run,
            validate,
            "Delete finished executions older than retention_days (default RETENTION_DAYS).",
        )
    )
