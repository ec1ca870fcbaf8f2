-- Stable spread of a scheduled job's runs (jobsched/domain/spread.py): a job's spread
-- {keys: [text] | {"$ref": "payload.<path>"}, window_ms, field?} (NULL: none) fans each
-- occurrence out to one run per key, each keeping its key (spread_key) as its identity
-- within the occurrence; a run without one is the occurrence's only run, as before.

ALTER TABLE jobs ADD COLUMN spread jsonb;

ALTER TABLE executions ADD COLUMN spread_key text;

-- One run per occurrence and key (NULL, no spread, is a key of its own: still one run).
DROP INDEX executions_run_of_occurrence_idx;
CREATE UNIQUE INDEX executions_run_of_occurrence_idx
    ON executions (job_id, scheduled_for, spread_key) NULLS NOT DISTINCT
    WHERE source IN ('schedule', 'backfill') AND status <> 'SKIPPED' AND NOT superseded;

-- One schedule record per occurrence and key (0008's, SKIPPED records included).
DROP INDEX executions_occurrence_idx;
CREATE UNIQUE INDEX executions_occurrence_idx
    ON executions (job_id, scheduled_for, spread_key) NULLS NOT DISTINCT
    WHERE source = 'schedule';
