"""How long the hot path waits behind retention: a day of ``--runs`` finished runs is
dropped while threads run a worker's and the API's usual statements in a loop.

    .venv/bin/python -m bench.retention_lock [--runs 1000000] [--old]

The day (35 days back, its own partition) is filled with one ``INSERT ... SELECT
generate_series``: finished runs, 0.1 % of them FAILED with a dead-letter entry and
0.01 % still QUEUED (rows retention must keep and move to the default partition).
Three hot-path threads then loop, each timing every call: a trigger of 10 runs
(``trigger``, a write), the claim read of those runs (``claimed``), the first
page of ``list_executions`` and the tick's outbox read (``pending``). They run for
``--baseline`` seconds alone, then while ``store.retention.delete_executions_older_than`` drops
the day, then stop. Printed and written to ``bench/results/retention_lock.json``: the
longest call, by statement, alone and during retention, and how long retention took.

``--old`` also measures the way retention worked before migration 0016 (the day
detached, counted, its kept rows copied and dropped in one transaction holding ACCESS
EXCLUSIVE on executions), on a second day of the same size, for comparison.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from jobsched.store import Store  # noqa: E402
from jobsched.store.queries import q  # noqa: E402
from jobsched.trigger import trigger  # noqa: E402

FILL = """
INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler,
                        max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
                        attempt, worker_id, lease_token, queued_at, started_at, finished_at,
                        result, attempts, created_at, updated_at)
SELECT gen_random_uuid(), %(job)s, 'trigger',
       CASE WHEN i %% 10000 = 0 THEN 'QUEUED' WHEN i %% 1000 = 0 THEN 'FAILED'
            ELSE 'SUCCEEDED' END,
       t, 50, 'test.echo', 0, 60000, 1000, 60000, 1, 'worker-1', 'tok', t, t,
       CASE WHEN i %% 10000 = 0 THEN NULL ELSE t + interval '1 second' END,
       '{"ok": true}',
       jsonb_build_array(jsonb_build_object('number', 1, 'worker_id', 'worker-1',
                                            'outcome', 'SUCCEEDED')),
       t, t
FROM generate_series(1, %(runs)s::int) AS i,
     LATERAL (SELECT %(day)s::timestamptz + (i %% 86400000) * interval '1 ms' AS t) s
"""
DEAD_LETTERS = """
INSERT INTO dead_letter (id, execution_id, job_id, reason, attempts, created_at)
SELECT gen_random_uuid(), id, job_id, 'out of retries', 1, now() FROM executions
WHERE status = 'FAILED' AND scheduled_for >= %(day)s AND scheduled_for < %(end)s
"""
ADD_JOB = """
INSERT INTO jobs (id, name, handler, priority, max_retries, timeout_ms, retry_backoff_ms,
                  retry_backoff_max_ms, status, created_at, updated_at)
VALUES (gen_random_uuid(), 'bench-retention', 'test.echo', 50, 0, 60000, 1000, 60000,
        'SCHEDULED', now(), now())
