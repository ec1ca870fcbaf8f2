"""system.cleanup: payload -> cutoff and statuses handed to the store.

The store method itself (a DELETE in PostgreSQL) is tested with the store, against a
real database; here a recorder stands in for it so the cutoff arithmetic is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers import cleanup
from jobsched.clock import FakeClock
from jobsched.settings import Settings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class RecordingStore:
    def __init__(self, deleted: int = 7) -> None:
        self.calls: list[tuple[datetime, list[str]]] = []
        self.audit_cutoffs: list[datetime] = []
        self.deleted = deleted

    @property
    def retention(self) -> RecordingStore:  # the store's retention repository
        return self

    def delete_executions_older_than(self, cutoff: datetime, statuses: list[str]) -> int:
        self.calls.append((cutoff, statuses))
        return self.deleted

    def delete_audit_older_than(self, cutoff: datetime) -> int:
        self.audit_cutoffs.append(cutoff)
        return 2


def test_defaults_delete_terminal_executions_older_than_30_days(make_ctx) -> None:
    store = RecordingStore()
    result = cleanup.run({}, make_ctx(store=store), clock=FakeClock(NOW))
    cutoff = NOW - timedelta(days=30)
    assert store.calls == [(cutoff, ["CANCELLED", "FAILED", "SKIPPED", "SUCCEEDED"])]
    assert result["deleted"] == 7
    assert result["cutoff"] == cutoff.isoformat()
    assert datetime.fromisoformat(result["cutoff"]).utcoffset() == timedelta(0)


def test_retention_and_statuses_from_the_payload(make_ctx) -> None:
    store = RecordingStore(deleted=0)
    payload = {"retention_days": 1.5, "statuses": ["succeeded", "SUCCEEDED", "FAILED"]}
    result = cleanup.run(payload, make_ctx(store=store), clock=FakeClock(NOW))
    assert store.calls == [(NOW - timedelta(hours=36), ["SUCCEEDED", "FAILED"])]
    assert result["deleted"] == 0


def test_the_audit_log_is_trimmed_by_the_setting_not_the_payload(make_ctx) -> None:
    store = RecordingStore()
    settings = Settings(audit_retention_days=90)
    result = cleanup.run(
        {"retention_days": 400}, make_ctx(store=store, settings=settings), clock=FakeClock(NOW)
    )
    assert store.audit_cutoffs == [NOW - timedelta(days=90)]
    assert result["audit_deleted"] == 2
    off = RecordingStore()
    cleanup.run(
        {}, make_ctx(store=off, settings=Settings(audit_retention_days=0)), clock=FakeClock(NOW)
    )
    assert off.audit_cutoffs == []


def test_needs_the_store(make_ctx) -> None:
    with pytest.raises(RuntimeError, match=r"^system.cleanup needs the store$"):
        cleanup.run({}, make_ctx())


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"retention_days": 0}, "payload.retention_days"),
        ({"retention_days": 1e-9}, "payload.retention_days"),  # every finished run
        ({"retention_days": 0.99}, "payload.retention_days"),
        ({"retention_days": -3}, "payload.retention_days"),
        ({"retention_days": "30"}, "payload.retention_days"),
        ({"retention_days": True}, "payload.retention_days"),
        ({"retention_days": float("inf")}, "payload.retention_days"),
        ({"statuses": "SUCCEEDED"}, "payload.statuses"),
        ({"statuses": []}, "payload.statuses"),
        ({"statuses": ["RUNNING"]}, "payload.statuses"),
        ({"statuses": ["SUCCEEDED", 3]}, "payload.statuses"),
        ({"retention": 30}, "payload.retention"),
    ],
)
def test_validation(payload: dict[str, Any], field: str) -> None:
    assert set(cleanup.validate(payload, Settings())) == {field}


def test_run_refuses_a_bad_payload_before_touching_the_store(make_ctx) -> None:
    store = RecordingStore()
    with pytest.raises(ValueError, match=r"payload.statuses"):
        cleanup.run({"statuses": ["QUEUED"]}, make_ctx(store=store))
    assert store.calls == []
