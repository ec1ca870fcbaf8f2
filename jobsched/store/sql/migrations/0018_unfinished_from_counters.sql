-- A job's unfinished runs read from the counters (0008), not from executions (issue 22).
--
-- MAX_UNFINISHED_RUNS_PER_JOB is checked by every trigger and backfill of a job. Counted
-- from executions, the check read one index entry per unfinished run in every partition
-- (~0.2 ms per 2,000 runs, up to the limit's 10,000, plus ~0.6 ms of planning across the
-- partitions when not prepared): the single trigger's largest cost. The counters hold
-- the same figure exactly: the folded execution_counts (one row per status and handler
-- of the job, by its primary key) plus the deltas the tick has not folded yet. This
-- index finds a job's unfolded deltas of the unfinished statuses; the check keeps their
-- number bounded by collapsing them into one row per status and handler when there are
-- more than 32 (Triggers.unfinished_of_job), so its cost no longer grows with the
-- job's runs, nor with the time since the tick's last fold.
CREATE INDEX execution_count_deltas_job_unfinished_idx ON execution_count_deltas (job_id)
    WHERE status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
