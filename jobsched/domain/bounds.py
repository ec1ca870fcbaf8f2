"""Bounds on a schedule: ``start_at``, ``end_at`` and ``max_runs``, as a pure filter.

A schedule's occurrences before ``start_at`` or at/after ``end_at`` are not its
occurrences; once ``max_runs`` runs were made, none is. ``out_of_bounds`` says why for
one time (for an explain), ``bounded`` filters a stream of them (for the tick and the
previews)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobsched.errors import ValidationError

MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class Bounds:
    start_at: datetime | None = None
    end_at: datetime | None = None
    max_runs: int | None = None


NO_BOUNDS = Bounds()


def bounds_from_dict(body: dict[str, Any]) -> Bounds:
    """The job fields ``start_at``, ``end_at`` (ISO times with an offset) and
    ``max_runs`` checked, or ValidationError naming each bad one."""
    problems: dict[str, str] = {}
    start, end = (_instant(body.get(k), k, problems) for k in ("start_at", "end_at"))
    max_runs = body.get("max_runs")
    if max_runs is not None and (
        isinstance(max_runs, bool) or not isinstance(max_runs, int) or not 1 <= max_runs <= MAX_RUNS
    ):
        problems["max_runs"] = f"must be an integer between 1 and {MAX_RUNS}"
        max_runs = None
    if start and end and end <= start:
        problems["end_at"] = "must be after start_at"
    if problems:
        raise ValidationError(problems)
    return Bounds(start, end, max_runs)


def _instant(value: Any, name: str, problems: dict[str, str]) -> datetime | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return moment.astimezone(UTC)
    except ValueError:
        problems[name] = "must be an ISO 8601 time with an offset (2026-01-01T00:00:00Z)"
        return None


def out_of_bounds(moment: datetime, bounds: Bounds, runs_so_far: int = 0) -> str | None:
    """Why an occurrence at ``moment`` is not one of the schedule's, or None."""
    if bounds.start_at is not None and moment < bounds.start_at:
        return f"before the schedule's start_at {bounds.start_at.isoformat()}"
    if bounds.end_at is not None and moment >= bounds.end_at:
        return f"at or after the schedule's end_at {bounds.end_at.isoformat()}"
    if bounds.max_runs is not None and runs_so_far >= bounds.max_runs:
        return f"the schedule made its max_runs ({bounds.max_runs}) runs"
    return None


def bounded(times: Iterable[datetime], bounds: Bounds, runs_so_far: int = 0) -> Iterator[datetime]:
    """The times (oldest first) inside the bounds, each counting as one run towards
    ``max_runs``; ends at ``end_at`` or at the last run allowed, even if ``times`` is
    endless."""
    made = runs_so_far
    for moment in times:
        if bounds.end_at is not None and moment >= bounds.end_at:
            return
        if bounds.max_runs is not None and made >= bounds.max_runs:
            return
        if bounds.start_at is not None and moment < bounds.start_at:
            continue
        made += 1
        yield moment
