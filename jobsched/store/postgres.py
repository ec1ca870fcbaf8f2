"""The PostgreSQL store. Every method takes ``now``; every write is one transaction.

State changes are guarded UPDATEs (``WHERE status ... AND lease_token = ...``), so a
stale worker or a second tick cannot overwrite a newer decision.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from jobsched.domain import alerts, attempts, cron, due, ledger
from jobsched.domain import audit as changes
from jobsched.domain.audit import Audit
from jobsched.domain.bounded import fits_in_page, wire_json
from jobsched.domain.models import DeadLetter, Execution, Job, QueueItem, occurrence_key
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.rollups import MinuteRow, minute_start, weight
from jobsched.domain.run_ids import run_id, scheduled_ms
from jobsched.domain.states import AttemptOutcome, ExecutionStatus, allowed
from jobsched.errors import (
    ConflictError,
    DependencyError,
    NotFoundError,
    StatementTimeoutError,
    ValidationError,
)
from jobsched.sanitize import clean_text
from jobsched.store import audit as audit_log
from jobsched.store import keyset, stored_json
from jobsched.store.queries import q
from jobsched.store.recording import (
    Held,
    Recorded,
    Write,
    begin,
    cancelled_attempt,
    end,
    params,
)
from jobsched.store.rows import (
    dead_letter_from_row,
    execution_from_row,
    job_from_row,
    queue_item,
)

log = logging.getLogger("jobsched.store")

S = ExecutionStatus
SCHEDULE_ERROR_RETRY = timedelta(minutes=10)
"""How long a job whose schedule failed to compute waits before the tick tries again."""
MAX_ERROR_TEXT = 1000
ROLLUP_KEEP = timedelta(days=8)
"""How far back the per-minute rollups of finished runs go (/metrics/executions serves
up to 7 days)."""
CLEANUP_BATCH = 5000
CLEANUP_BLOCKS = 256
"""Heap blocks (8 kB each, a few thousand runs) of an old day that retention deletes
from per statement: each its own short transaction."""
PARTITION_LOCK_TIMEOUT = "100ms"
"""How long a partition's DETACH/DROP (retention) or ATTACH (a new day) waits for its
lock. While it waits, every statement on executions queues behind it: it gives way
after this long and is tried again later, so the hot path waits at most about this
long behind a schema change."""
DROP_TRIES = 30
DROP_PAUSE_S = 1.0
"""Retention tries to drop an emptied day this many times, this far apart, in one run;
a day it could not drop (too busy) is dropped by a later run."""
MAX_KEPT_TO_MOVE = 10_000
"""A day with more rows to keep than this (e.g. a day of dead letters) is not dropped:
moving its rows would hold the lock too long. Its deletable rows are deleted anyway."""
PARTITION_KNOWN_S = 600.0
"""A day whose partition was seen is not checked again on write for this long."""


@dataclass(frozen=True)
class JobSort:
    """One sort of GET /jobs: its column, direction, and how a cursor's value parses.
    Ties are broken by id in the same direction, so (column, id) is the page key."""

    column: str
    descending: bool
    parse: keyset.Parser
    nullable: bool = False  # NULLS LAST (next_run_time of an unscheduled job)

    def order(self) -> sql.Composable:
        way = sql.SQL("DESC" if self.descending else "ASC")
        nulls = sql.SQL(" NULLS LAST" if self.nullable else "")
        return sql.SQL("{col} {way}{nulls}, id {way}").format(
            col=sql.Identifier(self.column), way=way, nulls=nulls
        )

    def after(self, value: Any) -> sql.Composable:
        """Rows after a cursor whose sort value is ``value`` (%(after_value)s)."""
        col, op = sql.Identifier(self.column), sql.SQL("<" if self.descending else ">")
        if value is None:  # the cursor is within the NULLS LAST tail
            return sql.SQL("({col} IS NULL AND id {op} %(after_id)s)").format(col=col, op=op)
        tail = sql.SQL(" OR {col} IS NULL").format(col=col) if self.nullable else sql.SQL("")
        return sql.SQL("(({col}, id) {op} (%(after_value)s, %(after_id)s){tail})").format(
            col=col, op=op, tail=tail
        )


JOB_SORTS = {
    "name": JobSort("name", False, keyset.text),
    "-name": JobSort("name", True, keyset.text),
    "created_at": JobSort("created_at", False, keyset.time),
    "-created_at": JobSort("created_at", True, keyset.time),
    "next_run_time": JobSort("next_run_time", False, keyset.optional_time, nullable=True),
    "-next_run_time": JobSort("next_run_time", True, keyset.optional_time, nullable=True),
    "priority": JobSort("priority", False, keyset.integer),
    "-priority": JobSort("priority", True, keyset.integer),
}
MAX_PAGE = 200
PARTITION_DAYS_AHEAD = 7
"""Daily partitions of executions exist this many days ahead (the tick makes sure)."""
PARTITION_CHECK_EVERY = timedelta(hours=1)
RECENTLY_USED_S = 1.0
"""A pooled connection returned this recently is not checked again on checkout."""
_TIME_LIMIT_MS: ContextVar[int | None] = ContextVar("statement_timeout_ms", default=None)
"""The statement timeout of the code running now (``Store.time_limit``); None: none."""


@lru_cache(maxsize=64)  # a few partitions are written at a time; one more every day
def _record_runs_into(table: str) -> str:
    """``record_runs`` aimed at ``table``: the parent ``executions`` or one of its
    partitions, as ``tableoid::regclass::text`` names it (PostgreSQL quotes that name,
    so it is a valid table reference as it stands)."""
    query = q("record_runs")
    if table == "executions":
        return query
    target = "UPDATE executions e"
    if query.count(target) != 1:
        raise RuntimeError(f"record_runs must contain {target!r} once")
    return query.replace(target, f"UPDATE {table} e")


def _record_runs(
    conn: psycopg.Connection[dict[str, Any]], *groups: tuple[str, list[Write]], now: datetime
) -> set[str]:
    """One ``record_runs`` per (table, writes) group; the ids written."""
    landed: set[str] = set()
    cur = conn.cursor(row_factory=tuple_row)
    # The ids come back as text, as the writes hold them: no uuid made per row only to
    # be turned back into text (a worker's batch is up to its capacity).
    cur.adapters.register_loader("uuid", TextLoader)
    for table, writes in groups:
        landed.update(r[0] for r in cur.execute(_record_runs_into(table), params(writes, now)))
    return landed


REFUSED_FOR_DATA = (psycopg.DatabaseError, ValueError, TypeError)
"""What a write raises when PostgreSQL (or psycopg, encoding the values) refuses the
data itself. Connection failures never get here: ``Store.tx`` turns them into
``DependencyError`` first."""


@dataclass
class Finish:
    """The result of one attempt, as a worker reports it."""

    execution_id: str
    token: str
    outcome: AttemptOutcome
    result: Any = None
    error: str | None = None
    deliveries: int = 0
    """Claims of the run since its last deliberate retry (poison detection)."""
    refused: str | None = None
    """Why PostgreSQL refused the attempt's result (set by the store, never a worker)."""
    fail_now: bool = False
    """The handler said the run cannot succeed (``FailNow``): no retries."""
    retry_after_ms: int | None = None
    """The handler asked to be retried after this delay (``RetryLater(delay_ms=...)``)."""


@dataclass
class Scheduled:
    """What one scheduling pass did."""

    executions: list[Execution]
    """The PENDING executions it wrote (to be pushed)."""
    flagged: dict[str, str]
    """Jobs it could not schedule, by id, with the reason (now their schedule_error)."""
    cancelled: list[str] = field(default_factory=list)
    """Unfinished runs it cancelled (overlap_policy=cancel_previous), for Redis to drop."""
    full: bool = False
    """It read as many due jobs as its limit allowed: more may be due (a backlog)."""


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "next_cursor": self.next_cursor,
            "total": self.total,
        }


def parse_uuid(value: str, what: str) -> uuid.UUID:
    # The 404 does not repeat what it was sent: an API key pasted where an id belongs
    # would reach the answer and the log.
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError(f"no {what} has this id") from None


def _describe(exc: BaseException) -> str:
    """Why a job could not be scheduled, storable (no NUL, no lone surrogates)."""
    return clean_text(f"{type(exc).__name__}: {_first_line(exc)}", MAX_ERROR_TEXT)


