-- Sharded tick (SCHEDULER_SHARDS, jobsched/domain/shards.py): each job's bucket, the
-- last byte of its id, stored so a tick instance's due-scan reads only the due jobs
-- of the buckets its shards own (jobs_bucket_due_idx), not every due job. Python
-- computes the same value (bucket_of); changing the shard count regroups buckets and
-- never rewrites a job. Adding the column rewrites the table once.
ALTER TABLE jobs ADD COLUMN bucket smallint
    GENERATED ALWAYS AS (get_byte(uuid_send(id), 15)) STORED;

CREATE INDEX jobs_bucket_due_idx ON jobs (bucket, next_run_time)
    WHERE status = 'SCHEDULED' AND next_run_time IS NOT NULL;
