"""The occurrence ledger: what became of each expected occurrence of a job, as a pure
function of the expected fire times and the rows recorded for them.

Every occurrence ends visibly: ``ran`` (on time), ``caught_up`` (written late, after
downtime or a pause, and run), ``backfilled``, ``skipped`` with the reason the tick
recorded (paused, catch-up, overlap) or the DST rule that dropped it, ``missed`` (no
row: folded into a long outage's coalesced row), or ``upcoming``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobsched.domain import cron, lifecycle
from jobsched.domain.due import GRACE

DST_SKIPPED = "dst_gap=skip: this wall-clock time does not exist that day"
NOT_RECORDED = (
    "no run recorded: folded into a long outage's coalesced row, or due before the "
    "schedule last changed"
)


@dataclass(frozen=True)
class ExecutionRow:
    """One execution row of an occurrence."""

    id: str
    scheduled_for: datetime
    source: str
    status: str
    error: str | None
    created_at: datetime


def entries(
    expected: Iterable[datetime],
    dst_skipped: Iterable[datetime],
    rows: Iterable[ExecutionRow],
    next_run_time: datetime | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """One entry per occurrence (expected, dropped by DST, or recorded), oldest first."""
    scheduled: dict[datetime, ExecutionRow] = {}
    backfilled: dict[datetime, ExecutionRow] = {}
    for row in rows:
        (backfilled if row.source == "backfill" else scheduled)[row.scheduled_for] = row
    dropped = set(dst_skipped)
    times = sorted({*expected, *dropped, *scheduled, *backfilled})
    return [
        _entry(t, scheduled.get(t), backfilled.get(t), t in dropped, next_run_time, now)
        for t in times
    ]


def _as_entry(
    when: datetime, outcome: str, run: ExecutionRow | None, reason: str | None
) -> dict[str, Any]:
    return {
        "scheduled_for": when.isoformat(),
        "outcome": outcome,
        "execution_id": run.id if run else None,
        "status": run.status if run else None,
        "reason": reason,
    }


def _entry(
    when: datetime,
    row: ExecutionRow | None,
    backfill: ExecutionRow | None,
    dst_dropped: bool,
    next_run_time: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    if row is not None and row.status != "SKIPPED":
        late = row.created_at - when > GRACE
        return _as_entry(when, "caught_up" if late else "ran", row, None)
    if backfill is not None:
        return _as_entry(when, "backfilled", backfill, row.error if row else None)
    if row is not None:
        return _as_entry(when, "skipped", row, row.error)
    if dst_dropped:
        return _as_entry(when, "skipped", None, DST_SKIPPED)
    if when > now or (next_run_time is not None and when >= next_run_time):
        return _as_entry(when, "upcoming", None, None)
    return _as_entry(when, "missed", None, NOT_RECORDED)


def calendar_entries(
    occurrences: Iterable[Any],
    rows: Iterable[ExecutionRow],
    next_run_time: datetime | None,
    now: datetime,
    created_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The ledger of a job with a calendar, windows or bounds: one entry per
    occurrence (``job_calendar.JobOccurrence``, at its own time) with what its rules
    did to it as the reason (moved, deferred, a closed day, a window, merged), and one
    per recorded run no occurrence accounts for (made under an earlier calendar).
    Before ``created_at`` only what was recorded (a backfill) or what the rules skip is
    listed: an occurrence the job was not there to run is no missed one."""
    scheduled: dict[datetime, ExecutionRow] = {}
    backfilled: dict[datetime, ExecutionRow] = {}
    for row in rows:
        (backfilled if row.source == "backfill" else scheduled)[row.scheduled_for] = row
    found: list[tuple[datetime, dict[str, Any]]] = []
    used: set[datetime] = set()
    for occ in occurrences:
        row, backfill = scheduled.get(occ.at), backfilled.get(occ.at)
        used.add(occ.at)
        before_job = created_at is not None and occ.at < created_at
        if before_job and row is None and backfill is None and occ.starts is not None:
            continue
        if occ.starts is None and occ.recorded and backfill is None:
            # Skipped by the rules; a merged one names the run it went into.
            run = row if row is not None and occ.outcome == "merged" else None
            item = _as_entry(occ.scheduled, "skipped", run, occ.reason)
        else:
            item = _entry(occ.at, row, backfill, False, next_run_time, now)
            item["scheduled_for"] = occ.scheduled.isoformat()
            if occ.starts is None:  # merged into the run recorded at the same time
                item["outcome"] = "skipped"
            item["reason"] = "; ".join(p for p in (occ.reason, item["reason"]) if p) or None
        found.append((occ.scheduled, item))
    for t in sorted({*scheduled, *backfilled} - used):
        found.append((t, _entry(t, scheduled.get(t), backfilled.get(t), False, next_run_time, now)))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def expected(
    job: Any, since: datetime, until: datetime, limit: int
) -> tuple[list[datetime], list[datetime], bool]:
    """The occurrences a job (a mapping of its stored fields) expects in ``since <= t <
    until`` (from its creation on, at most ``limit``), those its ``dst_gap=skip`` rule
    drops, and whether there were more. A stored schedule that no longer computes (its
    schedule_error says why) expects none: the ledger shows what was recorded."""
    start = max(since, job["created_at"])
    if job["schedule"] and start < until:
        rule = lifecycle.dst_rule(job)
        schedule, tz = job["schedule"], job["timezone"]
        try:
            times, cut = cron.between(schedule, tz, start, until, limit, rule)
            dropped: list[datetime] = []
            if rule.gap == "skip":
                shifted, _ = cron.between(schedule, tz, start, until, limit, cron.DstRule())
                dropped = sorted(set(shifted) - set(times))
        except Exception:
            return [], [], False
        return times, dropped, cut
    if job["run_at"] and since <= job["run_at"] < until:
        return [job["run_at"]], [], False
    return [], [], False