def _first_line(exc: BaseException) -> str:
    """An error's first line (PostgreSQL's next lines quote the refused data), storable."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return clean_text(text, 500)


def _refused(f: Finish, exc: BaseException) -> Finish:
    """What is recorded instead of a result PostgreSQL refused: a failure saying why."""
    reason = "the result could not be stored: " + _first_line(exc)
    log.warning(
        "result refused by PostgreSQL; recorded as failed",
        extra={"execution_id": f.execution_id, "error": reason},
    )
    return Finish(f.execution_id, f.token, AttemptOutcome.FAILED, error=reason, refused=reason)


def _end(held: Held, f: Finish, now: datetime, policy: RetryPolicy | None) -> Write:
    """The write of one attempt's end, as a worker reported it."""
    return end(
        held,
        f.outcome,
        now,
        policy,
        result=f.result,
        error=f.error,
        deliveries=f.deliveries,
        refused=f.refused,
        fail_now=f.fail_now,
        retry_after_ms=f.retry_after_ms,
    )


def run_time(run: dict[str, Any], now: datetime) -> datetime:
    """When a triggered run is due: its ``run_at``, ``delay_ms`` from now, or now (a
    time already past means now)."""
    if "run_at" in run:
        return max(run["run_at"], now)
    return now + timedelta(milliseconds=run.get("delay_ms", 0))


def dst_rule(job: dict[str, Any]) -> cron.DstRule:
    return cron.DstRule(job.get("dst_gap", "shift"), job.get("dst_overlap", "first"))


def first_run(job: dict[str, Any], after: datetime) -> datetime | None:
    """When a job (as stored or about to be) first runs after ``after``: its next cron
    occurrence, its ``run_at`` for a one-off job (even if past: it then runs at
    once), or None for a job that only runs when triggered."""
    if job["schedule"]:
        return cron.next_run(job["schedule"], job["timezone"], after, dst_rule(job))
    return job.get("run_at")


def _job_snapshot(job: dict[str, Any]) -> dict[str, Any]:
    """What a run copies of its job when it is written (later edits of the job do not
    change runs already written)."""
    return {
        "priority": job["priority"],
        "handler": job["handler"],
        "payload": Jsonb(job["payload"]),
        "max_retries": job["max_retries"],
        "timeout_ms": job["timeout_ms"],
        "retry_backoff_ms": job["retry_backoff_ms"],
        "retry_backoff_max_ms": job["retry_backoff_max_ms"],
        "pool": job["pool"],
        "max_concurrency": job["max_concurrency"],
    }


def _found(row: dict[str, Any] | None, what: str, ident: str) -> dict[str, Any]:
    """The row, or the 404 naming what was looked for."""
    if row is None:  # without the id, as parse_uuid: a key may be UUID-shaped too
        raise NotFoundError(f"no {what} has this id")
    return row


def _time_key(row: dict[str, Any]) -> list[Any]:
    """The page key of newest-first lists (executions, dead letter)."""
    return [row["created_at"].isoformat(), str(row["id"])]


TIME_KEY = (keyset.time, keyset.uuid_value)


def _page(
    rows: list[dict[str, Any]],
    limit: int,
    to_model: Callable[[dict[str, Any]], Any],
    cursor_of: Callable[[dict[str, Any]], str],
    total: int,
) -> Page:
    """A page of the first ``limit`` of ``rows`` (read with one more, to know whether
    more follow), cut short where the items' JSON would pass the page's byte budget
    (``bounded.fits_in_page``); ``next_cursor`` resumes after its last item."""
    models = [to_model(r) for r in rows[:limit]]
    keep = fits_in_page(len(wire_json(m.to_dict())) for m in models)
    more = keep < len(models) or len(rows) > limit
    next_cursor = cursor_of(rows[keep - 1]) if more and keep else None
    return Page(models[:keep], next_cursor, total)


def _page_limit(limit: int | None) -> int:
    if limit is None:
        return 50
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError({"limit": f"must be between 1 and {MAX_PAGE}"})
    return limit


