"""What a chaos scenario's runs add up to, from PostgreSQL rows and handler marks.

Pure functions of values, so the verdict rules are tested as a table
(``tests/chaos/test_figures.py``) without killing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from jobsched.domain.states import TERMINAL
from tests.chaos.marks import Marks

# Outcomes a worker records itself when an attempt ends; any other outcome (LOST,
# HANDED_BACK, or whatever a newer release calls a dead worker's attempt) means the
# attempt was interrupted and its handler may run again: the duplicate window.
FINISHED_BY_ITS_WORKER = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED"})


@dataclass
class Tally:
    runs: int = 0
    lost: list[str] = field(default_factory=list)
    """Executions not in a final state when the scenario gave up waiting."""
    ran_twice: list[str] = field(default_factory=list)
    """Executions whose handler started more than once."""
    completed_twice: list[str] = field(default_factory=list)
    """Executions whose handler returned more than once."""
    interrupted: list[str] = field(default_factory=list)
    """Executions with an attempt its worker never finished (in flight when it died)."""
    outside_window: list[str] = field(default_factory=list)
    """Ran twice although no attempt was interrupted: a duplicate no guarantee allows."""
    unmarked: list[str] = field(default_factory=list)
    """Recorded SUCCEEDED although its handler never returned."""

    def figures(self) -> dict[str, int]:
        return {
            "runs": self.runs,
            "lost": len(self.lost),
            "ran_twice": len(self.ran_twice),
            "completed_twice": len(self.completed_twice),
            "interrupted_in_flight": len(self.interrupted),
            "duplicates_outside_window": len(self.outside_window),
            "succeeded_without_running": len(self.unmarked),
        }

    def problems(self) -> list[str]:
        found = []
        if self.lost:
            found.append(
                f"{len(self.lost)} run(s) never reached a final state, e.g. {self.lost[0]}"
            )
        if self.outside_window:
            found.append(
                f"{len(self.outside_window)} run(s) ran twice without an interrupted attempt, "
                f"e.g. {self.outside_window[0]}"
            )
        if self.unmarked:
            found.append(
                f"{len(self.unmarked)} run(s) recorded SUCCEEDED without their handler "
                f"returning, e.g. {self.unmarked[0]}"
            )
        return found


def interrupted(attempt: dict[str, Any]) -> bool:
    """Closed, but not by its worker: the worker died (LOST) or handed it back."""
    return attempt.get("outcome") is not None and attempt["outcome"] not in FINISHED_BY_ITS_WORKER


def interrupted_attempts(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in row["attempts"] if interrupted(a)]


def left_unfinished_by(row: dict[str, Any], worker_id: str) -> bool:
    """True when ``worker_id`` started an attempt of ``row`` and never finished it
    (still open, or closed by someone else as lost)."""
    return any(
        a.get("worker_id") == worker_id and a.get("outcome") not in FINISHED_BY_ITS_WORKER
        for a in row["attempts"]
    )


def tally(rows: Sequence[dict[str, Any]], marks: Marks) -> Tally:
    """``rows``: executions with ``id``, ``status`` and ``attempts``."""
    t = Tally(runs=len(rows))
    for row in rows:
        eid = row["id"]
        if row["status"] not in TERMINAL:
            t.lost.append(eid)
        cut_short = bool(interrupted_attempts(row))
        if cut_short:
            t.interrupted.append(eid)
        if marks.starts[eid] > 1:
            t.ran_twice.append(eid)
            if not cut_short:
                t.outside_window.append(eid)
        if marks.dones[eid] > 1:
            t.completed_twice.append(eid)
        if row["status"] == "SUCCEEDED" and marks.dones[eid] == 0:
            t.unmarked.append(eid)
    return t


def occurrences(rows: Sequence[dict[str, Any]], marks: Marks) -> dict[str, int]:
    """For a per-second cron job: how many occurrences, how many seconds between the
    first and the last have no execution, and how many did not run exactly once (two
    executions for one second, or one whose handler started twice)."""
    times = sorted(r["scheduled_for"] for r in rows)
    missing = 0
    for earlier, later in pairwise(times):
        missing += max(int((later - earlier) / timedelta(seconds=1)) - 1, 0)
    doubled = len(times) - len(set(times))
    doubled += sum(1 for r in rows if r["status"] == "SUCCEEDED" and marks.starts[r["id"]] > 1)
    return {"occurrences": len(times), "missing": missing, "ran_twice": doubled}


def recovered_at(row: dict[str, Any], worker_id: str) -> datetime | None:
    """When a run that ``worker_id`` left unfinished got over that failure: when the
    run finished, or, if the worker that took it over left it unfinished too (killed
    in turn), when that worker took it over: the rest of the wait is the later
    failure's, measured for it. None while neither has happened."""
    tried = row["attempts"]
    mine = [
        i
        for i, a in enumerate(tried)
        if a.get("worker_id") == worker_id and a.get("outcome") not in FINISHED_BY_ITS_WORKER
    ][-1]
    after = tried[mine + 1 : mine + 2]
    if after and interrupted(after[0]):
        return datetime.fromisoformat(after[0]["started_at"])
    return row["finished_at"]


def seconds_until_done(rows: Sequence[dict[str, Any]], since: datetime) -> float | None:
    """Seconds from ``since`` until the last of ``rows`` finished (None if none)."""
    finished = [r["finished_at"] for r in rows if r["finished_at"] is not None]
    if len(finished) < len(rows) or not rows:
        return None
    return round((max(finished) - since).total_seconds(), 1)
