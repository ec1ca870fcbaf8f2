"""Why an occurrence of a job did, will or did not run: ``GET /jobs/{id}/explain?at=``.

Pure: the job's stored fields, its rules (``job_calendar``), the time asked about and
the runs recorded there in, an answer out. ``locate`` says where the occurrence at a
time is recorded (its calendar may move it) or why there is none; ``verdict`` reads
the run recorded there (the ledger's rows) and words the outcome:

- ``ran``: a run was recorded for it and started (``execution_id``; ``deferred_to``
  when a window held it first);
- ``skipped``: a closed day, a window (``outside_window: skip``), a bound, or what the
  tick recorded (a pause, catch-up, overlap), or a DST gap;
- ``deferred``: a window or blackout holds it; it starts at ``deferred_to``;
- ``upcoming``: not due yet;
- ``not_an_occurrence``: the schedule does not fire then; the reason names the
  nearest occurrences before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import business_schedule, cron, job_calendar, lifecycle, windows
from jobsched.domain.bounds import out_of_bounds
from jobsched.domain.ledger import DST_SKIPPED, ExecutionRow

RAN, SKIPPED, DEFERRED, UPCOMING, NOT_AN_OCCURRENCE = (
    "ran",
    "skipped",
    "deferred",
    "upcoming",
    "not_an_occurrence",
)
_TICK = timedelta(microseconds=1)
LOOK_BACK = timedelta(days=400)
"""How far back the nearest earlier occurrence is looked for."""


@dataclass(frozen=True)
class Located:
    """The occurrence at ``at``: recorded at ``record_at`` (None: it makes no run, or
    there is none), starting at ``starts``, with what the rules say (``reason``);
    ``answer`` set when the rules alone decide it."""

    at: datetime
    record_at: datetime | None
    starts: datetime | None
    reason: str | None
    answer: dict[str, Any] | None = None


def _answer(at: datetime, outcome: str, reason: str | None, **extra: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "outcome": outcome, "reason": reason, **extra}


def locate(job: Mapping[str, Any], rules: job_calendar.Rules | None, at: datetime) -> Located:
    """Where the occurrence at ``at`` is recorded, or the answer when there is none."""
    dst = lifecycle.dst_rule(job)
    plain = rules or job_calendar.Rules()
    fires = job_calendar.fires_from(job, plain, dst)
    first = next(fires(at - _TICK), None)
    if first != at:
        if dst.gap == "skip" and job.get("schedule"):
            shifted = job_calendar.fires_from(job, plain, cron.DstRule("shift", dst.overlap))
            if next(shifted(at - _TICK), None) == at:
                return Located(at, None, None, None, _answer(at, SKIPPED, DST_SKIPPED))
        return Located(at, None, None, None, _not_an_occurrence(job, fires, at, first, dst))
    if rules is None:
        return Located(at, at, at, None)
    why = out_of_bounds(at, job_calendar.Rules(bounds=rules.bounds).bounds)
    if why is not None:
        return Located(at, None, None, why, _answer(at, SKIPPED, why))
    record_at, reason = at, None
    if rules.calendar is not None and rules.business_day is None:
        resolved = business_schedule.resolve(at, rules.calendar, rules.non_business_day, dst)
        if resolved.outcome == business_schedule.SKIPPED:
            return Located(at, None, None, resolved.reason, _answer(at, SKIPPED, resolved.reason))
        record_at, reason = resolved.runs_at or at, resolved.reason
    starts: datetime | None = record_at
    if rules.window is not None:
        admission = windows.admit(record_at, rules.window)
        if admission.outcome == windows.SKIPPED:
            why = _join(reason, admission.reason)
            return Located(at, None, None, why, _answer(at, SKIPPED, why))
        if admission.outcome == windows.DEFERRED:
            starts = admission.at
            reason = _join(reason, f"{admission.reason} {admission.at.isoformat()}")  # type: ignore[union-attr]
    return Located(at, record_at, starts, reason)


def verdict(
    job: Mapping[str, Any],
    located: Located,
    rows: list[ExecutionRow],
    now: datetime,
) -> dict[str, Any]:
    """The answer for a located occurrence, from the runs recorded at its time."""
    if located.answer is not None:
        return located.answer
    at, reason = located.at, located.reason
    deferred = located.starts is not None and located.starts != located.record_at
    extra: dict[str, Any] = {}
    if deferred:
        extra["deferred_to"] = located.starts.isoformat()  # type: ignore[union-attr]
    ran = [r for r in rows if r.status != "SKIPPED"]
    if ran:
        row = ran[0]
        note = "backfilled" if row.source == "backfill" else None
        # Deferred while it waits for the opening; once it started, it ran (deferred_to
        # still says when it could).
        outcome = DEFERRED if deferred and row.status in ("PENDING", "QUEUED") else RAN
        return _answer(at, outcome, _join(reason, note), execution_id=row.id, **extra)
    if rows:
        return _answer(at, SKIPPED, _join(reason, rows[0].error), execution_id=rows[0].id)
    due = job.get("next_run_time")
    record_at = located.record_at or at
    if record_at > now or (due is not None and record_at >= due):
        if job.get("status") == lifecycle.PAUSED:
            reason = _join(reason, "the job is paused: it runs only if resumed before then")
        return _answer(at, DEFERRED if deferred else UPCOMING, reason, **extra)
    if job.get("status") == lifecycle.PAUSED:
        return _answer(at, SKIPPED, _join(reason, "the job is paused"))
    created = job.get("created_at")
    if created is not None and at < created:
        return _answer(at, SKIPPED, "before the job was created")
    return _answer(
        at,
        SKIPPED,
        _join(
            reason,
            "no run recorded for it (the schedule changed "
            "since, or it was folded into a long outage's record)",
        ),
    )


def _not_an_occurrence(
    job: Mapping[str, Any], fires: Any, at: datetime, after: datetime | None, dst: cron.DstRule
) -> dict[str, Any]:
    before = None
    if job.get("schedule"):  # searched back cheaply, however often it fires
        found = cron.latest(job["schedule"], job["timezone"], at - _TICK, 1, rule=dst)
        before = found[-1] if found else None
    else:
        for t in fires(at - LOOK_BACK):
            if t >= at:
                break
            before = t
    nearest = [
        f"the previous one at {before.isoformat()}" if before else "none before it",
        f"the next one at {after.isoformat()}" if after else "none after it",
    ]
    return _answer(
        at, NOT_AN_OCCURRENCE, f"the schedule does not fire then; {' and '.join(nearest)}"
    )


def _join(first: str | None, second: str | None) -> str | None:
    return "; ".join(p for p in (first, second) if p) or None
