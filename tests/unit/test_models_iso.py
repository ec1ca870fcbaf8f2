"""Times in API documents (``jobsched.domain.models.iso``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from jobsched.domain.models import Execution, iso


def test_equal_instants_in_other_zones_keep_their_own_offset() -> None:
    # iso remembers its last answer; the same instant in another zone is another text.
    utc = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    assert utc == paris
    assert iso(utc) == "2026-12-02T12:00:00+00:00"
    assert iso(paris) == "2026-12-02T13:00:00+01:00"
    assert iso(utc) == "2026-12-02T12:00:00+00:00"
    assert iso(None) is None


def test_runs_sharing_one_time_each_show_it() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    later = now + timedelta(seconds=1)
    runs = [
        Execution(
            id=f"e{i}",
            job_id="j",
            status="QUEUED",
            scheduled_for=when,
            priority=50,
            handler="test.echo",
            payload={},
            created_at=now,
            updated_at=now,
        )
        for i, when in enumerate([now, later, now])
    ]
    shown = [r.to_dict() for r in runs]
    assert [d["scheduled_for"] for d in shown] == [iso(now), iso(later), iso(now)]
    assert {d["created_at"] for d in shown} == {"2026-12-02T12:00:00+00:00"}
