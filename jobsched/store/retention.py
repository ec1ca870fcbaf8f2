"""Retention: old runs, trigger keys, notifications and audit entries deleted
without blocking the hot path."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from jobsched.domain.states import ExecutionStatus
from jobsched.errors import DependencyError
from jobsched.store.database import Database, Repository
from jobsched.store.partitions import PARTITION_LOCK_TIMEOUT, Partitions
from jobsched.store.queries import q

S = ExecutionStatus


log = logging.getLogger("jobsched.store")


CLEANUP_BATCH = 5000


CLEANUP_BLOCKS = 256
"""Heap blocks (8 kB each, a few thousand runs) of an old day that retention deletes
from per statement: each its own short transaction."""


DROP_TRIES = 30


DROP_PAUSE_S = 1.0
"""Retention tries to drop an emptied day this many times, this far apart, in one run;
a day it could not drop (too busy) is dropped by a later run."""


MAX_KEPT_TO_MOVE = 10_000
"""A day with more rows to keep than this (e.g. a day of dead letters) is not dropped:
moving its rows would hold the lock too long. Its deletable rows are deleted anyway."""


class Retention(Repository):
    def __init__(self, db: Database, partitions: Partitions) -> None:
        super().__init__(db)
        self.partitions = partitions

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
            self.partitions._partition_days.pop(datetime.strptime(part[-8:], "%Y%m%d").date(), None)
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
