"""One stream of a job's occurrences under its calendar, windows and bounds
(jobsched/domain/job_calendar.py), and explain's answers (jobsched/domain/explain.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from jobsched.domain import explain, job_calendar, ledger
from jobsched.domain.bounds import Bounds
from jobsched.domain.calendars import calendar_from_dict
from jobsched.domain.ledger import ExecutionRow

CALENDAR = calendar_from_dict(
    {"name": "gb", "timezone": "Europe/London", "holidays": {"country": "GB"}}
)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def job(**over: Any) -> dict[str, Any]:
    base = {
        "schedule": "0 * * * *",
        "timezone": "UTC",
        "run_at": None,
        "dst_gap": "shift",
        "dst_overlap": "first",
        "windows": None,
        "blackouts": None,
        "outside_window": "defer",
        "calendar": None,
        "non_business_day": "skip",
        "business_day_rule": None,
        "start_at": None,
        "end_at": None,
        "max_runs": None,
        "status": "SCHEDULED",
        "next_run_time": None,
        "created_at": t("2026-01-01T00:00:00"),
    }
    return {**base, **over}


WINDOW = [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]


def test_a_job_without_rules_keeps_its_plain_schedule() -> None:
    assert job_calendar.rules_of(job(), None) is None


def test_occurrences_deferred_to_one_opening_start_once() -> None:
    j = job(windows=WINDOW)
    rules = job_calendar.rules_of(j, None)
    found = list(
        job_calendar.between(j, rules, t("2026-12-21T16:00"), t("2026-12-22T10:00"), 50)[0]
    )
    by_time = {o.at.strftime("%d %H"): o for o in found}
    assert (by_time["21 16"].outcome, by_time["21 16"].starts) == ("run", t("2026-12-21T16:00"))
    assert (by_time["21 17"].outcome, by_time["21 17"].starts) == (
        "deferred",
        t("2026-12-22T09:00"),
    )
    assert all(by_time[f"22 0{h}"].outcome == "merged" for h in range(9))
    assert by_time["22 09"].outcome == "merged", "its own time is the opening: one run"


def test_the_tick_merges_across_ticks_from_the_last_recorded_occurrence() -> None:
    j = job(windows=WINDOW)
    rules = job_calendar.rules_of(j, None)
    # The 17:00 occurrence was recorded (deferred) by an earlier tick.
    due = job_calendar.due(j, rules, t("2026-12-21T18:00"), t("2026-12-21T18:00"))
    assert [o.outcome for o in due.occurrences] == ["merged"]
    assert due.next_at == t("2026-12-22T10:00"), "the next occurrence that starts"


def test_bounds_drop_occurrences_and_end_the_schedule() -> None:
    j = job(start_at=t("2026-12-21T02:00"), end_at=t("2026-12-21T05:00"))
    rules = job_calendar.rules_of(j, None)
    assert rules.bounds == Bounds(t("2026-12-21T02:00"), t("2026-12-21T05:00"))
    ran = job_calendar.upcoming(j, rules, t("2026-12-21T00:00"), 10)
    assert [o.at.hour for o in ran] == [2, 3, 4]
    capped = job(max_runs=2)
    rules = job_calendar.rules_of(capped, None)
    assert len(job_calendar.upcoming(capped, rules, t("2026-12-21T00:00"), 10, runs_made=1)) == 1
    assert job_calendar.first_run(capped, rules, t("2026-12-21T00:00"), runs_made=2) is None


def test_a_window_that_never_opens_stops_the_search() -> None:
    j = job(windows=WINDOW, outside_window="skip", schedule="0 20 * * *")
    rules = job_calendar.rules_of(j, None)
    due = job_calendar.due(j, rules, t("2026-12-21T20:00"), t("2026-12-21T20:00"))
    assert [o.outcome for o in due.occurrences] == ["skipped"]
    assert due.next_at is not None and due.next_at > t("2030-01-01T00:00"), "looked far, then stops"


def _explain(
    j: dict[str, Any], when: str, rows: list[ExecutionRow] = (), now: str = "2026-12-31T00:00"
) -> dict[str, Any]:
    rules = job_calendar.rules_of(j, CALENDAR if j["calendar"] else None)
    located = explain.locate(j, rules, t(when))
    return explain.verdict(j, located, list(rows), t(now))


def test_explain_names_the_holiday_the_gap_and_the_nearest_occurrences() -> None:
    holiday = _explain(job(schedule="0 9 * * *", calendar="gb"), "2026-12-25T09:00")
    assert holiday["outcome"] == "skipped"
    assert holiday["reason"] == "2026-12-25 is not a business day (Christmas Day)"
    gap = job(schedule="30 1 * * *", timezone="Europe/London", dst_gap="skip")
    assert _explain(gap, "2026-03-29T01:00")["outcome"] == "skipped"  # 01:30 BST does not exist
    assert "does not exist" in _explain(gap, "2026-03-29T01:00")["reason"]
    nothing = _explain(job(schedule="0 9 * * *"), "2026-12-21T09:30")
    assert nothing["outcome"] == "not_an_occurrence"
    assert "2026-12-21T09:00:00+00:00" in nothing["reason"]
    assert "2026-12-22T09:00:00+00:00" in nothing["reason"]


def test_explain_reads_what_the_tick_recorded() -> None:
    j = job(schedule="0 9 * * *")
    skipped = ExecutionRow(
        "e1",
        t("2026-12-21T09:00"),
        "schedule",
        "SKIPPED",
        "overlap_policy=skip: the previous run was still unfinished",
        t("2026-12-21T09:00"),
    )
    answer = _explain(j, "2026-12-21T09:00", [skipped])
    assert (answer["outcome"], answer["execution_id"]) == ("skipped", "e1")
    assert "overlap_policy=skip" in answer["reason"]
    ran = ExecutionRow(
        "e2", t("2026-12-22T09:00"), "schedule", "SUCCEEDED", None, t("2026-12-22T09:00")
    )
    assert _explain(j, "2026-12-22T09:00", [ran])["outcome"] == "ran"
    assert _explain(j, "2027-01-05T09:00")["outcome"] == "upcoming"


def _ledger(j: dict[str, Any], rows: list[ExecutionRow], created: str) -> dict[str, Any]:
    rules = job_calendar.rules_of(j, CALENDAR)
    found, _ = job_calendar.between(j, rules, t("2026-12-23T00:00"), t("2026-12-30T00:00"), 50)
    items = ledger.calendar_entries(
        found, rows, t("2026-12-30T09:00"), t("2026-12-29T12:00"), t(created)
    )
    return {i["scheduled_for"][:10]: i for i in items}


def test_the_ledger_says_what_the_calendar_did_to_each_occurrence() -> None:
    j = job(schedule="0 9 * * *", calendar="gb", non_business_day="next")
    ran = ExecutionRow(
        "e29", t("2026-12-29T09:00"), "schedule", "SUCCEEDED", None, t("2026-12-29T09:00")
    )
    by_day = _ledger(j, [ran], created="2026-12-27T00:00")
    # Before the job existed: nothing listed but what its calendar would have skipped...
    assert "2026-12-23" not in by_day and "2026-12-24" not in by_day
    # ...the closed days moved to the 29th, where that day's own run is the one run.
    christmas = by_day["2026-12-25"]
    assert (christmas["outcome"], christmas["execution_id"]) == ("skipped", "e29")
    assert christmas["reason"].startswith("2026-12-25 is not a business day (Christmas Day)")
    assert "merged into the run" in christmas["reason"]
    assert (by_day["2026-12-29"]["outcome"], by_day["2026-12-29"]["reason"]) == ("ran", None)


@pytest.mark.timeout(10)
def test_a_frequent_schedule_that_starts_far_ahead_is_not_walked_until_then() -> None:
    j = job(schedule="* * * * * *", start_at=t("2027-06-01T00:00"))
    rules = job_calendar.rules_of(j, None)
    assert job_calendar.first_run(j, rules, t("2026-12-21T00:00")) == t("2027-06-01T00:00")


def _occ(
    scheduled: str,
    at: str | None = None,
    *,
    starts: bool = True,
    outcome: str = "run",
    reason: str | None = None,
    recorded: bool = True,
) -> job_calendar.JobOccurrence:
    at_time = t(at or scheduled)
    return job_calendar.JobOccurrence(
        t(scheduled), at_time, at_time if starts else None, outcome, reason, recorded
    )


def _row(eid: str, when: str, source: str = "schedule", status: str = "SUCCEEDED") -> ExecutionRow:
    return ExecutionRow(eid, t(when), source, status, None, t(when))


def _item(
    when: str, outcome: str, eid: str | None = None, status: str | None = None, reason=None
) -> dict[str, Any]:
    return {
        "scheduled_for": t(when).isoformat(),
        "outcome": outcome,
        "execution_id": eid,
        "status": status,
        "reason": reason,
    }


def test_each_kind_of_occurrence_has_its_ledger_entry_in_schedule_order() -> None:
    """calendar_entries branch by branch, whole entries compared: created on the 27th,
    read on the 29th at noon, next run the 30th at 09:00."""
    occurrences = [
        _occ("2026-12-24T09:00"),  # before the job, not recorded, would run: not listed
        _occ("2026-12-25T09:00", starts=False, outcome="skipped", reason="closed"),
        _occ("2026-12-26T09:00"),  # before the job, but backfilled: listed
        _occ("2026-12-27T00:00"),  # the job's own first instant: no longer before it
        _occ(
            "2026-12-28T08:00",
            "2026-12-28T09:00",
            starts=False,
            outcome="merged",
            reason="merged into the 09:00 run",
        ),
        _occ(
            "2026-12-28T10:00",
            "2026-12-28T11:00",
            starts=False,
            outcome="skipped",
            reason="outside its window",
        ),
        _occ(
            "2026-12-29T07:00",
            "2026-12-29T09:00",
            starts=False,
            outcome="merged",
            reason="merged",
            recorded=False,
        ),
        _occ("2026-12-29T08:00", "2026-12-29T09:00", outcome="moved", reason="moved to 09:00"),
        _occ("2026-12-30T09:00"),  # at the next run time: upcoming
    ]
    rows = [
        _row("b26", "2026-12-26T09:00", source="backfill"),
        _row("e28", "2026-12-28T09:00"),
        _row("s28", "2026-12-28T11:00", status="SKIPPED"),
        _row("e29", "2026-12-29T09:00"),
        _row("old", "2026-12-28T15:00"),  # made under an earlier calendar
    ]
    found = ledger.calendar_entries(
        occurrences, rows, t("2026-12-30T09:00"), t("2026-12-29T12:00"), t("2026-12-27T00:00")
    )
    assert found == [
        _item("2026-12-25T09:00", "skipped", reason="closed"),
        _item("2026-12-26T09:00", "backfilled", "b26", "SUCCEEDED"),
        _item("2026-12-27T00:00", "missed", reason=ledger.NOT_RECORDED),
        _item("2026-12-28T08:00", "skipped", "e28", "SUCCEEDED", "merged into the 09:00 run"),
        _item("2026-12-28T10:00", "skipped", reason="outside its window"),
        _item("2026-12-28T15:00", "ran", "old", "SUCCEEDED"),
        _item("2026-12-29T07:00", "skipped", "e29", "SUCCEEDED", "merged"),
        _item("2026-12-29T08:00", "ran", "e29", "SUCCEEDED", "moved to 09:00"),
        _item("2026-12-30T09:00", "upcoming"),
    ]
    # With no creation time known, every occurrence is listed.
    (first,) = ledger.calendar_entries(
        occurrences[:1], [], t("2026-12-30T09:00"), t("2026-12-29T12:00")
    )
    assert first == _item("2026-12-24T09:00", "missed", reason=ledger.NOT_RECORDED)


def test_a_moved_occurrences_reasons_are_joined() -> None:
    """What the rules did and what the tick recorded, both said."""
    skipped = ExecutionRow(
        "s1",
        t("2026-12-28T09:00"),
        "schedule",
        "SKIPPED",
        "overlap_policy=skip",
        t("2026-12-28T09:00"),
    )
    (item,) = ledger.calendar_entries(
        [_occ("2026-12-28T08:00", "2026-12-28T09:00", outcome="moved", reason="moved")],
        [skipped],
        None,
        t("2026-12-29T12:00"),
    )
    assert item == _item(
        "2026-12-28T08:00", "skipped", "s1", "SKIPPED", "moved; overlap_policy=skip"
    )


def test_an_old_run_at_a_moved_occurrences_own_time_is_listed_beside_it() -> None:
    """A run the job's earlier calendar made at 09:00, and today's 09:00 occurrence moved
    to 10:00: two entries at 09:00, in a stable order; a backfilled one says so."""
    found = ledger.calendar_entries(
        [_occ("2026-12-28T09:00", "2026-12-28T10:00", outcome="moved", reason="moved")],
        [_row("old", "2026-12-28T09:00"), _row("b27", "2026-12-27T09:00", source="backfill")],
        t("2026-12-30T09:00"),
        t("2026-12-29T12:00"),
    )
    assert found == [
        _item("2026-12-27T09:00", "backfilled", "b27", "SUCCEEDED"),
        _item("2026-12-28T09:00", "missed", reason=f"moved; {ledger.NOT_RECORDED}"),
        _item("2026-12-28T09:00", "ran", "old", "SUCCEEDED"),
    ]


def test_an_occurrence_at_or_after_the_next_run_time_is_upcoming_even_if_past() -> None:
    """The tick has not reached it yet (its next_run_time is behind the clock)."""
    (item,) = ledger.calendar_entries(
        [_occ("2026-12-29T11:00")], [], t("2026-12-29T10:00"), t("2026-12-29T12:00")
    )
    assert item == _item("2026-12-29T11:00", "upcoming")
