-- Issue 20: one run per cron occurrence whoever writes it (the tick or a backfill),
-- and an index for the reconcile's keyset pages over unfinished runs.

-- Before: executions_occurrence_idx (source = 'schedule') and executions_backfill_idx
-- (source = 'backfill') were apart, so a backfill up to now and the tick could both
-- write one occurrence: two runs of it. Now one index owns "the run of an
-- occurrence" for both writers. A SKIPPED record is not a run (a backfill may run an
-- occurrence the schedule skipped) and never changes status (states.py), so it stays
-- out; executions_occurrence_idx still keeps one schedule record per occurrence.
-- scheduled_for, the partition key, is part of the key, as a partitioned table needs.

-- Occurrences both writers already ran: the first written keeps the occurrence, the
-- others are marked superseded (kept as history, outside the index). Those of them
-- not yet started are cancelled: they would run the occurrence a second time.
ALTER TABLE executions ADD COLUMN superseded boolean NOT NULL DEFAULT false;

WITH ranked AS (
    SELECT id, scheduled_for,
           row_number() OVER (PARTITION BY job_id, scheduled_for
                              ORDER BY created_at, id) AS n
    FROM executions
    WHERE source IN ('schedule', 'backfill') AND status <> 'SKIPPED'
)
UPDATE executions e
SET superseded = true,
    status = CASE WHEN e.status IN ('PENDING', 'QUEUED', 'RETRYING') THEN 'CANCELLED'
                  ELSE e.status END,
    finished_at = CASE WHEN e.status IN ('PENDING', 'QUEUED', 'RETRYING') THEN now()
                       ELSE e.finished_at END,
    error = CASE WHEN e.status IN ('PENDING', 'QUEUED', 'RETRYING')
                 THEN 'cancelled: a second run of an occurrence that already had one'
                 ELSE e.error END,
    updated_at = now()
FROM ranked r
WHERE r.n > 1 AND e.id = r.id AND e.scheduled_for = r.scheduled_for;

CREATE UNIQUE INDEX executions_run_of_occurrence_idx ON executions (job_id, scheduled_for)
    WHERE source IN ('schedule', 'backfill') AND status <> 'SKIPPED' AND NOT superseded;
DROP INDEX executions_backfill_idx;

-- The reconcile reads unfinished runs in keyset pages ordered by (created_at, id):
-- each page one index range, however many runs are unfinished.
CREATE INDEX executions_unfinished_keyset_idx ON executions (created_at, id)
    WHERE status IN ('QUEUED', 'RUNNING', 'RETRYING');