def _cancelled(exc: psycopg.errors.QueryCanceled) -> DependencyError:
    """What a cancelled statement answers: past the request's time limit, a 503 that
    says so; otherwise (an operator's pg_cancel_backend) PostgreSQL was unavailable."""
    limit = _TIME_LIMIT_MS.get()
    if limit is None:
        return DependencyError("PostgreSQL unavailable", detail=str(exc))
    return StatementTimeoutError(
        f"PostgreSQL took longer than API_STATEMENT_TIMEOUT_MS ({limit} ms) and the "
        "request was cancelled; retry later, or ask for less (filters, a smaller limit)",
        detail=str(exc),
    )


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class Store:
    def __init__(self, database_url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.database_url = database_url
        self.pool = ConnectionPool(
            database_url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"row_factory": dict_row},
            # Checked on checkout so a restarted PostgreSQL costs one retry, not an error;
            # except a connection that just worked (a worker's batch after batch).
            check=self._check_unless_recent,
            reset=self._returned,
            configure=self._configure,
            open=False,
            name="jobsched",
        )
        self._returned_at: dict[int, float] = {}
        self._time_limits: dict[int, int | None] = {}
        """The statement_timeout each pooled connection has (by id), set on it when a
        caller needs another: the API's connections keep theirs, at no round trip."""
        self.pool.open(wait=False)
        self._partitions_checked: datetime | None = None
        self._partition_days: dict[date, float] = {}
        """Days known to have their partition, until when (``_partitions_for``)."""

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """Pool hook: a new connection (whose id may be a closed one's)."""
        self._time_limits.pop(id(conn), None)
        stored_json.configure(conn)

    @contextmanager
    def time_limit(self, ms: int | None) -> Iterator[None]:
        """Within this block (this thread or task), every statement PostgreSQL runs for
        this store is cancelled after ``ms`` (None or 0: no limit) and raises
        ``StatementTimeoutError``. The API's requests run in one; the tick and the
        workers, whose statements must finish, in none."""
        token = _TIME_LIMIT_MS.set(ms or None)
        try:
            yield
        finally:
            _TIME_LIMIT_MS.reset(token)

    def _limit(self, conn: psycopg.Connection[Any]) -> None:
        """Give ``conn`` the statement timeout of the code using it, if it has another
        (a session setting, committed at once: kept while the connection is pooled)."""
        wanted = _TIME_LIMIT_MS.get()
        if self._time_limits.get(id(conn)) == wanted:
            return
        if wanted is None:
            conn.execute("RESET statement_timeout")
        else:
            conn.execute("SELECT set_config('statement_timeout', %s, false)", [f"{wanted}ms"])
        if not conn.autocommit:
            conn.commit()
        self._time_limits[id(conn)] = wanted

    def _returned(self, conn: psycopg.Connection[Any]) -> None:
        """Pool hook: a connection came back in good order (by id: psycopg connections
        take no attributes; a reused id merely skips the check of a new connection)."""
        self._returned_at[id(conn)] = time.monotonic()

    def _check_unless_recent(self, conn: psycopg.Connection[Any]) -> None:
        """Pool hook: check a connection on checkout (one round trip) unless it came back
        less than ``RECENTLY_USED_S`` ago. A server restarted within that second fails
        the statement instead (a DependencyError: the worker retries its batch)."""
        if time.monotonic() - self._returned_at.get(id(conn), -RECENTLY_USED_S) < RECENTLY_USED_S:
            return
        ConnectionPool.check_connection(conn)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def tx(self, timeout_s: float = 10.0) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A connection in a transaction; driver errors become ``DependencyError``.

        ``timeout_s`` is how long to wait for a pooled connection."""
        try:
            with self.pool.connection(timeout=timeout_s) as conn:
                self._limit(conn)
                with conn.transaction():
                    yield conn
        except psycopg.errors.QueryCanceled as exc:
            raise _cancelled(exc) from exc
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise DependencyError("PostgreSQL unavailable", detail=str(exc)) from exc

    @contextmanager
    def statement(self, timeout_s: float = 10.0) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A connection for a single statement that is its own transaction (autocommit):
        one round trip where ``tx`` adds a BEGIN and a COMMIT. For the worker's hot
        path, whose every write is one statement."""
        try:
            with self.pool.connection(timeout=timeout_s) as conn:
                conn.autocommit = True
                try:
                    self._limit(conn)
                    yield conn
                finally:
                    conn.autocommit = False
        except psycopg.errors.QueryCanceled as exc:
            raise _cancelled(exc) from exc
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise DependencyError("PostgreSQL unavailable", detail=str(exc)) from exc

    def _paged(
        self,
        count_query: str,
        select_query: str | sql.Composable,
        params: dict[str, Any],
        limit: int | None,
        page_key: tuple[str, Any],
        to_model: Any,
    ) -> Page:
        """One page of a filtered list, its total, and the cursor of the next page.

        ``select_query`` reads the rows after the cursor's key (its parameters are in
        ``params``); ``page_key`` is the list's cursor kind and a row's key."""
        limit = _page_limit(limit)
        kind, key_of = page_key
        with self.tx() as conn:
            # The queries fold away the filters not given ("%(x)s IS NULL OR ..."); a
            # cached generic plan could not, and would miss the filter's index.
            conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            total = conn.execute(count_query, params).fetchone()["n"]
            rows = conn.execute(select_query, {**params, "limit": limit + 1}).fetchall()
        return _page(rows, limit, to_model, lambda row: keyset.encode(kind, key_of(row)), total)

    def ping(self, timeout_s: float = 10.0) -> bool:
        with self.tx(timeout_s) as conn:
            conn.execute("SELECT 1")
        return True

    # ------------------------------------------------------------------ jobs

    def create_job(self, data: dict[str, Any], now: datetime, audit: Audit | None = None) -> Job:
        params = {**data, "id": uuid.uuid4(), "payload": Jsonb(data["payload"]), "now": now}
        params["next_run_time"] = first_run(data, now)
        # Every job has its own secret: notifications to its notify_url are signed with it.
        params["notify_secret"] = secrets.token_urlsafe(32)
        try:
            with self.tx() as conn:
                row = conn.execute(q("insert_job"), params).fetchone()
                audit_log.record(conn, audit, "job", row["id"], changes.created(row), now)
        except psycopg.errors.UniqueViolation:
            raise ConflictError(
                f"a job named {data['name']!r} already exists",
                fields={"name": "already exists"},
            ) from None
        return job_from_row(row)

    def ensure_job(self, data: dict[str, Any], now: datetime) -> Job | None:
        """Create a job unless one with its name exists; returns it only if created.
        Audited as the ``system`` caller, like any other creation."""
        try:
            return self.create_job(data, now, Audit("system", "create"))
        except ConflictError:
            return None

    def get_job(self, job_id: str) -> Job:
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_job"), {"id": parse_uuid(job_id, "job")}).fetchone(),
                "job",
                job_id,
            )
        return job_from_row(row)

    def list_jobs(
        self,
        status: str | None = None,
        handler: str | None = None,
        name: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page:
        sort = sort or "created_at"
        spec = JOB_SORTS.get(sort)
        if spec is None:
            raise ValidationError({"sort": "must be one of " + ", ".join(JOB_SORTS)})
        kind = f"jobs:{sort}"
        key = keyset.decode(cursor, kind, (spec.parse, keyset.uuid_value))
        params = {"status": status, "handler": handler, "name": name}
        after: sql.Composable = sql.SQL("TRUE")
        if key is not None:
            params.update(after_value=key[0], after_id=key[1])
            after = spec.after(key[0])
        select = sql.SQL(q("list_jobs")).format(order=spec.order(), after=after)

        def key_of(row: dict[str, Any]) -> list[Any]:
            value = row[spec.column]
            return [value.isoformat() if isinstance(value, datetime) else value, str(row["id"])]

        return self._paged(q("count_jobs"), select, params, limit, (kind, key_of), job_from_row)

    def update_job(
        self, job_id: str, data: dict[str, Any], now: datetime, audit: Audit | None = None
    ) -> Job:
        jid = parse_uuid(job_id, "job")
        try:
            with self.tx() as conn:
                current = _found(
                    conn.execute(q("get_job_for_update"), {"id": jid}).fetchone(), "job", job_id
                )
                next_run = current["next_run_time"]
                timing = ("schedule", "timezone", "run_at", "dst_gap", "dst_overlap")
                timing_changed = any(data[k] != current[k] for k in timing)
                if not data["schedule"] and not data["run_at"]:
                    next_run = None
                elif timing_changed or (next_run is None and data["schedule"]):
                    next_run = first_run(data, now)
                if current["status"] == "PAUSED":
                    next_run = None
                params = {**data, "id": jid, "payload": Jsonb(data["payload"]), "now": now}
                params["notify_secret"] = secrets.token_urlsafe(32)  # only if it had none
                # The new schedule validated and computed: any earlier flag is stale.
                params.update(next_run_time=next_run, schedule_error=None)
                row = conn.execute(q("update_job"), params)
                row = row.fetchone()
                audit_log.record(conn, audit, "job", jid, changes.diff(current, row), now)
        except psycopg.errors.UniqueViolation:
            raise ConflictError(
                f"a job named {data['name']!r} already exists",
                fields={"name": "already exists"},
            ) from None
        return job_from_row(row)

    def delete_job(self, job_id: str, now: datetime, audit: Audit | None = None) -> list[str]:
        """Deletes the job and its history; returns its unfinished execution ids."""
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            current = _found(
                conn.execute(q("get_job_for_update"), {"id": jid}).fetchone(), "job", job_id
            )
            ids = [
                str(r["id"])
                for r in conn.execute(q("unfinished_execution_ids_of_job"), {"job_id": jid})
            ]
            conn.execute(q("delete_job"), {"id": jid})
            audit_log.record(conn, audit, "job", jid, changes.deleted(current), now)
        return ids

    def set_job_status(
        self, job_id: str, status: str, now: datetime, audit: Audit | None = None
    ) -> Job:
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            current = _found(
                conn.execute(q("get_job_for_update"), {"id": jid}).fetchone(), "job", job_id
            )
            if current["status"] == status:
                return job_from_row(current)
            next_run, error = None, current["schedule_error"]
            paused_at, resumed_at = now, None
            # Resuming picks up from the pause: the occurrences missed meanwhile are the
            # tick's to plan under the job's catch_up (recorded, run or not, with why).
            if status == "SCHEDULED":
                paused_at, resumed_at = current["paused_at"], now
                since = min(current["paused_at"] or now, now)
                try:
                    next_run, error = first_run(current, since), None
                    if current["run_at"] and current["last_run_time"]:
                        next_run = None  # a one-off job that already ran
                except Exception as exc:  # a stored schedule that no longer computes
                    next_run, error = now + SCHEDULE_ERROR_RETRY, _describe(exc)
            params = {
                "id": jid,
                "status": status,
                "next_run_time": next_run,
                "now": now,
                "paused_at": paused_at,
                "resumed_at": resumed_at,
            }
            row = conn.execute(q("set_job_status"), {**params, "schedule_error": error}).fetchone()
            change = changes.status_change(current["status"], status)
            audit_log.record(conn, audit, "job", jid, change, now)
        return job_from_row(row)

    # ------------------------------------------------------------ scheduling

    def schedule_due(
        self,
        now: datetime,
        limit: int = 500,
        horizon: datetime | None = None,
        buckets: Sequence[int] | None = None,
    ) -> Scheduled:
        """Writes PENDING executions for every occurrence due by ``horizon`` (default
        ``now``; later: staged ahead, pushed to wait in Redis until their time; only for
        jobs whose overlap_policy is ``allow``) and
        advances the jobs, in one transaction and one pipelined round trip per statement.

        Which runs each due job gets (catch-up, coalescing, overlap) is ``due.plan``'s
        decision; under ``cancel_previous`` the job's unfinished runs are cancelled here
        (their ids are returned for Redis to drop).

        One job that cannot be scheduled (its stored schedule or time zone no longer
        computes, or PostgreSQL refuses its rows) is flagged with ``schedule_error`` and
        set aside for ``SCHEDULE_ERROR_RETRY``; the other jobs are scheduled as usual.

        ``buckets``: only jobs in these buckets (a sharded tick's share,
        jobsched/domain/shards.py); None: every job.
        """
        horizon = max(horizon or now, now)
        with self.tx() as conn:
            if buckets is None:
                jobs = conn.execute(q("due_jobs"), {"now": horizon, "limit": limit}).fetchall()
            else:
                params = {"now": horizon, "limit": limit, "buckets": list(buckets)}
                jobs = conn.execute(q("due_jobs_in_buckets"), params).fetchall()
            read = len(jobs)
            # Overlap policies decide on the previous run's state at the occurrence's time
            # (cancel_previous must not cancel early): only "allow" jobs are staged ahead.
            jobs = [j for j in jobs if j["overlap_policy"] == "allow" or j["next_run_time"] <= now]
            careful = [j["id"] for j in jobs if j["overlap_policy"] != "allow"]
            busy = (
                {r["job_id"]: r["on_hold"] for r in conn.execute(q("busy_jobs"), {"ids": careful})}
                if careful
                else {}
            )
            plans: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = []
            cancel_for: list[Any] = []
            broken: dict[Any, str] = {}
            for job in jobs:
                try:
                    plan = self._plan_job(job, busy, now, horizon)
                except Exception as exc:  # any failure of this job's data stays with it
                    broken[job["id"]] = _describe(exc)
                    continue
                plans.append((job, *plan[:2]))
                if plan[2]:
                    cancel_for.append(job["id"])
            names = {job["id"]: job["name"] for job in jobs}
            cancelled = self._cancel_previous(conn, cancel_for, now)
            try:
                with conn.transaction():  # a savepoint: a refused batch is retried per job
                    created = self._write_plans(conn, plans, names)
            except (psycopg.DataError, psycopg.IntegrityError):
                created = []
                for plan in plans:
                    try:
                        with conn.transaction():
                            created += self._write_plans(conn, [plan], names)
                    except (psycopg.DataError, psycopg.IntegrityError) as exc:
                        broken[plan[0]["id"]] = _describe(exc)
            self._flag_broken(conn, broken, now)
        # Runs due on a day without its partition (written ahead, caught up): moved into it.
        self._partitions_for([e.scheduled_for for e in created])
        pending = [e for e in created if e.status == S.PENDING.value and not e.on_hold]
        flagged = {str(k): v for k, v in broken.items()}
        return Scheduled(pending, flagged, cancelled, full=read == limit)

    def _plan_job(
        self, job: dict[str, Any], busy: dict[Any, bool], now: datetime, horizon: datetime
    ) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
        """The execution rows one due job gets now, its advance, and whether its
        unfinished runs are to be cancelled."""
        pause = (
            due.Pause(job["paused_at"], job["resumed_at"])
            if job["paused_at"] and job["resumed_at"]
            else None
        )
        plan = due.plan(
            schedule=job["schedule"],
            timezone=job["timezone"],
            next_run_time=job["next_run_time"],
            last_run_time=job["last_run_time"],
            overlap_policy=job["overlap_policy"],
            busy=job["id"] in busy,
            waiting=busy.get(job["id"], False),
            now=now,
            horizon=horizon,
            catch_up=due.CatchUp(
                job["catch_up"], timedelta(seconds=job["catch_up_window_s"]), job["catch_up_max"]
            ),
            dst=dst_rule(job),
            pause=pause,
        )
        inserts = [
            self._execution_row(
                job, run.scheduled_for, "schedule", now, run.skip_reason, wait=run.wait
            )
            for run in plan.runs
        ]
        advance = {
            "id": job["id"],
            "next_run_time": plan.next_run_time,
            "last_run_time": plan.last_run_time,
            "now": now,
        }
        return inserts, advance, plan.cancel_previous

    @staticmethod
    def _cancel_previous(
        conn: psycopg.Connection[dict[str, Any]], job_ids: list[Any], now: datetime
    ) -> list[str]:
        """Cancel the unfinished runs of these jobs (overlap_policy=cancel_previous)."""
        if not job_ids:
            return []
        reason = "cancelled: the next occurrence fell due (overlap_policy=cancel_previous)"
        rows = conn.execute(q("unfinished_of_jobs"), {"ids": job_ids}).fetchall()
        params = [
            {
                "id": row["id"],
                "attempts": Jsonb(
                    attempts.close(row["attempts"], AttemptOutcome.CANCELLED, now, reason)
                ),
                "reason": reason,
                "now": now,
            }
            for row in rows
        ]
        if params:
            with conn.cursor() as cur:
                cur.executemany(q("cancel_execution"), params)
        return [str(row["id"]) for row in rows]

    def release_held(self, now: datetime) -> int:
        """Let held-back runs go (one per job, oldest first) whose job has nothing else
        unfinished; the outbox pushes them. Returns how many."""
        with self.tx() as conn:
            return len(conn.execute(q("release_held"), {"now": now}).fetchall())

    def _write_plans(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        plans: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]],
        names: dict[Any, str],
    ) -> list[Execution]:
        inserts = [row for _, rows, _ in plans for row in rows]
        created = self._insert_executions(conn, inserts, names) if inserts else []
        if plans:
            with conn.cursor() as cur:
                cur.executemany(q("advance_job"), [advance for _, _, advance in plans])
        return created

    @staticmethod
    def _flag_broken(
        conn: psycopg.Connection[dict[str, Any]], broken: dict[Any, str], now: datetime
    ) -> None:
        if not broken:
            return
        retry_at = now + SCHEDULE_ERROR_RETRY
        for job_id, error in broken.items():
            log.error("job cannot be scheduled", extra={"job_id": str(job_id), "error": error})
        with conn.cursor() as cur:
            cur.executemany(
                q("flag_schedule_error"),
                [
                    {"id": job_id, "error": error, "retry_at": retry_at, "now": now}
                    for job_id, error in broken.items()
                ],
            )

    @staticmethod
    def _insert_executions(
        conn: psycopg.Connection[dict[str, Any]],
        rows: list[dict[str, Any]],
        job_names: dict[Any, str],
    ) -> list[Execution]:
        """Insert execution rows in one pipelined round trip; returns those written.
        ON CONFLICT DO NOTHING: an occurrence another tick already wrote returns no row
        and is not ours to push."""
        created: list[Execution] = []
        with conn.cursor() as cur:
            cur.executemany(q("insert_execution"), rows, returning=True)
            while True:
                row = cur.fetchone()
                if row is not None:
                    row["job_name"] = job_names[row["job_id"]]
                    created.append(execution_from_row(row))
                if not cur.nextset():
                    return created

    @staticmethod
    def _execution_row(
        job: dict[str, Any],
        scheduled_for: datetime,
        source: str,
        now: datetime,
        skip_reason: str | None = None,
        wait: bool = False,
    ) -> dict[str, Any]:
        """Parameters of ``insert_execution``: a snapshot of the job for one scheduled
        or backfilled run (a trigger's runs are written by ``insert_triggered``)."""
        eid = run_id(scheduled_for)
        jitter = job.get("start_jitter_ms", 0)
        # Spread by the run's id: the same run always waits the same, within the jitter.
        start_after = (
            scheduled_for + timedelta(milliseconds=eid.int % (jitter + 1)) if jitter else None
        )
        return {
            "id": eid,
            "idempotency_key": occurrence_key(str(job["id"]), scheduled_for),
            "on_hold": wait,
            "start_after": start_after,
            "job_id": job["id"],
            "source": source,
            "status": S.SKIPPED.value if skip_reason else S.PENDING.value,
            "scheduled_for": scheduled_for,
            **_job_snapshot(job),
            "error": skip_reason,
            "finished_at": now if skip_reason else None,
            "now": now,
        }

    def create_triggered(
        self,
        job_id: str,
        now: datetime,
        runs: Sequence[dict[str, Any]] = ({},),
        audit: Audit | None = None,
        check: Callable[[Job, dict[str, Any] | None], None] | None = None,
        key: str | None = None,
        queued: bool = False,
        max_unfinished: int | None = None,
    ) -> list[Execution]:
        """Executions for a manual trigger, in one transaction and one INSERT; each run
        may override payload and priority, and be due later (``run_at``, ``delay_ms``).

        Written PENDING for the tick's outbox to push, or with ``queued`` QUEUED (at
        ``now``) for the caller to push right after commit (``Handoff.submit``; the
        tick's repair pushes them if that push is lost).

        The job is read once, in the transaction that writes the runs, together with
        its handler's catalog entry (None when it has none): ``check`` is called with
        both first (it raises to refuse the runs, e.g. a payload its handler rejects),
        so nothing is written for a refused trigger. With an idempotency ``key``, a
        repeated request returns the runs the first one created (requests with one key
        are serialised by a transaction-scoped advisory lock). With ``max_unfinished``,
        runs that would leave the job more unfinished runs than that are refused
        (``ConflictError`` naming the limit), none written."""
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            row = conn.execute(q("get_job_to_trigger"), {"id": jid}).fetchone()
            job = _found(row, "job", job_id)
            published = job.pop("published")
            if key is not None:
                conn.execute(q("lock_trigger_key"), {"lock": f"{jid}:{key}"})
                first = conn.execute(q("get_trigger_key"), {"job_id": jid, "key": key}).fetchone()
                if first is not None:
                    rows = conn.execute(
                        q("executions_by_ids"), {"ids": first["execution_ids"]}
                    ).fetchall()
                    if rows:
                        return [execution_from_row(r) for r in rows]
                    # Its runs are gone (the job's history was cleaned up): a new request.
                    conn.execute(q("delete_trigger_key"), {"job_id": jid, "key": key})
            if check is not None:
                check(job_from_row(job), published)
            if job["status"] == "PAUSED":
                raise ConflictError("job is paused; resume it before triggering")
            if max_unfinished is not None:
                conn.execute(q("lock_job_runs"), {"job_id": jid})
                self._check_room(conn, jid, len(runs), max_unfinished)
            times = [run_time(run, now) for run in runs]
            ids = [run_id(when) for when in times]
            # One round trip for the writes: the runs' ids are chosen here, so the key
            # and the audit entry need not wait for the INSERT's answer.
            with conn.pipeline():
                created = self._insert_triggered(conn, job, ids, times, runs, now, key, queued)
                if key is not None:
                    conn.execute(
                        q("insert_trigger_key"),
                        {"job_id": jid, "key": key, "ids": ids, "batch": len(runs) > 1, "now": now},
                    )
                change = changes.triggered(
                    [e.id for e in created], [changes.plain(r) for r in runs]
                )
                audit_log.record(conn, audit, "job", jid, change, now)
        # Runs due on a day without its partition (far ahead): moved into its new one.
        self._partitions_for(times)
        return created

    @staticmethod
    def _insert_triggered(
        conn: psycopg.Connection[dict[str, Any]],
        job: dict[str, Any],
        ids: list[uuid.UUID],
        times: list[datetime],
        runs: Sequence[dict[str, Any]],
        now: datetime,
        key: str | None,
        queued: bool,
    ) -> list[Execution]:
        """Send a trigger's runs (ids and times chosen by the caller) as one INSERT, and return
        them as written, in the order asked for. Nothing is read back: every value is
        the job's snapshot, the run's override or a column default, all known here
        (``test_handoff.py`` compares them with the stored rows). The job's payload is
        encoded once, and the runs that do not override it share it."""
        keys = None
        if key is not None:
            keys = [key] if len(runs) == 1 else [f"{key}#{i}" for i in range(len(runs))]
        status = S.QUEUED if queued else S.PENDING
        queued_at = now if queued else None
        conn.execute(
            q("insert_triggered"),
            {
                "ids": ids,
                "scheduled_for": times,
                "priorities": [run.get("priority") for run in runs],
                "payloads": [
                    None if run.get("payload") is None else Jsonb(run["payload"]) for run in runs
                ],
                "keys": keys,
                "job_id": job["id"],
                "status": status.value,
                "queued_at": queued_at,
                **_job_snapshot(job),
                "now": now,
            },
        )
        job_id = str(job["id"])
        return [
            Execution(
                id=sid,
                job_id=job_id,
                status=status.value,
                scheduled_for=when,
                priority=job["priority"] if run.get("priority") is None else run["priority"],
                handler=job["handler"],
                payload=job["payload"] if run.get("payload") is None else run["payload"],
                source="trigger",
                max_retries=job["max_retries"],
                timeout_ms=job["timeout_ms"],
                retry_backoff_ms=job["retry_backoff_ms"],
                retry_backoff_max_ms=job["retry_backoff_max_ms"],
                queued_at=queued_at,
                created_at=now,
                updated_at=now,
                job_name=job["name"],
                idempotency_key=sid if keys is None else keys[i],
                pool=job["pool"],
                max_concurrency=job["max_concurrency"],
            )
            for i, (sid, run, when) in enumerate(zip(map(str, ids), runs, times, strict=True))
        ]

    @staticmethod
    def _check_room(
        conn: psycopg.Connection[dict[str, Any]], job_id: uuid.UUID, adding: int, limit: int
    ) -> None:
        """Refuse ``adding`` runs that would leave the job over ``limit`` unfinished ones.
        The caller holds ``lock_job_runs`` (to commit): the job's other triggers and
        backfills wait to count."""
        params = {"job_id": job_id, "limit": limit}
        n = conn.execute(q("count_unfinished_of_job"), params).fetchone()["n"]
        if n + adding > limit:
            raise ConflictError(
                f"the job has {n} unfinished runs and holds at most {limit} "
                f"(MAX_UNFINISHED_RUNS_PER_JOB): {adding} more do not fit; let some "
                "finish, or cancel them",
                limit=limit,
                unfinished=n,
            )

    def backfill(
        self,
        job_id: str,
        start: datetime,
        end: datetime,
        now: datetime,
        audit: Audit | None = None,
        limit: int = 500,
        max_unfinished: int | None = None,
    ) -> tuple[list[Execution], int]:
        """Runs for the occurrences of a job's schedule in ``start <= t < end`` that have
        not run (never recorded, or SKIPPED), once: a repeated backfill finds them
        written. Under any overlap policy but ``allow`` they run one at a time, oldest
        first (held back, released by the tick). Returns the runs written and how many
        occurrences in the range had run already. More than ``limit`` in the range is
        refused, naming ``end``; runs past ``max_unfinished`` (as ``create_triggered``),
        with a ``ConflictError``."""
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            if max_unfinished is not None:
                # Before the job row, as a trigger takes them (its insert then waits
                # for the row): the other order could deadlock with a trigger.
                conn.execute(q("lock_job_runs"), {"job_id": jid})
            # Locked: two backfills of one job cannot interleave their checks.
            job = _found(
                conn.execute(q("get_job_for_update"), {"id": jid}).fetchone(), "job", job_id
            )
            if not job["schedule"]:
                raise ConflictError("the job has no schedule to backfill")
            if job["status"] == "PAUSED":
                raise ConflictError("job is paused; resume it before backfilling")
            times, more = cron.between(
                job["schedule"], job["timezone"], start, end, limit, dst_rule(job)
            )
            if more:
                raise ValidationError(
                    {"end": f"the range holds more than {limit} occurrences; backfill less"}
                )
            ran = {
                r["scheduled_for"]
                for r in conn.execute(q("ran_occurrences"), {"job_id": jid, "times": times})
            }
            hold = job["overlap_policy"] != "allow"
            rows = [
                self._execution_row(job, t, "backfill", now, wait=hold)
                for t in times
                if t not in ran
            ]
            if max_unfinished is not None and rows:
                self._check_room(conn, jid, len(rows), max_unfinished)
            created = self._insert_executions(conn, rows, {job["id"]: job["name"]}) if rows else []
            change = {
                "executions": {"after": [e.id for e in created]},
                "range": {"after": {"start": start.isoformat(), "end": end.isoformat()}},
            }
            audit_log.record(conn, audit, "job", jid, change, now)
        self._partitions_for([e.scheduled_for for e in created])
        return created, len(times) - len(created)

    def occurrences(
        self, job_id: str, since: datetime, until: datetime, limit: int, now: datetime
    ) -> tuple[Job, list[dict[str, Any]], bool]:
        """The ledger of a job's occurrences in ``since <= t < until`` (at most
        ``limit``): each expected one, and what became of it (``ledger.entries``)."""
        with self.tx() as conn:
            job = _found(
                conn.execute(q("get_job"), {"id": parse_uuid(job_id, "job")}).fetchone(),
                "job",
                job_id,
            )
            rows = conn.execute(
                q("occurrence_rows"),
                {"job_id": job["id"], "since": since, "until": until, "limit": limit + 1},
            ).fetchall()
        start = max(since, job["created_at"])
        expected: list[datetime] = []
        dropped: list[datetime] = []
        more = len(rows) > limit
        if job["schedule"] and start < until:
            rule = dst_rule(job)
            try:
                expected, cut = cron.between(
                    job["schedule"], job["timezone"], start, until, limit, rule
                )
                if rule.gap == "skip":
                    shifted, _ = cron.between(
                        job["schedule"], job["timezone"], start, until, limit, cron.DstRule()
                    )
                    dropped = sorted(set(shifted) - set(expected))
            except Exception:
                # A stored schedule that no longer computes (its schedule_error says
                # why): the ledger shows what was recorded.
                expected, cut, dropped = [], False, []
            more = more or cut
        elif job["run_at"] and since <= job["run_at"] < until:
            expected = [job["run_at"]]
        recorded = [
            ledger.RunRow(
                str(r["id"]),
                r["scheduled_for"],
                r["source"],
                r["status"],
                r["error"],
                r["created_at"],
            )
            for r in rows[:limit]
        ]
        items = ledger.entries(expected, dropped, recorded, job["next_run_time"], now)
        return job_from_row(job), items[:limit], more or len(items) > limit

    # ------------------------------------------------------------ the catalog

    def publish_handlers(self, handlers: Sequence[dict[str, Any]], now: datetime) -> None:
        """Record what a worker serves (``Handler.describe()``), replacing older entries
        of the same names."""
        rows = [
            {
                **h,
                "schema": Jsonb(h["schema"]) if h["schema"] is not None else None,
                "overridable": list(h.get("overridable") or ()),
                "now": now,
            }
            for h in handlers
        ]
        if rows:
            with self.tx() as conn, conn.cursor() as cur:
                cur.executemany(q("upsert_handler"), rows)

    def catalog_entry(self, name: str) -> dict[str, Any] | None:
        with self.tx() as conn:
            return conn.execute(q("get_handler"), {"name": name}).fetchone()

    def catalog(self) -> list[dict[str, Any]]:
        with self.tx() as conn:
            return conn.execute(q("list_handlers")).fetchall()

    def pending(self, limit: int = 1000) -> list[tuple[QueueItem, datetime]]:
        """Executions written but not yet pushed (the outbox), with when each is due."""
        with self.tx() as conn:
            rows = conn.execute(q("pending_executions"), {"limit": limit}).fetchall()
        return [(queue_item(r), r["due"]) for r in rows]

    def mark_queued(self, ids: Sequence[str], now: datetime) -> None:
        if ids:
            with self.tx() as conn:
                conn.execute(q("mark_queued"), {"ids": [uuid.UUID(i) for i in ids], "now": now})

    def mark_promoted(self, ids: Sequence[str], now: datetime) -> None:
        if ids:
            with self.tx() as conn:
                conn.execute(q("mark_promoted"), {"ids": [uuid.UUID(i) for i in ids], "now": now})

    def queued_between(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Runs written QUEUED (by ``create_triggered(queued=True)``) in ``since <=
        created_at < until``, shaped as ``unfinished`` returns them: those a writer
        that crashed between commit and push left for the tick's repair."""
        with self.tx() as conn:
            rows = conn.execute(q("queued_between"), {"since": since, "until": until}).fetchall()
        return [{**r, "id": str(r["id"])} for r in rows]

    def unfinished(
        self,
        ids: Sequence[str] | None = None,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Executions Redis should hold (all, or those among ``ids``): for rebuilding
        the queue after Redis lost it, and for the periodic reconcile. With ``limit``,
        one keyset page of them in (created_at, id) order, after ``after`` (the last
        row's ``created_at`` and ``id`` of the page before; None: the first page)."""
        with self.tx() as conn:
            if limit is not None:
                at, eid = after or (None, None)
                params = {
                    "after_at": "-infinity" if at is None else at,
                    "after_id": eid or uuid.UUID(int=0),
                    "limit": limit,
                }
                rows = conn.execute(q("unfinished_executions_page"), params).fetchall()
            elif ids is None:
                rows = conn.execute(q("unfinished_executions")).fetchall()
            else:
                among = {"ids": [uuid.UUID(i) for i in ids]}
                rows = conn.execute(q("unfinished_executions_among"), among).fetchall()
        return [{**r, "id": str(r["id"])} for r in rows]

    # --------------------------------------------------------------- workers

    def claimed(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows of claimed runs that may start, read in one statement, unlocked
        (what follows is written by ``record``, guarded). A run finished, cancelled or
        deleted meanwhile is left out: the caller acks it away."""
        # An id that is no uuid (something else wrote to the queue) has no row: left
        # out here, it is acked away like a deleted run instead of failing its batch.
        ids = [i for i in ids if _UUID_TEXT.fullmatch(i)]
        if not ids:
            return []
        dated = {i: scheduled_ms(i) for i in ids}
        rows = self._claimed([{"id": i, "ms": ms} for i, ms in dated.items()])
        # An id whose time is not its row's (a row whose scheduled_for was changed by
        # hand) is read again by id alone: no claimed run may pass for one that ended.
        found = {r["id"] for r in rows}
        again = [{"id": i, "ms": None} for i, ms in dated.items() if ms and i not in found]
        return rows + self._claimed(again) if again else rows

    def _claimed(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.statement() as conn:
            return conn.execute(q("claimed_executions"), {"runs": Jsonb(runs)}).fetchall()

    def record(
        self,
        starts: Sequence[Held],
        ends: Sequence[tuple[Held, Finish]],
        now: datetime,
        policy: RetryPolicy | None = None,
    ) -> tuple[dict[str, Held], dict[str, Recorded]]:
        """Record runs RUNNING (``starts``) and attempts' ends, all in one statement
        (``record_runs``); returns the runs recorded RUNNING, as now held, and what was
        written for each end that still held its row. A write whose row changed since
        the holder read or wrote it (another worker's lease, a cancel, an earlier
        result) is dropped: neither returned nor written.

        A row PostgreSQL refuses for its data (a DataError, a value psycopg cannot
        encode) must not stall the batch, nor pass for an outage to retry forever:
        the batch is then written row by row, and each refused result is recorded
        FAILED and dead-lettered with the reason instead.
        """
        writes = [begin(h, now) for h in starts]
        writes += [_end(h, f, now, policy) for h, f in ends]
        try:
            written = self._write(writes, now)
        except REFUSED_FOR_DATA:
            written = []
            for w, finish in zip(writes, [None] * len(starts) + [f for _, f in ends], strict=True):
                try:
                    written += self._write([w], now)
                except REFUSED_FOR_DATA as exc:
                    if finish is None:
                        raise
                    written += self._write([_end(w.held, _refused(finish, exc), now, policy)], now)
        started = {w.held.id: w.after() for w in written if w.recorded is None}
        ended = {w.held.id: w.recorded for w in written if w.recorded is not None}
        return started, ended

    def _write(self, writes: Sequence[Write], now: datetime) -> list[Write]:
        """``record_runs``, aimed at the partition each row was read from (its ``part``),
        in one transaction; the writes that landed.

        A statement on the parent opens and locks every partition and its indexes, so
        rows are written straight into their partition: one statement when they share
        it, as they nearly always do. Aiming at a partition is only a shortcut, never a
        way to lose a write: a partition that retention dropped since the read (its
        kept rows moved to the default partition) fails the statement with
        UndefinedTable, and a row not found where it was read (or read without its
        ``part``) goes through the parent statement, guarded the same way."""
        if not writes:
            return []
        by_table: dict[str, list[Write]] = {}
        for w in writes:
            by_table.setdefault(w.held.row.get("part") or "executions", []).append(w)
        landed: set[str] = set()
        with self.statement() as conn:
            if list(by_table) != ["executions"]:
                try:
                    if len(by_table) == 1:
                        landed = _record_runs(conn, *by_table.items(), now=now)
                    else:
                        with conn.transaction():
                            landed = _record_runs(conn, *by_table.items(), now=now)
                except psycopg.errors.UndefinedTable:
                    landed = set()  # nothing written: all go through the parent
            missed = [w for w in writes if w.held.id not in landed]
            if missed:
                landed |= _record_runs(conn, ("executions", missed), now=now)
        return [w for w in writes if w.held.id in landed]

    def note_cancelled(self, ends: Sequence[tuple[Held, str | None]], now: datetime) -> set[str]:
        """Add to the history of runs a user cancelled before anything of them was
        written the attempt their worker ran, ended CANCELLED with ``error``
        (``note_cancelled_attempts``); the ids noted. A run retried since, or whose
        row changed otherwise, is left as it is."""
        if not ends:
            return set()
        rows = [
            {
                "id": held.id,
                "scheduled_for": held.row["scheduled_for"].isoformat(),
                "expect_attempt": held.row["attempt"],
                "expect_token": held.row["lease_token"],
                "attempt": cancelled_attempt(held, now, error),
                "worker_id": held.worker_id,
            }
            for held, error in ends
        ]
        with self.statement() as conn:
            found = conn.execute(q("note_cancelled_attempts"), {"rows": Jsonb(rows), "now": now})
            return {r["id"] for r in found}

    def start(
        self, claims: Sequence[tuple[str, str]], worker_id: str, now: datetime
    ) -> list[Execution]:
        """Records claimed executions RUNNING under their lease tokens, as a worker does
        for a run that outlives RECORD_RUNNING_AFTER_MS (tests and tools start runs
        this way). A still-open attempt (its worker vanished and the lease lapsed) is
        closed as LOST. Claims whose execution is already finished, cancelled or
        deleted are left out. The executions returned are as the worker holds them
        (``claimed_executions``): without created_at, updated_at, result or alerts."""
        tokens = dict(claims)
        rows = self.claimed(list(tokens))
        held = [Held(r, tokens[str(r["id"])], worker_id, now) for r in rows]
        started, _ = self.record(held, [], now)
        return [execution_from_row(h.row) for h in started.values()]

    def finish(
        self, finishes: Sequence[Finish], now: datetime, policy: RetryPolicy | None
    ) -> dict[str, Recorded]:
        """Records the results of attempts recorded RUNNING (by ``start``), for the ids
        that still hold their lease (results from stale leases are ignored)."""
        with self.tx() as conn:
            tokens = {f.execution_id: f.token for f in finishes}
            rows = conn.execute(
                q("lock_running"), {"ids": [uuid.UUID(i) for i in tokens]}
            ).fetchall()
        held = {
            str(r["id"]): Held(r, r["lease_token"], r["worker_id"], r["started_at"], True)
            for r in rows
            if r["lease_token"] == tokens[str(r["id"])]
        }
        ends = [(held[f.execution_id], f) for f in finishes if f.execution_id in held]
        return self.record([], ends, now, policy)[1]

    def hand_back(self, claims: Sequence[tuple[str, str]], now: datetime) -> list[str]:
        """Returns runs recorded RUNNING under these leases to QUEUED (a stopping
        worker's hand-back)."""
        back = [Finish(i, t, AttemptOutcome.HANDED_BACK, error="worker stopped") for i, t in claims]
        return list(self.finish(back, now, None))

    # ------------------------------------------------------------ notifications

    def claim_notifications(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[dict[str, Any]]:
        """Due notifications with their job's notify_url and secret, leased to the caller,
        oldest first (an UPDATE returns its rows in no particular order)."""
        with self.tx() as conn:
            rows = conn.execute(
                q("claim_notifications"), {"now": now, "limit": limit, "lease_until": now + lease}
            ).fetchall()
        # At one instant, a dead-letter entry is the last word on its run.
        return sorted(rows, key=lambda r: (r["created_at"], r["kind"] == alerts.DEAD_LETTER))

    def notification_sent(self, notification_id: Any, now: datetime) -> None:
        with self.tx() as conn:
            conn.execute(q("notification_sent"), {"id": notification_id, "now": now})

    def notification_failed(
        self, notification_id: Any, error: str, retry_at: datetime, max_attempts: int
    ) -> None:
        with self.tx() as conn:
            conn.execute(
                q("notification_failed"),
                {
                    "id": notification_id,
                    "error": clean_text(error, MAX_ERROR_TEXT),
                    "retry_at": retry_at,
                    "max_attempts": max_attempts,
                },
            )

    # ------------------------------------------------------------ executions

    def get_execution(self, execution_id: str) -> Execution:
        eid = parse_uuid(execution_id, "execution")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_execution"), {"id": eid}).fetchone(), "execution", execution_id
            )
        return execution_from_row(row)

    def list_executions(
        self,
        job_id: str | None = None,
        status: str | None = None,
        handler: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page:
        jid = parse_uuid(job_id, "job") if job_id else None
        after = keyset.decode(cursor, "executions", TIME_KEY) or [None, None]
        params = {
            "job_id": jid,
            "status": status,
            "handler": handler,
            "after_at": after[0],
            "after_id": after[1],
        }
        # Totals come from the counters: the status ones when no job or handler is named.
        count = "count_executions_by_status" if jid is None and handler is None else None
        return self._paged(
            q(count or "count_executions"),
            q("list_executions"),
            params,
            limit,
            ("executions", _time_key),
            execution_from_row,
        )

    def cancel(self, execution_id: str, now: datetime, audit: Audit | None = None) -> Execution:
        eid = parse_uuid(execution_id, "execution")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_execution_for_update"), {"id": eid}).fetchone(),
                "execution",
                execution_id,
            )
            if not allowed(row["status"], S.CANCELLED):
                raise ConflictError(f"execution is {row['status']}; only unfinished runs cancel")
            history = attempts.close(row["attempts"], AttemptOutcome.CANCELLED, now, "cancelled")
            conn.execute(
                q("cancel_execution"),
                {"id": eid, "attempts": Jsonb(history), "reason": "cancelled", "now": now},
            )
            change = changes.status_change(row["status"], S.CANCELLED.value)
            audit_log.record(conn, audit, "execution", eid, change, now)
        return self.get_execution(execution_id)

    def requeue(self, execution_id: str, now: datetime, audit: Audit | None = None) -> Execution:
        """Manual retry of a FAILED or CANCELLED execution: back to PENDING, DLQ entry gone."""
        eid = parse_uuid(execution_id, "execution")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_execution_for_update"), {"id": eid}).fetchone(),
                "execution",
                execution_id,
            )
            if not allowed(row["status"], S.PENDING):
                raise ConflictError(
                    f"execution is {row['status']}; only FAILED or CANCELLED runs retry"
                )
            conn.execute(q("requeue_execution"), {"id": eid, "now": now})
            entry = conn.execute(q("delete_dead_letter_of_execution"), {"id": eid}).fetchone()
            change = changes.status_change(row["status"], S.PENDING.value)
            if entry:  # a retry of a FAILED run (and every redrive) removes its DLQ entry
                change["dead_letter_id"] = {"before": str(entry["id"]), "after": None}
            audit_log.record(conn, audit, "execution", eid, change, now)
        return self.get_execution(execution_id)

    def delete_executions_older_than(
        self,
        cutoff: datetime,
        statuses: Sequence[str] | None = None,
        pause: Callable[[float], None] = time.sleep,
    ) -> int:
        """Deletes finished executions (of ``statuses``) that finished before ``cutoff``,
        except those with a dead-letter entry; returns how many. Also prunes trigger
        keys and delivered notifications older than ``cutoff``.

        Never blocks the hot path (migration 0016): each whole day before the cutoff
        has its deletable rows deleted from its partition in short transactions, then
        is detached in one short transaction (its kept rows moved to the default
        partition) that gives way when it cannot get its lock at once
        (``PARTITION_LOCK_TIMEOUT``; ``pause`` between tries), then dropped without
        locking what the hot path uses. What remains (the cutoff's own day, the
        default partition) is deleted in batches."""
        terminal = [S.SUCCEEDED.value, S.FAILED.value, S.CANCELLED.value, S.SKIPPED.value]
        statuses = [s for s in (statuses or terminal) if s in terminal]
        params = {"cutoff": cutoff, "statuses": list(statuses), "batch": CLEANUP_BATCH}
        self._drop_detached(pause, tries=1)  # any a crash left detached
        with self.statement() as conn:
            parts = [r["part"] for r in conn.execute(q("old_execution_partitions"), params)]
        deleted = 0
        for part in parts:
            try:
                deleted += self._empty_partition(part, params)
            except psycopg.errors.UndefinedTable:
                continue  # another cleanup dropped it meanwhile
            self._drop_partition(part, pause)
        while True:
            with self.tx() as conn:  # one short transaction per batch
                n = conn.execute(q("delete_old_executions"), params).rowcount
            deleted += n
            if n < CLEANUP_BATCH:
                break
        with self.tx() as conn:
            conn.execute(q("delete_old_trigger_keys"), {"cutoff": cutoff})
        while True:
            with self.tx() as conn:
                n = conn.execute(q("delete_old_notifications"), params).rowcount
            if n < CLEANUP_BATCH:
                break
        return deleted

    def delete_audit_older_than(self, cutoff: datetime) -> int:
        """Deletes audit entries written before ``cutoff``, in batches; returns how many."""
        deleted = 0
        while True:
            with self.tx() as conn:  # one short transaction per batch
                n = conn.execute(
                    q("delete_old_audit"), {"cutoff": cutoff, "batch": CLEANUP_BATCH}
                ).rowcount
            deleted += n
            if n < CLEANUP_BATCH:
                return deleted

    def _empty_partition(self, part: str, params: dict[str, Any]) -> int:
        """Deletes an old day's deletable rows from its partition, ``CLEANUP_BLOCKS``
        heap blocks per statement (each its own transaction), then VACUUMs it so that
        its indexes list only the rows left; returns how many it deleted."""
        deleted = 0
        with self.statement() as conn:
            blocks = conn.execute(q("partition_blocks"), {"part": part}).fetchone()["n"]
            for start in range(0, blocks, CLEANUP_BLOCKS):
                args = {**params, "part": part, "from": start, "to": start + CLEANUP_BLOCKS}
                deleted += conn.execute(q("delete_partition_rows"), args).fetchone()["n"]
            # No TRUNCATE: shortening the file would take the partition's strongest lock.
            conn.execute(
                sql.SQL("VACUUM (TRUNCATE false, INDEX_CLEANUP on) {}").format(sql.Identifier(part))
            )
        return deleted

    def _giving_way(
        self, query: str, args: dict[str, Any], pause: Callable[[float], None], tries: int
    ) -> dict[str, Any] | None:
        """``query`` in a transaction that waits at most ``PARTITION_LOCK_TIMEOUT`` for
        its locks (while it waits, the hot path queues behind it), tried ``tries``
        times ``DROP_PAUSE_S`` apart; its row, or None when it never got its locks."""
        for attempt in range(tries):
            if attempt:
                pause(DROP_PAUSE_S)
            try:
                with self.tx() as conn:
                    conn.execute(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_TIMEOUT}'")
                    return conn.execute(query, args).fetchone()
            except DependencyError as exc:
                if not isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
                    raise
        return None

    def _drop_partition(self, part: str, pause: Callable[[float], None]) -> None:
        """Detaches an emptied day (``detach_execution_partition``) in one short
        transaction that gives way to the hot path, then drops it
        (``_drop_detached``)."""
        args = {"part": part, "max_kept": MAX_KEPT_TO_MOVE}
        try:
            row = self._giving_way(q("detach_execution_partition"), args, pause, DROP_TRIES)
        except psycopg.errors.UndefinedTable:
            return  # another cleanup dropped it meanwhile
        if row is None:
            log.warning("retention could not drop %s yet (busy); a later run will", part)
        elif row["n"] < 0:
            log.warning("retention kept %s: more than %s runs to keep", part, MAX_KEPT_TO_MOVE)
        else:
            # A later write to that day makes its partition again.
            self._partition_days.pop(datetime.strptime(part[-8:], "%Y%m%d").date(), None)
            self._drop_detached(pause, DROP_TRIES)

    def _drop_detached(self, pause: Callable[[float], None], tries: int) -> None:
        """Drops the detached days: first their foreign keys to jobs, in a short
        transaction that gives way (it locks jobs), then the tables, in a transaction
        that locks nothing the hot path uses (its commit, removing a day's files, is
        slow)."""
        if self._giving_way(q("unlink_detached_executions"), {}, pause, tries) is None:
            log.warning("retention could not unlink the detached days yet (busy)")
        with self.statement() as conn:
            conn.execute(q("drop_detached_executions"))

    # ----------------------------------------------------------- dead letter

    def list_dead_letter(self, limit: int | None = None, cursor: str | None = None) -> Page:
        after = keyset.decode(cursor, "dead_letter", TIME_KEY) or [None, None]
        return self._paged(
            q("dead_letter_count"),
            q("list_dead_letter"),
            {"after_at": after[0], "after_id": after[1]},
            limit,
            ("dead_letter", _time_key),
            dead_letter_from_row,
        )

    def get_dead_letter(self, entry_id: str) -> DeadLetter:
        did = parse_uuid(entry_id, "dead-letter entry")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_dead_letter"), {"id": did}).fetchone(),
                "dead-letter entry",
                entry_id,
            )
        return dead_letter_from_row(row)

    def delete_dead_letter(self, entry_id: str, now: datetime, audit: Audit | None = None) -> None:
        did = parse_uuid(entry_id, "dead-letter entry")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("delete_dead_letter"), {"id": did}).fetchone(),
                "dead-letter entry",
                entry_id,
            )
            change = changes.deleted(row, changes.DEAD_LETTER_FIELDS)
            audit_log.record(conn, audit, "dead_letter", did, change, now)

    # ------------------------------------------------------------- audit log

    def list_audit(
        self, filters: dict[str, Any], limit: int | None = None, cursor: str | None = None
    ) -> Page:
        """Audit entries newest first. ``filters``: action, target_type, target_id,
        key_id, since, until (each None for no filter)."""
        limit, before_id = _page_limit(limit), audit_log.decode_cursor(cursor)
        # The unfiltered total from its counter; a filter counts through its index.
        count = "count_audit" if any(v is not None for v in filters.values()) else "audit_total"
        with self.tx() as conn:
            conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")  # see _paged
            total = conn.execute(q(count), filters).fetchone()["n"]
            rows = conn.execute(
                q("list_audit"), {**filters, "before_id": before_id, "limit": limit + 1}
            ).fetchall()
        return _page(
            rows,
            limit,
            audit_log.entry_from_row,
            lambda row: audit_log.encode_cursor(row["id"]),
            total,
        )

    # ----------------------------------------------------------- housekeeping

    def maintain(self, now: datetime) -> None:
        """The tick's housekeeping: fold the counters' deltas, and (hourly) make sure
        the daily partitions of executions exist ``PARTITION_DAYS_AHEAD`` days ahead.
        A failure is logged and retried on a later pass; nothing depends on it at once
        (readers add unfolded deltas; a day without a partition uses the default one)."""
        try:
            with self.tx() as conn:
                conn.execute(q("fold_count_deltas"))
                conn.execute(q("fold_audit_count"))
                conn.execute(q("fold_run_durations"))
                conn.execute(q("fold_run_minutes"), {"keep_since": now - ROLLUP_KEEP})
                conn.execute(q("fold_alert_minutes"), {"keep_since": now - timedelta(days=1)})
        except psycopg.Error as exc:  # e.g. a job deleted meanwhile: the next pass folds
            log.warning("counters not folded: %s", _first_line(exc))
        checked = self._partitions_checked
        if checked is not None and checked <= now < checked + PARTITION_CHECK_EVERY:
            return
        try:
            with self.tx() as conn:
                # Attaching waits for queries on the default partition; never for long.
                conn.execute(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_TIMEOUT}'")
                params = {"now": now, "days": PARTITION_DAYS_AHEAD + 1}
                conn.execute(q("ensure_execution_partitions"), params)
            self._partitions_checked = now
        except (psycopg.Error, DependencyError) as exc:
            log.warning("partitions not created yet: %s", exc)

    def _partitions_for(self, times: Sequence[datetime]) -> None:
        """Makes sure the days of these run times have their partitions, so no day's
        runs pile up in the default partition (a run written far ahead used to spoil its
        day: the partition could not be attached later). Rows the default partition
        already holds of such a day are moved into it (migration 0016). A day seen
        within ``PARTITION_KNOWN_S`` costs nothing; a failure (the lock not had within
        ``PARTITION_LOCK_TIMEOUT``) is logged, the rows go to the default partition,
        and the tick's next check of the day moves them."""
        clock = time.monotonic()
        days = {t.astimezone(UTC).date() for t in times}
        missing = [d for d in days if self._partition_days.get(d, 0.0) < clock]
        if not missing:
            return
        starts = [datetime.combine(d, datetime.min.time(), UTC) for d in sorted(missing)]
        try:
            with self.tx() as conn:
                conn.execute(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_TIMEOUT}'")
                conn.execute(q("ensure_partition_days"), {"times": starts})
        except (psycopg.Error, DependencyError) as exc:
            log.warning("partitions not created yet: %s", _first_line(exc))
            return
        for d in missing:
            self._partition_days[d] = clock + PARTITION_KNOWN_S

    # --------------------------------------------------------------- metrics

    def counts(self) -> dict[str, Any]:
        with self.tx() as conn:
            job_rows = conn.execute(q("job_counts")).fetchall()
            jobs = {r["status"]: r["n"] for r in job_rows}
            broken = sum(r["broken"] for r in job_rows)
            executions = {r["status"]: r["n"] for r in conn.execute(q("execution_counts"))}
            dead = conn.execute(q("dead_letter_count")).fetchone()["n"]
        return {
            "jobs": jobs,
            "schedule_errors": broken,
            "executions": executions,
            "dead_letter": dead,
        }

    def alert_counts(self, now: datetime) -> dict[str, int]:
        """SLA breaches raised in the last hour, by kind, from per-minute rollups
        (migration 0017; the oldest minute pro rata, as rollups.weight says)."""
        since = minute_start(now) - timedelta(hours=1)
        with self.tx() as conn:
            rows = conn.execute(q("alert_minutes"), {"since": since, "now": now}).fetchall()
        found: dict[str, float] = {}
        for r in rows:
            share = weight(r["minute"], now, timedelta(hours=1))
            found[r["kind"]] = found.get(r["kind"], 0.0) + r["n"] * share
        return {kind: round(found.get(kind, 0.0)) for kind in alerts.BREACHES}

    def run_minutes(self, since: datetime, now: datetime, bucket_s: int = 60) -> list[MinuteRow]:
        """Runs that ended SUCCEEDED or FAILED from ``since`` (a minute's start) to
        ``now``, per ``bucket_s`` seconds (a multiple of 60), final status and duration
        bucket, from the per-minute rollups (migration 0017): never the runs."""
        params = {"since": since, "now": now, "bucket_s": bucket_s}
        with self.tx() as conn:
            rows = conn.execute(q("run_minutes"), params).fetchall()
        return [
            MinuteRow(r["minute"].astimezone(UTC), r["status"], float(r["le"]), int(r["n"]))
            for r in rows
        ]

    def run_durations(self) -> list[dict[str, Any]]:
        """The run duration histogram (migration 0010): ``status``, ``le`` (a bucket's
        upper bound in seconds, ``inf`` last), ``n`` runs in that bucket alone and
        ``sum_s``, for every final status and bucket."""
        with self.tx() as conn:
            return conn.execute(q("run_durations")).fetchall()

    def doctor_figures(self, now: datetime, overdue_after: timedelta) -> dict[str, Any]:
        """What ``jobsched doctor`` checks in PostgreSQL, each through an index: jobs
        due for longer than ``overdue_after`` and not scheduled, jobs the tick cannot
        schedule, PENDING runs not pushed for as long, RUNNING runs (the first 1000),
        dead-letter entries (in all, and added in the last hour)."""
        before = now - overdue_after
        limit = {"limit": 1000}
        with self.tx() as conn:
            return {
                "overdue": conn.execute(
                    q("doctor_overdue_jobs"), {"before": before, **limit}
                ).fetchall(),
                "unschedulable": conn.execute(q("doctor_unschedulable_jobs"), limit).fetchall(),
                "stale_pending": conn.execute(
                    q("doctor_stale_pending"), {"before": before}
                ).fetchone()["n"],
                "running": [
                    {**r, "id": str(r["id"])}
                    for r in conn.execute(q("doctor_running"), limit).fetchall()
                ],
                "dead_letter": conn.execute(
                    q("doctor_dead_letter_growth"), {"since": now - timedelta(hours=1)}
                ).fetchone(),
            }
