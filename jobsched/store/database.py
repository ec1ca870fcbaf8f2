"""The connection pool and what every repository shares: a transaction, a single
statement, the request's time limit, keyset pages, 404s."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from jobsched.errors import DependencyError, NotFoundError, StatementTimeoutError
from jobsched.sanitize import clean_text
from jobsched.store import stored_json

log = logging.getLogger("jobsched.store")

Conn = psycopg.Connection[dict[str, Any]]


RECENTLY_USED_S = 1.0
_OPEN = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)
_IDLE = psycopg.pq.TransactionStatus.IDLE
"""A pooled connection returned this recently is not checked again on checkout."""


_TIME_LIMIT_MS: ContextVar[int | None] = ContextVar("statement_timeout_ms", default=None)
"""The statement timeout of the code running now (``Store.time_limit``); None: none."""


MAX_ERROR_TEXT = 1000


@dataclass
class StoredPage:
    """Up to ``limit`` rows of a list as models, each item's page key (typed values:
    what ``after`` takes to resume after it), whether more rows follow, and the total.
    The API turns keys into cursors and cuts a page to its byte budget
    (``jobsched.api.cursors``)."""

    items: list[Any]
    keys: list[list[Any]]
    more: bool
    total: int

    @property
    def after(self) -> list[Any] | None:
        """Where the next page starts (None: this is the last one)."""
        return self.keys[-1] if self.more and self.keys else None


def parse_uuid(value: str, what: str) -> uuid.UUID:
    # The 404 does not repeat what it was sent: an API key pasted where an id belongs
    # would reach the answer and the log.
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError(f"no {what} has this id") from None


def describe_error(exc: BaseException) -> str:
    """Why a job could not be scheduled, storable (no NUL, no lone surrogates)."""
    return clean_text(f"{type(exc).__name__}: {first_line(exc)}", MAX_ERROR_TEXT)


def first_line(exc: BaseException) -> str:
    """An error's first line (PostgreSQL's next lines quote the refused data), storable."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return clean_text(text, 500)


def _found(row: dict[str, Any] | None, what: str, ident: str) -> dict[str, Any]:
    """The row, or the 404 naming what was looked for."""
    if row is None:  # without the id, as parse_uuid: a key may be UUID-shaped too
        raise NotFoundError(f"no {what} has this id")
    return row


def _time_key(row: dict[str, Any]) -> list[Any]:
    """The page key of newest-first lists (executions, dead letter): (created_at, id)."""
    return [row["created_at"], row["id"]]


DEFAULT_PAGE = 50


def _page(
    rows: list[dict[str, Any]],
    limit: int,
    to_model: Callable[[dict[str, Any]], Any],
    key_of: Callable[[dict[str, Any]], list[Any]],
    total: int,
) -> StoredPage:
    """A page of the first ``limit`` of ``rows`` (read with one more, to know whether
    more follow)."""
    kept = rows[:limit]
    return StoredPage(
        [to_model(r) for r in kept], [key_of(r) for r in kept], len(rows) > limit, total
    )


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


class Database:
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
            configure=self._configure,
            open=False,
            name="jobsched",
        )
        self._returned_at: dict[int, float] = {}
        self._time_limits: dict[int, int | None] = {}
        """The statement_timeout each pooled connection has (by id), set on it when a
        caller needs another: the API's connections keep theirs, at no round trip."""
        self.pool.open(wait=False)

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """Pool hook: a new connection (whose id may be a closed one's). In autocommit
        for good: ``statement`` is then one round trip with nothing to switch per call,
        and ``tx`` opens its transaction with BEGIN (``conn.transaction()``), as the
        driver did implicitly before its first statement."""
        self._time_limits.pop(id(conn), None)
        conn.autocommit = True
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
        self._time_limits[id(conn)] = wanted

    @contextmanager
    def _checkout(self, timeout_s: float) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A pooled connection, its return time noted when it goes back in good order
        (by id: psycopg connections take no attributes; a reused id merely skips the
        check of a new connection). Noted here, not in the pool's ``reset`` hook: with
        one, the pool hands every returned connection to its worker thread, so the next
        checkout, a moment later on the same thread, waits for that thread to run
        (a context switch or two per call, measured by bench/floor.py's CPU figures)."""
        with self.pool.connection(timeout=timeout_s) as conn:
            try:
                yield conn
            finally:
                if not conn.closed and conn.info.transaction_status == _IDLE:
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
            with self._checkout(timeout_s) as conn:
                self._limit(conn)
                with conn.transaction():
                    yield conn
        except psycopg.errors.QueryCanceled as exc:
            raise _cancelled(exc) from exc
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise DependencyError("PostgreSQL unavailable", detail=str(exc)) from exc

    @contextmanager
    def pipelined_tx(self, timeout_s: float = 10.0) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A transaction in pipeline mode: BEGIN goes with the first statements and COMMIT
        with the last ones, so a block that reads once (fetching its first result) and
        then writes costs two round trips where ``tx`` takes one per statement, plus a
        BEGIN and a COMMIT. Statements whose results are never fetched are checked at
        the commit: an error there rolls everything back and raises, as in ``tx``. For
        the single trigger, whose reads are independent of each other.

        A statement that fails closes the connection (the server rolls back; the pool
        opens another): after an error inside a pipeline, the driver may believe a
        statement prepared that the server skipped, and the next use of that statement
        on the connection would fail ("prepared statement does not exist"). A block
        that refuses (a 4xx decided in Python) rolls back and keeps it."""
        try:
            with self._checkout(timeout_s) as conn:
                self._limit(conn)
                try:
                    with conn.pipeline():
                        conn.execute("BEGIN")  # (autocommit: BEGIN and COMMIT are ours)
                        yield conn
                        conn.execute("COMMIT")
                except psycopg.Error:
                    conn.close()
                    raise
                finally:
                    if not conn.closed and conn.info.transaction_status in _OPEN:
                        conn.execute("ROLLBACK")  # the block raised
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
            with self._checkout(timeout_s) as conn:
                self._limit(conn)
                yield conn
        except psycopg.errors.QueryCanceled as exc:
            raise _cancelled(exc) from exc
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise DependencyError("PostgreSQL unavailable", detail=str(exc)) from exc

    def ping(self, timeout_s: float = 10.0) -> bool:
        with self.tx(timeout_s) as conn:
            conn.execute("SELECT 1")
        return True


class Repository:
    """One aggregate's SQL over the store's one pool (``db``): its own statements and
    transactions, or a step in the caller's (the static methods taking ``conn``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def tx(self, timeout_s: float = 10.0) -> AbstractContextManager[Conn]:
        return self.db.tx(timeout_s)

    def statement(self, timeout_s: float = 10.0) -> AbstractContextManager[Conn]:
        return self.db.statement(timeout_s)

    def _paged(
        self,
        count_query: str,
        select_query: str | sql.Composable,
        params: dict[str, Any],
        limit: int,
        key_of: Callable[[dict[str, Any]], list[Any]],
        to_model: Any,
    ) -> StoredPage:
        """One page of a filtered list (``limit`` rows at most, checked by the caller),
        its total, and each row's page key (``key_of``).

        ``select_query`` reads the rows after the position it is given (its parameters
        are in ``params``)."""
        with self.tx() as conn:
            # The queries fold away the filters not given ("%(x)s IS NULL OR ..."); a
            # cached generic plan could not, and would miss the filter's index.
            conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            total = conn.execute(count_query, params).fetchone()["n"]
            rows = conn.execute(select_query, {**params, "limit": limit + 1}).fetchall()
        return _page(rows, limit, to_model, key_of, total)
