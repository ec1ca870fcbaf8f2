"""The audit log's vocabulary and its pure rules: who acts, the actions, and how a
change is written down ({field: {"before": x, "after": y}}).

This module decides what an entry says (``entry`` makes the ``AuditRecord`` a use case
hands the store); the store writes it in the same transaction as the change it records,
and decides nothing of it. ``shown`` is how the API lists an entry, applied where the
log is read for the API (``JobService.list_audit``), not in the store.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobsched.domain.audit_record import AuditRecord
from jobsched.domain.redaction import redact

ACTIONS = (
    "create",
    "update",
    "delete",
    "pause",
    "resume",
    "trigger",
    "cancel",
    "retry",
    "redrive",
    "dlq_delete",
    "key_create",
    "key_revoke",
    "backfill",
)
TARGET_TYPES = ("job", "execution", "dead_letter", "key", "workflow", "workflow_run", "calendar")

JOB_FIELDS = (
    "name",
    "description",
    "handler",
    "payload",
    "schedule",
    "timezone",
    "priority",
    "max_retries",
    "timeout_ms",
    "retry_backoff_ms",
    "retry_backoff_max_ms",
    "overlap_policy",
    "dst_gap",
    "dst_overlap",
    "run_at",
    "catch_up",
    "catch_up_window_s",
    "catch_up_max",
    "start_jitter_ms",
    "max_start_delay_ms",
    "max_duration_ms",
    "notify_url",
    "calendar",
    "non_business_day",
    "business_day_rule",
    "windows",
    "blackouts",
    "outside_window",
    "on_window_close",
    "start_at",
    "end_at",
    "max_runs",
    "status",
)
CALENDAR_FIELDS = (
    "version",
    "timezone",
    "weekdays",
    "holidays",
    "dates",
    "ics",
    "windows",
    "blackouts",
)
"""What the log says of a calendar (its body as the API shows it, and its version)."""
DEAD_LETTER_FIELDS = ("execution_id", "job_id", "reason", "error", "attempts")
KEY_FIELDS = ("name", "scope", "rate_limit_per_minute")
"""What the log says of an API key: never the key, nor its hash."""
MAX_VALUE_BYTES = 4096
"""A value (a payload, trigger overrides) bigger than this as JSON is stored as its size
and digest: the log must not grow by a whole payload on every edit."""

SECURITY_FIELDS = ("url", "method", "command", "args", "cwd")
"""Payload fields that decide where a run sends or what it runs: always in the log in
full, however big the payload around them (the job's ``handler`` is a field of its own)."""

ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""What a key id or target id looks like (machine-made tokens such as UUIDs), so a filter
never carries NUL, surrogates or unbounded text to PostgreSQL (``contract.AuditQuery``)."""

SYSTEM_ACTOR = "system"
"""Who acts when the core is used without an API caller (the CLI's local commands,
tests, benchmarks)."""


def key_id(key: str) -> str:
    """A stable id for an API key from API_KEYS that does not reveal the key."""
    return "env-" + hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Audit:
    """Who asked for a change and which action it was; passed into the use cases that
    change state, which add the target and the changes (``entry``)."""

    key_id: str
    action: str


def entry(
    audit: Audit | None, target_type: str, target_id: Any, changes: dict[str, Any]
) -> AuditRecord | None:
    """The entry to write for a change, or None: nothing is logged without a caller
    (``audit`` None: the tick, the worker) or without a change."""
    if audit is None or not changes:
        return None
    return AuditRecord(audit.key_id, audit.action, target_type, str(target_id), changes)


def cap(value: Any) -> Any:
    """``value`` as JSON, or ``{"truncated", "bytes", "sha256"}`` when it is too big."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = json.dumps(value, sort_keys=True, default=str)
    if len(text.encode()) <= MAX_VALUE_BYTES:
        return value
    raw = text.encode()
    return {"truncated": True, "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def cap_payload(payload: Any) -> Any:
    """A payload as the log keeps it: secrets redacted (``jobsched.domain.redaction``),
    then capped like any value; a capped payload keeps its security-relevant fields
    (``SECURITY_FIELDS``) in full, so padding a payload never hides where a run sends
    or what it runs."""
    visible = redact(payload)
    capped = cap(visible)
    if isinstance(visible, dict) and isinstance(capped, dict) and capped is not visible:
        kept = {f: visible[f] for f in SECURITY_FIELDS if f in visible}
        if kept:
            capped["kept"] = kept
    return capped


def _value(field: str, value: Any) -> Any:
    return cap_payload(value) if field == "payload" else cap(value)


def created(row: dict[str, Any], fields: tuple[str, ...] = JOB_FIELDS) -> dict[str, Any]:
    return {f: {"after": _value(f, row[f])} for f in fields}


def deleted(row: dict[str, Any], fields: tuple[str, ...] = JOB_FIELDS) -> dict[str, Any]:
    return {f: {"before": _value(f, row[f])} for f in fields}


def diff(
    before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...] = JOB_FIELDS
) -> dict[str, Any]:
    """The fields whose value changed, with both values."""
    return {
        f: {"before": _value(f, before[f]), "after": _value(f, after[f])}
        for f in fields
        if before[f] != after[f]
    }


def status_change(before: str, after: str) -> dict[str, Any]:
    return {"status": {"before": before, "after": after}}


def requeued(before: str, after: str, dead_letter_id: Any | None) -> dict[str, Any]:
    """A run sent back to the queue; a retry of a FAILED run (and every redrive) also
    removed its dead-letter entry (``dead_letter_id``)."""
    change = status_change(before, after)
    if dead_letter_id is not None:
        change["dead_letter_id"] = {"before": str(dead_letter_id), "after": None}
    return change


def revoked(revoked_at: datetime, key_id: Any, asked: Any) -> dict[str, Any]:
    """A key revoked; one revoked with the key that created it (``asked``) says so."""
    change: dict[str, Any] = {"revoked_at": {"before": None, "after": revoked_at.isoformat()}}
    if str(key_id) != str(asked):
        change["revoked_with"] = {"after": str(asked)}
    return change


def backfilled(execution_ids: Sequence[str], start: datetime, end: datetime) -> dict[str, Any]:
    """The runs a backfill created and the range it was asked for."""
    return {
        "executions": {"after": list(execution_ids)},
        "range": {"after": {"start": start.isoformat(), "end": end.isoformat()}},
    }


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON can hold them (times as ISO text)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def triggered(execution_ids: Sequence[str], runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The runs a trigger created, and its payload/priority overrides if it had any:
    each run's own, its payload as ``cap_payload`` keeps it (a batch of padded payloads
    still shows each run's URL or command)."""
    change: dict[str, Any] = {"executions": {"after": list(execution_ids)}}
    if any(runs):
        overrides = [{k: _value(k, v) for k, v in run.items()} for run in runs]
        change["overrides"] = {"after": overrides}
    return change


def shown(changes: dict[str, Any]) -> dict[str, Any]:
    """An entry's changes as the API lists them: secrets redacted, whenever the entry
    was written (entries from before redaction may hold a webhook's credentials)."""
    return redact(changes)