RETURNING id
"""
# Migration 0008's drop_execution_partitions, for --old: everything under one lock.
OLD_DROP = """
CREATE FUNCTION bench_old_drop(part text, p_cutoff timestamptz, p_statuses text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE rows_in bigint; kept bigint;
BEGIN
    EXECUTE format('ALTER TABLE executions DETACH PARTITION %I', part);
    EXECUTE format(
        'INSERT INTO execution_count_deltas (job_id, handler, status, delta)'
        ' SELECT job_id, handler, status, -count(*) FROM %I GROUP BY 1, 2, 3', part);
    EXECUTE format(
        'INSERT INTO executions SELECT * FROM %I e WHERE NOT COALESCE('
        ' e.finished_at < $1 AND e.status = ANY($2)'
        ' AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.execution_id = e.id),'
        ' false)', part) USING p_cutoff, p_statuses;
    GET DIAGNOSTICS kept = ROW_COUNT;
    EXECUTE format('SELECT count(*) FROM %I', part) INTO rows_in;
    EXECUTE format('DROP TABLE %I', part);
    RETURN rows_in - kept;
END $$
"""
TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"]


def fill_day(store: Store, job: Any, day: datetime, runs: int) -> float:
    """Fills ``day`` (its own partition) with ``runs`` runs; returns the seconds taken."""
    started = time.monotonic()
    with store.tx(timeout_s=60) as conn:
        conn.execute(q("ensure_execution_partitions"), {"now": day, "days": 1})
    with store.statement(timeout_s=60) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute(FILL, {"job": job, "day": day, "runs": runs})
        conn.execute(DEAD_LETTERS, {"day": day, "end": day + timedelta(days=1)})
        conn.execute(f"VACUUM ANALYZE executions_p{day:%Y%m%d}")
        conn.execute("RESET statement_timeout")
    return time.monotonic() - started


LOCK_WAITS = """
SELECT pid, query_start, extract(epoch FROM clock_timestamp() - query_start) AS waited
FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'
  AND query NOT LIKE '%%execution_partition%%' AND query NOT LIKE '%%bench_old_drop%%'
"""


class LockWaits:
    """Polls pg_stat_activity every few milliseconds for hot-path statements waiting on
    a lock (retention's own are left out); keeps the longest wait seen."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.longest = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.stop.is_set():
                for _pid, _start, waited in conn.execute(LOCK_WAITS):
                    self.longest = max(self.longest, float(waited))
                time.sleep(0.005)

    def __enter__(self) -> LockWaits:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


class HotPath:
    """Threads looping over the hot path's statements, keeping each call's latency."""

    def __init__(self, store: Store, job: str, threads: int = 3) -> None:
        self.store, self.job = store, job
        self.phase = "baseline"
        self.samples: list[tuple[str, str, float]] = []  # (phase, statement, seconds)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.spans: list[tuple[float, float, str]] = []  # of the calls during retention
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def _timed(self, name: str, call: Any) -> Any:
        phase, started = self.phase, time.perf_counter()
        try:
            result = call()
        except Exception as exc:  # e.g. a deadlock with the old retention: counted
            self.samples.append((phase, f"{name} failed", time.perf_counter() - started))
            self.errors.append(f"{phase}: {name}: {str(exc).splitlines()[0]}")
            return []
        ended = time.perf_counter()
        self.samples.append((phase, name, ended - started))
        if phase == "retention":
            self.spans.append((started, ended, name))
        return result

    def _loop(self) -> None:
        store = self.store
        while not self.stop.is_set():
            made = self._timed(
                "trigger",
                lambda: trigger(store, self.job, datetime.now(UTC), [{}] * 10, queued=True),
            )
            ids = [e.id for e in made]
            if not ids:
                continue
            self._timed("claim read", lambda: store.attempts.claimed(ids))  # noqa: B023
            self._timed("list", lambda: store.executions.list(limit=20))
            self._timed("outbox read", lambda: store.outbox.pending(limit=100))

    def __enter__(self) -> HotPath:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()

    def figures(self, phase: str) -> dict[str, Any]:
        rows = [(n, s) for p, n, s in self.samples if p == phase]
        by: dict[str, dict[str, Any]] = {}
        for name in sorted({n for n, _ in rows}):
            times = sorted(s for n, s in rows if n == name)
            by[name] = {
                "calls": len(times),
                "max_ms": round(times[-1] * 1000, 1),
                "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 1),
            }
        longest = max((s for _, s in rows), default=0.0)
        return {"longest_ms": round(longest * 1000, 1), "by_statement": by}


def retain(retention: Store, day: datetime, cutoff: datetime, old: bool, locked: list[Any]) -> None:
    """Drops ``day``: the store's way, or (``old``) migration 0008's."""
    if not old:
        retention.retention.delete_executions_older_than(cutoff)
        return
    began = time.perf_counter()
    try:
        with retention.tx(timeout_s=60) as conn:
            conn.execute("SET LOCAL lock_timeout = '10s'")  # as the old code did
            conn.execute(
                "SELECT bench_old_drop(%s, %s, %s)",
                (f"executions_p{day:%Y%m%d}", cutoff, TERMINAL),
            )
    finally:
        locked.append((began, time.perf_counter()))


def measure(scr: Scratch, job: str, day: datetime, old: bool, baseline_s: float) -> dict:
    cutoff = day + timedelta(days=1)
    retention = Store(scr.database_url, max_size=2)
    locked: list[tuple[float, float]] = []  # when retention held (or queued for) its lock
    drop = retention.retention._drop_partition

    def timed_drop(part: str, pause: Any) -> None:
        started = time.perf_counter()
        drop(part, pause)
        locked.append((started, time.perf_counter()))

    retention.retention._drop_partition = timed_drop  # type: ignore[method-assign]
    try:
        with LockWaits(scr.database_url) as waits, HotPath(scr.store, job) as hot:
            time.sleep(baseline_s)  # the hot path alone, for comparison
            hot.phase = "retention"
            started = time.monotonic()
            failed = None
            try:
                retain(retention, day, cutoff, old, locked)
            except Exception as exc:  # the old way can deadlock with a trigger: counted
                failed = str(exc).splitlines()[0]
            took = time.monotonic() - started
            hot.phase = "after"
        slowest = sorted(hot.spans, key=lambda sp: sp[0] - sp[1])[:5]
        return {
            "retention_s": round(took, 1),
            "retention_error": failed,
            "longest_lock_wait_ms": round(waits.longest * 1000, 1),
            # From the first try to detach the day to its table dropped, pauses included
            # (the new way); the one transaction that did everything (the old way).
            "drop_step_ms": [round((b - a) * 1000, 1) for a, b in locked],
            "slowest_calls": [
                {
                    "statement": name,
                    "ms": round((b - a) * 1000, 1),
                    "overlaps_drop": any(a < lb and la < b for la, lb in locked),
                }
                for a, b, name in slowest
            ],
            "alone": hot.figures("baseline"),
            "during_retention": hot.figures("retention"),
            "hot_path_errors": hot.errors,
        }
    finally:
        retention.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs in the dropped day")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds alone first")
    parser.add_argument("--old", action="store_true", help="also measure the old retention")
    args = parser.parse_args()
    results: dict[str, Any] = {"runs_in_day": args.runs}
    with scratch("retlock") as scr:
        with scr.store.tx() as conn:
            job = conn.execute(ADD_JOB).fetchone()["id"]
            conn.execute(OLD_DROP)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        modes = [("new", today - timedelta(days=35))]
        if args.old:
            modes.append(("old", today - timedelta(days=36)))
        for mode, day in modes:
            filled = fill_day(scr.store, job, day, args.runs)
            print(f"{mode}: filled {args.runs:,} runs in {filled:.0f} s", flush=True)
            figures = measure(scr, str(job), day, mode == "old", args.baseline)
            figures["fill_s"] = round(filled, 1)
            results[mode] = figures
            during, alone = figures["during_retention"], figures["alone"]
            print(
                f"{mode}: retention {figures['retention_s']} s; longest hot-path call"
                f" {during['longest_ms']} ms during it, {alone['longest_ms']} ms alone;"
                f" longest lock wait seen {figures['longest_lock_wait_ms']} ms",
                flush=True,
            )
            for call in figures["slowest_calls"]:
                print(f"    slow: {call}")
            if figures["retention_error"]:
                print(f"    retention failed: {figures['retention_error']}")
            for error in figures["hot_path_errors"]:
                print(f"    hot path error: {error}")
            for name, f in during["by_statement"].items():
                print(f"    {name:12} calls {f['calls']:6}  max {f['max_ms']:8} ms", end="")
                print(f"  p99 {f['p99_ms']} ms")
    print(f"written to {write_results('retention_lock', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
