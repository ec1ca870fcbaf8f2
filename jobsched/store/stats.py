"""Figures: counts, alert and run rollups, the duration histogram, doctor's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jobsched.domain.models import MinuteRow
from jobsched.store.database import Repository
from jobsched.store.queries import q


class Stats(Repository):
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

    def alert_minutes(self, since: datetime, now: datetime) -> list[dict[str, Any]]:
        """SLA breaches raised per minute and kind from ``since`` (a minute's start) to
        ``now``, from the per-minute rollups (migration 0017)."""
        with self.tx() as conn:
            return conn.execute(q("alert_minutes"), {"since": since, "now": now}).fetchall()

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
