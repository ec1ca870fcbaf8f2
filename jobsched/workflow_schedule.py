"""Scheduled workflows (issue 23): the tick's pass that gives each scheduled workflow
one run per occurrence of its schedule, with a job's schedule semantics, and the
occurrence use cases of the API (pause, resume, backfill, the ledger).

The rules are the jobs' own, reused: ``due.plan`` decides which occurrences run
(catch-up after downtime, the overlap policy, DST through ``cron``), ``cron.between``
lists a backfill's occurrences, ``ledger`` says what became of each. What differs is
only what a run is: a workflow run of source ``schedule`` or ``backfill``, keyed
``occurrence:<time>`` (``workflow_runs_key_idx``), so a duplicate tick or a repeated
backfill writes none. An occurrence ``due.plan`` skips (overlap, catch-up) writes no
run (a workflow run has no SKIPPED state): the ledger shows it ``missed``. Under any
overlap policy but ``allow``, occurrences' runs go one at a time, oldest first: a run
held back waits PENDING and the run before it starts it as it ends
(``workflow_steps.advance_in``). Occurrences due while a workflow was paused do not
run: resuming moves its schedule on from now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import cron, due, ledger
from jobsched.domain.lifecycle import dst_rule
from jobsched.errors import ConflictError, ValidationError
from jobsched.store import Store
from jobsched.workflow_steps import Launched, advance_in

log = logging.getLogger("jobsched.workflows")

DUE_BATCH = 100
"""Scheduled workflows one tick pass plans at most."""
MAX_BACKFILL = 500
"""Occurrences one backfill may cover (as a job's)."""
SYSTEM = "system"


@dataclass
class Planned:
    """What one scheduling pass of workflows did."""

    runs: list[str] = field(default_factory=list)
    """The workflow runs it wrote."""
    launched: Launched = field(default_factory=lambda: ([], []))
    cancel: list[str] = field(default_factory=list)
    """Unfinished runs overlap_policy=cancel_previous replaces (cancelled after)."""


def next_occurrence(workflow: dict[str, Any], after: datetime) -> datetime | None:
    """The first occurrence of a workflow's schedule after ``after`` (None: no schedule)."""
    if not workflow.get("schedule"):
        return None
    return cron.next_run(workflow["schedule"], workflow["timezone"], after, dst_rule(workflow))


def _plan(workflow: dict[str, Any], busy: int, now: datetime, horizon: datetime) -> due.Plan:
    return due.plan(
        schedule=workflow["schedule"],
        timezone=workflow["timezone"],
        next_run_time=workflow["next_run_time"],
        last_run_time=None,
        overlap_policy=workflow["overlap_policy"],
        busy=busy > 0,
        waiting=busy > 1,
        now=now,
        horizon=horizon,
        catch_up=due.CatchUp(
            workflow["catch_up"],
            timedelta(seconds=workflow["catch_up_window_s"]),
            workflow["catch_up_max"],
        ),
        dst=dst_rule(workflow),
    )


def _merge(into: Launched, more: Launched) -> None:
    into[0].extend(more[0])
    into[1].extend(more[1])


def schedule_due(
    store: Store, now: datetime, horizon: datetime | None = None, limit: int = DUE_BATCH
) -> Planned:
    """The tick's pass, in one transaction: each scheduled workflow whose next occurrence
    has come (by ``horizon``, default ``now``) gets a run per occurrence ``due.plan``
    runs, advanced at once (its first steps written and pushed, to wait in Redis until
    their time when staged ahead), and its schedule moved on. As for jobs, only
    workflows whose overlap_policy is ``allow`` are staged ahead: the others decide on
    the previous run's state at the occurrence's time. A workflow whose schedule no
    longer computes is set aside (no next run) and logged; the others are scheduled as
    usual. The caller pushes ``launched`` and cancels ``cancel``."""
    horizon = max(horizon or now, now)
    done = Planned()
    with store.tx() as conn:
        workflows = store.workflows.due(conn, horizon, limit)
        workflows = [
            w for w in workflows if w["overlap_policy"] == "allow" or w["next_run_time"] <= now
        ]
        unfinished = store.workflows.unfinished_runs(conn, [w["id"] for w in workflows])
        busy: dict[Any, list[str]] = {}
        for r in unfinished:
            busy.setdefault(r["workflow_id"], []).append(str(r["id"]))
        for wf in workflows:
            try:
                plan = _plan(wf, len(busy.get(wf["id"], [])), now, horizon)
            except Exception:  # this workflow's data only: the others are scheduled
                log.exception("workflow schedule not computed", extra={"workflow_id": wf["id"]})
                store.workflows.write_next_run(conn, wf["id"], None)
                continue
            if plan.cancel_previous:
                done.cancel += busy.get(wf["id"], [])
            for occurrence in plan.runs:
                if occurrence.skip_reason is not None:
                    continue  # no run: the ledger shows it missed
                run = store.workflows.write_occurrence_run(
                    conn, wf, occurrence.scheduled_for, "schedule", now
                )
                if run is not None:
                    done.runs.append(str(run["id"]))
                    _merge(done.launched, advance_in(conn, store, run["id"], now))
            store.workflows.write_next_run(conn, wf["id"], plan.next_run_time)
    return done


def set_status(
    store: Store, conn: Any, workflow: dict[str, Any], status: str, now: datetime
) -> dict[str, Any]:
    """Pause (``PAUSED``: no occurrence runs) or resume (``SCHEDULED``: the schedule goes
    on from ``now``; what fell due while paused does not run) a workflow; its row."""
    upcoming = next_occurrence(workflow, now) if status == "SCHEDULED" else None
    return store.workflows.write_status(conn, workflow["id"], status, upcoming, now)


def backfill(
    store: Store, conn: Any, workflow: dict[str, Any], start: datetime, end: datetime, now: datetime
) -> tuple[list[str], int, Launched]:
    """A run for each occurrence of the workflow's schedule in ``start <= t < end`` that
    has none, advanced at once (one at a time, oldest first, unless overlap_policy is
    ``allow``); the runs written, how many occurrences had one, what they launched."""
    if not workflow["schedule"]:
        raise ConflictError("the workflow has no schedule to backfill")
    if workflow["status"] == "PAUSED":
        raise ConflictError("workflow is paused; resume it before backfilling")
    times, more = cron.between(
        workflow["schedule"], workflow["timezone"], start, end, MAX_BACKFILL, dst_rule(workflow)
    )
    if more:
        raise ValidationError(
            {"end": f"the range holds more than {MAX_BACKFILL} occurrences; backfill less"}
        )
    written: list[str] = []
    launched: Launched = ([], [])
    for t in times:
        run = store.workflows.write_occurrence_run(conn, workflow, t, "backfill", now)
        if run is not None:
            written.append(str(run["id"]))
            _merge(launched, advance_in(conn, store, run["id"], now))
    return written, len(times) - len(written), launched


def occurrences(
    store: Store, workflow_id: str, since: datetime, until: datetime, limit: int, now: datetime
) -> tuple[list[dict[str, Any]], bool]:
    """The ledger of a workflow's occurrences in ``since <= t < until`` (at most
    ``limit``): each expected one and what became of it, with its run's id."""
    workflow, rows = store.workflows.occurrence_rows(workflow_id, since, until, limit + 1)
    expected, dropped, cut = ledger.expected({**workflow, "run_at": None}, since, until, limit)
    recorded = [
        ledger.ExecutionRow(
            str(r["id"]), r["scheduled_for"], r["source"], r["status"], None, r["created_at"]
        )
        for r in rows[:limit]
    ]
    items = ledger.entries(expected, dropped, recorded, workflow["next_run_time"], now)
    for item in items:
        item["workflow_run_id"] = item.pop("execution_id")
    more = len(rows) > limit or cut or len(items) > limit
    return items[:limit], more


__all__ = [
    "MAX_BACKFILL",
    "Planned",
    "backfill",
    "next_occurrence",
    "occurrences",
    "schedule_due",
    "set_status",
]
