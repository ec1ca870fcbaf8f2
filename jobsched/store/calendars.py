"""Business calendars (issue 25): created, read, listed, changed (each change a new
version) and deleted; the jobs that use one, for a change to re-plan them. Rows in,
rows out: the use case (``jobsched/calendar_life.py``) checks and decides."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.errors import NotFoundError
from jobsched.store.database import Repository, StoredPage
from jobsched.store.queries import q

Conn = psycopg.Connection[dict[str, Any]]


def _found(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:  # the name is not echoed, as a job's id is not
        raise NotFoundError("no calendar has this name")
    return row


def _name_key(row: dict[str, Any]) -> list[Any]:
    return [row["name"]]


def _within(sizes: list[dict[str, Any]], budget: int) -> list[str]:
    """The names, in order, whose predecessors' ICS bytes stay under ``budget``: the
    first always (paging moves on), then each while the ones before weigh less."""
    names: list[str] = []
    before = 0
    for row in sizes:
        if names and before >= budget:
            break
        names.append(row["name"])
        before += row["ics_bytes"]
    return names


class CalendarTaken(Exception):
    """A calendar with this name exists (the use case says 409)."""


class CalendarInUse(Exception):
    """A job still names this calendar (the foreign key said so; the use case says 409)."""


def _params(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    holidays = body.get("holidays") or {}
    return {
        "name": body["name"],
        "timezone": body["timezone"],
        "weekdays": list(body["weekdays"]),
        "holiday_country": holidays.get("country"),
        "holiday_subdivision": holidays.get("subdivision"),
        "dates": list(body.get("dates") or []),
        "ics": body.get("ics"),
        "windows": None if body.get("windows") is None else Jsonb(body["windows"]),
        "blackouts": None if body.get("blackouts") is None else Jsonb(body["blackouts"]),
        "now": now,
    }


class Calendars(Repository):
    @staticmethod
    def write_insert(conn: Conn, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Write a checked calendar (``calendar_to_dict``'s shape), version 1."""
        row = conn.execute(q("insert_calendar"), _params(body, now)).fetchone()
        if row is None:
            raise CalendarTaken(body["name"])
        return row

    def get(self, name: str) -> dict[str, Any]:
        with self.statement() as conn:
            row = conn.execute(q("get_calendar"), {"name": name}).fetchone()
        return _found(row)

    @staticmethod
    def for_update(conn: Conn, name: str) -> dict[str, Any]:
        row = conn.execute(q("get_calendar_for_update"), {"name": name}).fetchone()
        return _found(row)

    @staticmethod
    def find(conn: Conn, name: str) -> dict[str, Any] | None:
        """The calendar's row in the caller's transaction, or None."""
        return conn.execute(q("get_calendar"), {"name": name}).fetchone()

    @staticmethod
    def named(conn: Conn, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The rows of these calendars, by name (those that exist)."""
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = conn.execute(q("calendars_named"), {"names": wanted}).fetchall()
        return {row["name"]: row for row in rows}

    def list(
        self,
        limit: int,
        after: list[Any] | None,
        to_model: Callable[[dict[str, Any]], Any],
        budget: int,
    ) -> StoredPage:
        """A page of calendars by name, after the name ``after`` holds (None: the first),
        each row through ``to_model``.

        An ICS text may weigh a megabyte, and the API cuts a page to its byte
        ``budget``: the rows are read whole only while the ICS texts before them stay
        under it (their JSON weighs at least as much), the sizes read first. So a page
        never reads 200 MB to answer one calendar; those past the budget are ``more``."""
        params = {"after_name": after[0] if after else None, "limit": limit + 1}
        with self.tx() as conn:
            conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")  # as _paged
            total = conn.execute(q("count_calendars")).fetchone()["n"]
            sizes = conn.execute(q("list_calendar_sizes"), params).fetchall()
            names = _within(sizes, budget)[:limit]
            rows = conn.execute(q("calendars_in_order"), {"names": names}).fetchall()
        return StoredPage(
            [to_model(r) for r in rows], [_name_key(r) for r in rows], len(sizes) > len(rows), total
        )

    @staticmethod
    def write_update(conn: Conn, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        return conn.execute(q("update_calendar"), _params(body, now)).fetchone()

    @staticmethod
    def write_delete(conn: Conn, name: str) -> None:
        try:
            with conn.transaction():
                conn.execute(q("delete_calendar"), {"name": name})
        except psycopg.errors.ForeignKeyViolation:
            raise CalendarInUse(name) from None

    def usage(self, name: str) -> int:
        """How many jobs name this calendar."""
        with self.statement() as conn:
            return conn.execute(q("count_jobs_using_calendar"), {"name": name}).fetchone()["n"]

    @staticmethod
    def jobs_using(conn: Conn, name: str) -> list[dict[str, Any]]:
        """The jobs that name this calendar, locked."""
        return conn.execute(q("jobs_using_calendar"), {"name": name}).fetchall()

    @staticmethod
    def write_replans(conn: Conn, replans: list[dict[str, Any]]) -> None:
        """Each ``{"id", "next_run_time", "schedule_error", "now"}``."""
        if replans:
            with conn.cursor() as cur:
                cur.executemany(q("replan_job"), replans)
