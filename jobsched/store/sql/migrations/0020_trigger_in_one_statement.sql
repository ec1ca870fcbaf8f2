-- The single trigger in one statement (issue 22): trigger_unread() writes a trigger's runs
-- and audit entry, the job's snapshot copied as the statement runs, guarded by the job's
-- status and its unfinished runs, all in one call that is its own transaction
-- (autocommit): one message and one round trip where BEGIN, the runs lock, the INSERT and
-- COMMIT took four statements even pipelined (~0.15 ms more per trigger, measured).
--
-- A function, not one statement, for MAX_UNFINISHED_RUNS_PER_JOB: the count must see
-- every trigger that committed while this one waited for the job's runs lock, so it is
-- read by a statement that starts after the lock is granted. A VOLATILE plpgsql function
-- takes a new snapshot for each statement (READ COMMITTED), so the lock is taken by the
-- first and the runs counted and written by the second, as lock_job_executions then
-- insert_triggered do in the trigger that reads. Its statements' plans are cached per
-- session, as a prepared statement's are.
--
-- A guard that holds writes nothing (no run, no audit entry); the caller then falls back
-- to the trigger that reads, which says why (jobsched/trigger.py). So does a job that
-- job_takes_unread_trigger() says needs its read. Answers the job's
-- snapshot, how many runs were written, and the unfolded delta rows read (past a few,
-- the caller collapses them: Triggers.collapse_unfinished). The statuses unfinished runs
-- are counted in are count_unfinished_of_job's (queries.sql). A workflow's internal job
-- (0019) is no job of the API: not found here, as in get_job_to_trigger.
-- Whether a trigger of this job may be written without reading it first: a job whose
-- runs need more than its snapshot decided (a later capability's rules: windows that
-- defer a run, a key's flow control) answers false, and its triggers take the path that
-- reads. Each migration that adds such a rule replaces this function, and only it.
CREATE FUNCTION job_takes_unread_trigger(j jobs) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT true $$;

CREATE FUNCTION trigger_unread(
    p_job_id uuid, p_ids uuid[], p_scheduled_for timestamptz[], p_priorities integer[],
    p_status text, p_queued_at timestamptz, p_now timestamptz, p_refusing text[],
    p_limit bigint, p_adding integer, p_audit_key_id text, p_audit_action text,
    p_audit_changes jsonb)
RETURNS TABLE (id uuid, name text, status text, priority integer, handler text,
               payload jsonb, max_retries integer, timeout_ms integer,
               retry_backoff_ms integer, retry_backoff_max_ms integer, pool text,
               max_concurrency integer, written bigint, deltas bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    IF p_limit IS NOT NULL THEN
        -- lock_job_executions: triggers and backfills of one job count one at a time.
        PERFORM pg_advisory_xact_lock(hashtextextended('runs:' || p_job_id::text, 0));
    END IF;
    RETURN QUERY
    WITH job AS (
        SELECT j.id, j.name, j.status, j.priority, j.handler, j.payload, j.max_retries,
               j.timeout_ms, j.retry_backoff_ms, j.retry_backoff_max_ms, j.pool,
               j.max_concurrency, job_takes_unread_trigger(j) AS takes_unread
        FROM jobs j WHERE j.id = p_job_id AND j.workflow_id IS NULL  -- a workflow's: none
    ), unfinished AS (
        SELECT COALESCE(sum(n), 0)::bigint AS n, count(*) FILTER (WHERE delta) AS deltas FROM (
            SELECT n, false AS delta FROM execution_counts
            WHERE p_limit::bigint IS NOT NULL AND job_id = p_job_id
              AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
            UNION ALL
            SELECT delta, true FROM execution_count_deltas
            WHERE p_limit::bigint IS NOT NULL AND job_id = p_job_id
              AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
        ) AS counted
    ), allowed AS (
        SELECT job.* FROM job, unfinished
        WHERE job.takes_unread AND job.status <> ALL (p_refusing::text[])
          AND (p_limit::bigint IS NULL OR unfinished.n + p_adding <= p_limit::bigint)
    ), runs AS (
        INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler,
                                payload, max_retries, timeout_ms, retry_backoff_ms,
                                retry_backoff_max_ms, pool, max_concurrency, idempotency_key,
                                queued_at, created_at, updated_at)
        SELECT r.id, a.id, 'trigger', p_status::text, r.scheduled_for,
               COALESCE(r.priority, a.priority), a.handler, a.payload, a.max_retries,
               a.timeout_ms, a.retry_backoff_ms, a.retry_backoff_max_ms, a.pool,
               a.max_concurrency, r.id::text, p_queued_at::timestamptz, p_now::timestamptz,
               p_now::timestamptz
        FROM allowed a,
             unnest(p_ids::uuid[], p_scheduled_for::timestamptz[], p_priorities::integer[])
             AS r(id, scheduled_for, priority)
        RETURNING id
    ), audit AS (
        INSERT INTO audit_log (at, key_id, action, target_type, target_id, changes)
        SELECT p_now::timestamptz, p_audit_key_id::text, p_audit_action::text, 'job',
               p_job_id::text, p_audit_changes::jsonb
        WHERE p_audit_action::text IS NOT NULL AND EXISTS (SELECT 1 FROM runs)
    )
    SELECT job.id, job.name, job.status, job.priority, job.handler, job.payload,
           job.max_retries, job.timeout_ms, job.retry_backoff_ms, job.retry_backoff_max_ms,
           job.pool, job.max_concurrency, (SELECT count(*) FROM runs) AS written,
           unfinished.deltas
    FROM job, unfinished;
END
$$;
