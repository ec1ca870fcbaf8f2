"""The API's query parameters, paging and cursors (msgspec Structs), as the HTTP API
reads them from a request's query string. The response bodies are in
``jobsched.api.wire``; the OpenAPI document (``jobsched.api.openapi``) is derived from
both and from the request bodies of ``jobsched.domain.contract``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from jobsched.api import cursors
from jobsched.domain.bounded import text_problem
from jobsched.domain.contract import (
    ISO_TIME,
    MAX_BACKFILL,
    MAX_PREVIEW,
    ActionName,
    ExecutionStatusName,
    Ident,
    JobStatusName,
    Param,
    TargetTypeName,
    Uuid,
    When,
    checked,
)

MAX_CURSOR_CHARS = 2048
"""A keyset cursor holds its page's last sort value: a job name of 200 characters fits."""
MAX_PAGE = 200
DEFAULT_PAGE = 50

Cursor = Annotated[
    str, checked(text_problem, max_length=MAX_CURSOR_CHARS, description="next_cursor of a page")
]
PageSize = Annotated[int, Meta(ge=1, le=MAX_PAGE)]

# ------------------------------------------------------------- query parameters


class Query(Struct, kw_only=True):
    """Base of query models: unknown parameters are ignored, as HTTP caches and
    proxies add their own."""


class Paging(Query):
    limit: PageSize | None = None
    cursor: Cursor | None = None

    def size(self) -> int:
        """The page size asked for, checked (``PageSize``), or the default."""
        return DEFAULT_PAGE if self.limit is None else self.limit

    def after(self, kind: str) -> list[Any] | None:
        """Where a newest-first page (``kind``: executions, dead_letter) resumes: the
        (created_at, id) of the cursor; a 400 naming ``cursor`` for any other text."""
        return cursors.decode(self.cursor, kind, cursors.TIME_KEY)


JobSort = Literal[
    "name",
    "-name",
    "created_at",
    "-created_at",
    "next_run_time",
    "-next_run_time",
    "priority",
    "-priority",
]


class JobListQuery(Paging):
    status: JobStatusName | None = None
    handler: Param | None = None
    name: Annotated[Param, Meta(description="substring, case-insensitive")] | None = None
    sort: Annotated[JobSort, Meta(description="'-' first: descending")] | None = None

    def order(self) -> str:
        return self.sort or "created_at"

    def filters(self) -> dict[str, Any]:
        return {"status": self.status, "handler": self.handler, "name": self.name}


CALENDAR_CURSOR = "calendars"
"""The cursor kind of GET /calendars (by name)."""


class CalendarListQuery(Paging):
    def after_name(self) -> list[Any] | None:
        """Where a page of calendars (by name) resumes: after the cursor's name."""
        return cursors.decode(self.cursor, CALENDAR_CURSOR, (cursors.text,))


class JobGetQuery(Query):
    include: Literal["executions"] | None = None
    executions_limit: PageSize = 50


class JobExecutionsQuery(Paging):
    status: ExecutionStatusName | None = None


class ExecutionListQuery(JobExecutionsQuery):
    job_id: Uuid | None = None
    handler: Param | None = None


class MetricsFormatQuery(Query):
    format: (
        Annotated[
            Literal["json", "prometheus"],
            Meta(description="prometheus: the Prometheus text format (as Accept: text/plain)"),
        ]
        | None
    ) = None


class NextRunsQuery(Query):
    count: Annotated[int, Meta(ge=1, le=MAX_PREVIEW)] = 10


class OccurrenceQuery(Query):
    since: Annotated[When, Meta(description="default: a day before until")] | None = None
    until: Annotated[When, Meta(description="default: now")] | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_BACKFILL)] = 200


class ExplainQuery(Query):
    at: Annotated[When, Meta(description="the occurrence asked about (ISO time)")]


class CalendarDaysQuery(Query):
    since: (
        Annotated[date, Meta(description="the first day (YYYY-MM-DD); default: this month's")]
        | None
    ) = None
    until: (
        Annotated[
            date,
            Meta(
                description="the last day, included (YYYY-MM-DD; at most 366 days in all); "
                "default: the last of since's month"
            ),
        ]
        | None
    ) = None


class MetricsQuery(Query):
    window_s: Annotated[int, Meta(ge=60, le=7 * 86400)] = 3600
    bucket_s: Annotated[
        int,
        Meta(
            ge=1,
            le=7 * 86400,
            description="at most window_s; rounded up to whole minutes (the answer's "
            "bucket_s says which), the figures being kept per minute",
        ),
    ] = 60


class AuditQuery(Paging):
    action: ActionName | None = None
    target_type: TargetTypeName | None = None
    target_id: Ident | None = None
    key_id: Ident | None = None
    since: (
        Annotated[datetime, Meta(description="at >= since (without an offset: UTC)", **ISO_TIME)]
        | None
    ) = None
    until: (
        Annotated[datetime, Meta(description="at < until (without an offset: UTC)", **ISO_TIME)]
        | None
    ) = None

    def filters(self) -> dict[str, Any]:
        """The store's filters: ids in canonical form (entries hold UUIDs that way),
        times in UTC when they came without an offset."""
        return {
            "action": self.action,
            "target_type": self.target_type,
            "target_id": _canonical(self.target_id),
            "key_id": _canonical(self.key_id),
            "since": _utc(self.since),
            "until": _utc(self.until),
        }


def _canonical(ident: str | None) -> str | None:
    try:
        return None if ident is None else str(uuid.UUID(ident))
    except ValueError:
        return ident


def _utc(when: datetime | None) -> datetime | None:
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


class FlowQuery(Query):
    job_id: Uuid
