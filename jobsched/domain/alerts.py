"""Missed-run and SLA alerts, and the notifications a job's webhook receives, as pure
functions of values and ``now``.

A job may declare how late its run may start (``max_start_delay_ms``) and how long it
may take (``max_duration_ms``). A breach is recorded on the execution (its ``alerts``),
counted in ``/metrics`` and, when the job has a ``notify_url``, sent there; so are
failed attempts and dead-letter entries. Each notification is signed with the job's
own secret: ``X-Jobsched-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``
with ``X-Jobsched-Timestamp``, so the receiver can check who sent it and when.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

LATE_START = "late_start"
OVERRAN = "overran"
ATTEMPT_FAILED = "attempt_failed"
DEAD_LETTER = "dead_letter"
KINDS = (LATE_START, OVERRAN, ATTEMPT_FAILED, DEAD_LETTER)
"""What a job's notify_url is told of."""
BREACHES = (LATE_START, OVERRAN)
"""Which of them are recorded on the execution."""


def late_start(due: datetime, started: datetime, max_delay_ms: int | None) -> dict | None:
    """The alert of a run that started later than its job allows (None: in time)."""
    if max_delay_ms is None:
        return None
    late_ms = int((started - due).total_seconds() * 1000)
    if late_ms <= max_delay_ms:
        return None
    return _alert(LATE_START, started, f"started {late_ms} ms late (allowed {max_delay_ms} ms)")


def overran(started: datetime, finished: datetime, max_duration_ms: int | None) -> dict | None:
    """The alert of a run that took longer than its job allows (None: in time)."""
    if max_duration_ms is None:
        return None
    took_ms = int((finished - started).total_seconds() * 1000)
    if took_ms <= max_duration_ms:
        return None
    return _alert(OVERRAN, finished, f"took {took_ms} ms (allowed {max_duration_ms} ms)")


def _alert(kind: str, at: datetime, detail: str) -> dict[str, Any]:
    return {"kind": kind, "at": at.isoformat(), "detail": detail}


def event(
    kind: str, job_id: str, job_name: str, execution_id: str, detail: str | None, at: datetime
) -> dict[str, Any]:
    """The JSON body a job's notify_url receives."""
    return {
        "event": kind,
        "job_id": job_id,
        "job_name": job_name,
        "execution_id": execution_id,
        "detail": detail,
        "at": at.isoformat(),
    }


def body_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the job's secret of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """What a receiver does (documented here so both sides read the same rule)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def delivery_order(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notifications to send, oldest first; at one instant, a dead-letter entry is the
    last word on its run."""
    return sorted(rows, key=lambda r: (r["created_at"], r["kind"] == DEAD_LETTER))
