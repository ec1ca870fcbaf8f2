-- The single trigger of one run (issue 22): trigger_one() is trigger_unread() (0020) for
-- the call most applications make, one run with no override but its priority and time,
-- taking scalars instead of arrays and writing with single-row statements. Its answer and
-- its guards are trigger_unread's, one row where that one answers a table: the job's
-- snapshot as the run copied it, written 1 or 0 (a guard held: nothing written), and the
-- unfolded delta rows read; every column NULL when there is no such job.
--
-- With p_assumed, the caller has already sent the run's queue item to Redis, built from
-- the job as it last saw it (jobsched/early_push.py): the run is written only if the job
-- still routes it as assumed (its pool, handler, the run's priority and the job's
-- max_concurrency); otherwise nothing is written and stale answers true, and the caller
-- takes the pushed item back and triggers again the usual way. So a row exists only
-- with the queue item that matches it.
--
-- Why a second function: binding three one-element arrays cost the client as much as
-- the rest of its call (psycopg's array dumpers, ~0.1 ms a trigger, measured by
-- bench/floor.py's CPU columns), and the server plans and starts fewer nodes for a
-- VALUES insert than for a CTE over unnest(). A batch still takes trigger_unread.
CREATE FUNCTION trigger_one(
    p_job_id uuid, p_id uuid, p_scheduled_for timestamptz, p_priority integer,
    p_status text, p_queued_at timestamptz, p_now timestamptz, p_refusing text[],
    p_limit bigint, p_audit_key_id text, p_audit_action text, p_audit_changes jsonb,
    p_assumed boolean, p_assumed_pool text, p_assumed_handler text,
    p_assumed_priority integer, p_assumed_max_concurrency integer,
    OUT id uuid, OUT name text, OUT status text, OUT priority integer, OUT handler text,
    OUT payload jsonb, OUT max_retries integer, OUT timeout_ms integer,
    OUT retry_backoff_ms integer, OUT retry_backoff_max_ms integer, OUT pool text,
    OUT max_concurrency integer, OUT written integer, OUT deltas bigint,
    OUT stale boolean)
LANGUAGE plpgsql VOLATILE
-- Its statements are planned once per session and that plan kept: under the default
-- (auto), PostgreSQL kept planning the INSERT into the partitioned table and the count
-- afresh at every call, a generic plan looking dearer than a custom one that never got
-- cheaper (~7% of the backend's CPU per trigger in a perf profile, gone with this).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    j jobs;
    unfinished bigint := 0;
BEGIN
    IF p_limit IS NOT NULL THEN
        -- lock_job_executions: triggers and backfills of one job count one at a time.
        PERFORM pg_advisory_xact_lock(hashtextextended('runs:' || p_job_id::text, 0));
    END IF;
    SELECT * INTO j FROM jobs WHERE jobs.id = p_job_id AND jobs.workflow_id IS NULL;
    IF NOT FOUND THEN
        RETURN;  -- a workflow's internal job (0019) is no job of the API either
    END IF;
    id := j.id; name := j.name; status := j.status; priority := j.priority;
    handler := j.handler; payload := j.payload; max_retries := j.max_retries;
    timeout_ms := j.timeout_ms; retry_backoff_ms := j.retry_backoff_ms;
    retry_backoff_max_ms := j.retry_backoff_max_ms; pool := j.pool;
    max_concurrency := j.max_concurrency; written := 0; deltas := 0; stale := false;
    IF p_limit IS NOT NULL THEN
        -- count_unfinished_of_job (queries.sql), read after the lock was granted.
        SELECT COALESCE(sum(c.n), 0)::bigint, count(*) FILTER (WHERE c.delta)
        INTO unfinished, deltas
        FROM (
            SELECT ec.n, false AS delta FROM execution_counts ec
            WHERE ec.job_id = p_job_id
              AND ec.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
            UNION ALL
            SELECT d.delta, true FROM execution_count_deltas d
            WHERE d.job_id = p_job_id
              AND d.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
        ) AS c;
    END IF;
    IF p_assumed AND (j.pool IS DISTINCT FROM p_assumed_pool
                      OR j.handler IS DISTINCT FROM p_assumed_handler
                      OR COALESCE(p_priority, j.priority) IS DISTINCT FROM p_assumed_priority
                      OR j.max_concurrency IS DISTINCT FROM p_assumed_max_concurrency) THEN
        stale := true;
        RETURN;
    END IF;
    IF NOT job_takes_unread_trigger(j) OR j.status = ANY (p_refusing)
       OR (p_limit IS NOT NULL AND unfinished + 1 > p_limit) THEN
        RETURN;
    END IF;
    INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler,
                            payload, max_retries, timeout_ms, retry_backoff_ms,
                            retry_backoff_max_ms, pool, max_concurrency, idempotency_key,
                            queued_at, created_at, updated_at)
    VALUES (p_id, j.id, 'trigger', p_status, p_scheduled_for,
            COALESCE(p_priority, j.priority), j.handler, j.payload, j.max_retries,
            j.timeout_ms, j.retry_backoff_ms, j.retry_backoff_max_ms, j.pool,
            j.max_concurrency, p_id::text, p_queued_at, p_now, p_now);
    IF p_audit_action IS NOT NULL THEN
        INSERT INTO audit_log (at, key_id, action, target_type, target_id, changes)
        VALUES (p_now, p_audit_key_id, p_audit_action, 'job', p_job_id::text,
                p_audit_changes);
    END IF;
    written := 1;
END
$$;
