"""The daily partitions of executions: made ahead by the tick, and on write for a
day written to; and the tick's housekeeping (folding the counters)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import psycopg

from jobsched.errors import DependencyError
from jobsched.store.database import Database, Repository, first_line
from jobsched.store.queries import q

log = logging.getLogger("jobsched.store")


ROLLUP_KEEP = timedelta(days=8)
"""How far back the per-minute rollups of finished runs go (/metrics/executions serves
up to 7 days)."""


PARTITION_LOCK_TIMEOUT = "100ms"
"""How long a partition's DETACH/DROP (retention) or ATTACH (a new day) waits for its
lock. While it waits, every statement on executions queues behind it: it gives way
after this long and is tried again later, so the hot path waits at most about this
long behind a schema change."""


PARTITION_KNOWN_S = 600.0
"""A day whose partition was seen is not checked again on write for this long."""


PARTITION_DAYS_AHEAD = 7
"""Daily partitions of executions exist this many days ahead (the tick makes sure)."""


PARTITION_CHECK_EVERY = timedelta(hours=1)


class Partitions(Repository):
    """The one object that knows which days have their partition (the store's runs
    writers and retention share it)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._partitions_checked: datetime | None = None
        self._partition_days: dict[date, float] = {}
        """Days known to have their partition, until when (``ensure_for``)."""

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
            log.warning("counters not folded: %s", first_line(exc))
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

    def ensure_for(self, times: Sequence[datetime]) -> None:
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
            log.warning("partitions not created yet: %s", first_line(exc))
            return
        for d in missing:
            self._partition_days[d] = clock + PARTITION_KNOWN_S
