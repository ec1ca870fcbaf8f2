"""Times in API documents (``jobsched.domain.plain``): as ``datetime.isoformat`` writes
them, whatever msgspec would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from jobsched.domain.models import Page
from jobsched.domain.plain import iso, plain
from jobsched.store.rows import execution_from_row, job_from_row


def test_equal_instants_in_other_zones_keep_their_own_offset() -> None:
    # iso remembers its last answer; the same instant in another zone is another text.
    utc = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    assert utc == paris
    assert iso(utc) == "2026-12-02T12:00:00+00:00"
    assert iso(paris) == "2026-12-02T13:00:00+01:00"
    assert iso(utc) == "2026-12-02T12:00:00+00:00"
    assert iso(None) is None


def _row(i: int, when: datetime, now: datetime) -> dict:
    return {
        "id": f"e{i}",
        "job_id": "j",
        "status": "QUEUED",
        "source": "trigger",
        "handler": "test.echo",
        "payload": {},
        "scheduled_for": when,
        "priority": 50,
        "attempt": 0,
        "max_retries": 3,
        "queued_at": None,
        "next_attempt_at": None,
        "error": None,
        "attempts": [{"number": 1, "worker_id": "w", "started_at": now.isoformat()}],
        "created_at": now,
        "updated_at": now,
    }


def test_runs_sharing_one_time_each_show_it() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    later = now + timedelta(seconds=1)
    runs = [execution_from_row(_row(i, when, now)) for i, when in enumerate([now, later, now])]
    shown = plain(runs)
    assert [d["scheduled_for"] for d in shown] == [iso(now), iso(later), iso(now)]
    assert {d["created_at"] for d in shown} == {"2026-12-02T12:00:00+00:00"}
    assert shown[0]["attempts"][0]["started_at"] == "2026-12-02T12:00:00+00:00"
    assert shown[0]["attempts"][0]["finished_at"] is None
    assert shown[0]["idempotency_key"] == "e0"  # a trigger's run written before keys


def test_a_field_left_unset_is_not_sent_and_pages_are_plain_all_the_way_down() -> None:
    # UNSET (a job's executions without include=executions, its notify_secret after
    # the answer that created it) is left out; a page's items are made plain too.
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    run = execution_from_row(_row(0, now, now))
    page = Page(next_cursor=None, total=1, items=[run])
    shown = plain(page)
    assert shown["items"][0]["scheduled_for"] == "2026-12-02T12:00:00+00:00"
    assert set(shown) == {"next_cursor", "total", "items"}
    job = job_from_row(_job_row(now))
    assert "executions" not in plain(job) and "notify_secret" not in plain(job)
    job.executions, job.notify_secret = page, "s"
    assert plain(job)["executions"] == shown and plain(job)["notify_secret"] == "s"
    assert plain(job)["created_at"] == "2026-12-02T12:00:00+00:00"


def test_the_json_values_of_a_model_are_shared_not_copied() -> None:
    # An answer of 500 runs must not copy 500 payloads: the dict sent holds the same one.
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    run = execution_from_row(_row(0, now, now))
    assert plain(run)["payload"] is run.payload


def _job_row(now: datetime) -> dict:
    return {
        "id": "j",
        "name": "n",
        "description": "",
        "handler": "test.echo",
        "payload": {},
        "schedule": None,
        "timezone": "UTC",
        "priority": 50,
        "max_retries": 3,
        "timeout_ms": 1000,
        "retry_backoff_ms": 1000,
        "retry_backoff_max_ms": 1000,
        "overlap_policy": "allow",
        "status": "SCHEDULED",
        "next_run_time": None,
        "last_run_time": None,
        "created_at": now,
        "updated_at": now,
        "notify_secret": "never shown by a read",
    }
