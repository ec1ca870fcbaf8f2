-- What the tick does when a cron occurrence falls due while the job's previous run is
-- still unfinished: 'allow' runs it anyway (the default), 'skip' records it SKIPPED.

ALTER TABLE jobs
    ADD COLUMN overlap_policy text NOT NULL DEFAULT 'allow'
        CHECK (overlap_policy IN ('allow', 'skip'));

-- "Does this job have an unfinished run?" reads only unfinished rows.
CREATE INDEX executions_job_unfinished_idx ON executions (job_id)
    WHERE status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
