-- Named queries used by jobsched/store/postgres.py. Each starts with "-- name: x".
-- Parameters are psycopg named placeholders; "now" is always passed in (time is
-- an argument, in SQL too).
-- Every statement that sets an execution's status is guarded by
-- "(status, <new status>) IN :transitions": the loader expands :transitions into the
-- allowed pairs of jobsched/domain/states.py, so the database refuses what it refuses.
-- (record_executions, whose new status differs per row, uses the same pairs as text:
-- "(status || '>' || <new status>) = ANY(:transition_names)".)

-- name: insert_job
INSERT INTO jobs (id, name, description, handler, payload, schedule, timezone, priority,
                  max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
                  overlap_policy, pool, max_concurrency, run_at, dst_gap, dst_overlap,
                  catch_up, catch_up_window_s, catch_up_max, start_jitter_ms,
                  max_start_delay_ms, max_duration_ms, notify_url, notify_secret, status,
                  next_run_time, created_at, updated_at, calendar, non_business_day,
                  business_day_rule, windows, blackouts, outside_window, start_at, end_at,
                  max_runs, concurrency, rate, debounce, singleton, on_window_close, spread)
VALUES (%(id)s, %(name)s, %(description)s, %(handler)s, %(payload)s, %(schedule)s,
        %(timezone)s, %(priority)s, %(max_retries)s, %(timeout_ms)s, %(retry_backoff_ms)s,
        %(retry_backoff_max_ms)s, %(overlap_policy)s, %(pool)s, %(max_concurrency)s,
        %(run_at)s, %(dst_gap)s, %(dst_overlap)s, %(catch_up)s, %(catch_up_window_s)s,
        %(catch_up_max)s, %(start_jitter_ms)s, %(max_start_delay_ms)s, %(max_duration_ms)s,
        %(notify_url)s, %(notify_secret)s, 'SCHEDULED', %(next_run_time)s, %(now)s, %(now)s,
        %(calendar)s, %(non_business_day)s, %(business_day_rule)s, %(windows)s, %(blackouts)s,
        %(outside_window)s, %(start_at)s, %(end_at)s, %(max_runs)s, %(concurrency)s,
        %(rate)s, %(debounce)s, %(singleton)s, %(on_window_close)s, %(spread)s)
RETURNING *;

-- name: get_job
-- A workflow's internal job (migration 0019) is no job of the API: not found here.
SELECT * FROM jobs WHERE id = %(id)s AND workflow_id IS NULL;

-- name: get_job_for_update
-- With its handler's flow-control defaults (a backfill's runs take them).
SELECT jobs.*, (SELECT flow FROM handler_catalog h WHERE h.name = jobs.handler) AS handler_flow
FROM jobs WHERE id = %(id)s AND workflow_id IS NULL FOR UPDATE;

-- name: update_job
UPDATE jobs
SET name = %(name)s, description = %(description)s, handler = %(handler)s,
    payload = %(payload)s, schedule = %(schedule)s, timezone = %(timezone)s,
    priority = %(priority)s, max_retries = %(max_retries)s, timeout_ms = %(timeout_ms)s,
    retry_backoff_ms = %(retry_backoff_ms)s, retry_backoff_max_ms = %(retry_backoff_max_ms)s,
    overlap_policy = %(overlap_policy)s, pool = %(pool)s,
    max_concurrency = %(max_concurrency)s, run_at = %(run_at)s, dst_gap = %(dst_gap)s,
    dst_overlap = %(dst_overlap)s, catch_up = %(catch_up)s,
    catch_up_window_s = %(catch_up_window_s)s, catch_up_max = %(catch_up_max)s,
    start_jitter_ms = %(start_jitter_ms)s, max_start_delay_ms = %(max_start_delay_ms)s,
    max_duration_ms = %(max_duration_ms)s, notify_url = %(notify_url)s,
    notify_secret = COALESCE(notify_secret, %(notify_secret)s),
    next_run_time = %(next_run_time)s, schedule_error = %(schedule_error)s,
    calendar = %(calendar)s, non_business_day = %(non_business_day)s,
    business_day_rule = %(business_day_rule)s, windows = %(windows)s,
    blackouts = %(blackouts)s, outside_window = %(outside_window)s,
    on_window_close = %(on_window_close)s, start_at = %(start_at)s,
    end_at = %(end_at)s, max_runs = %(max_runs)s,
    concurrency = %(concurrency)s, rate = %(rate)s, debounce = %(debounce)s,
    singleton = %(singleton)s, spread = %(spread)s, updated_at = %(now)s
WHERE id = %(id)s
RETURNING *;

-- name: set_job_status
UPDATE jobs SET status = %(status)s, next_run_time = %(next_run_time)s,
                schedule_error = %(schedule_error)s, paused_at = %(paused_at)s,
                resumed_at = %(resumed_at)s, updated_at = %(now)s
WHERE id = %(id)s
RETURNING *;

-- name: delete_job
DELETE FROM jobs WHERE id = %(id)s RETURNING id;

-- name: unfinished_execution_ids_of_job
SELECT id FROM executions
WHERE job_id = %(job_id)s AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');

-- name: due_jobs
-- Reads the partial index jobs_due_idx; SKIP LOCKED lets two ticks share the work
-- instead of queueing behind each other.
SELECT * FROM jobs
WHERE status = 'SCHEDULED' AND next_run_time IS NOT NULL AND next_run_time <= %(now)s
ORDER BY next_run_time
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: handler_flows
-- The flow-control defaults of these handlers (those that declare any): a due job's
-- runs take them unless it declares its own (read once per batch of due jobs).
SELECT name, flow FROM handler_catalog WHERE name = ANY(%(names)s) AND flow IS NOT NULL;

-- name: due_jobs_in_buckets
-- A shard's share of due_jobs (SCHEDULER_SHARDS > 1): reads jobs_bucket_due_idx, one
-- range per bucket the caller's shards own, so its cost follows the due jobs of those
-- buckets, not every due job nor every job.
SELECT * FROM jobs
WHERE status = 'SCHEDULED' AND next_run_time IS NOT NULL AND next_run_time <= %(now)s
  AND bucket = ANY(%(buckets)s)
ORDER BY next_run_time
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: busy_jobs
-- Jobs among these with a run not yet finished (reads executions_job_unfinished_idx),
-- and whether one of those runs is held back waiting.
SELECT job_id, bool_or(on_hold) AS on_hold FROM executions
WHERE job_id = ANY(%(ids)s) AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
GROUP BY job_id;

-- name: unfinished_of_jobs
-- The runs overlap_policy=cancel_previous cancels, locked.
SELECT * FROM executions
WHERE job_id = ANY(%(ids)s) AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
  AND NOT on_hold
ORDER BY id
FOR UPDATE;

-- name: advance_job
-- The pause window is forgotten once the tick has planned past the resume.
UPDATE jobs SET next_run_time = %(next_run_time)s, last_run_time = %(last_run_time)s,
                schedule_error = NULL, updated_at = %(now)s, runs_made = runs_made + %(ran)s,
                paused_at = CASE WHEN resumed_at <= %(now)s THEN NULL ELSE paused_at END,
                resumed_at = CASE WHEN resumed_at <= %(now)s THEN NULL ELSE resumed_at END
WHERE id = %(id)s;

-- name: release_held
-- Runs held back (buffer_one, backfills) are released one per job, oldest first,
-- once nothing else of that job is unfinished.
UPDATE executions SET on_hold = false, updated_at = %(now)s
WHERE id IN (
    SELECT DISTINCT ON (w.job_id) w.id FROM executions w
    WHERE w.on_hold AND w.status IN ('PENDING')
      AND NOT EXISTS (
          SELECT 1 FROM executions e
          WHERE e.job_id = w.job_id AND NOT e.on_hold
            AND e.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING'))
    ORDER BY w.job_id, w.scheduled_for
)
RETURNING id;

-- name: flag_schedule_error
-- The job is set aside until %(retry_at)s (re-checked then) so it cannot stay due
-- and crowd healthy jobs out of the tick's batch.
UPDATE jobs SET schedule_error = %(error)s, next_run_time = %(retry_at)s, updated_at = %(now)s
WHERE id = %(id)s;

-- name: insert_execution
INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler, payload,
                        max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
                        error, finished_at, pool, max_concurrency, idempotency_key, on_hold,
                        start_after, concurrency_key, concurrency_limit, rate_key,
                        rate_limit, rate_period_ms, spread_key, created_at, updated_at)
VALUES (%(id)s, %(job_id)s, %(source)s, %(status)s, %(scheduled_for)s, %(priority)s,
        %(handler)s, %(payload)s, %(max_retries)s, %(timeout_ms)s, %(retry_backoff_ms)s,
        %(retry_backoff_max_ms)s, %(error)s, %(finished_at)s, %(pool)s, %(max_concurrency)s,
        %(idempotency_key)s, %(on_hold)s, %(start_after)s, %(concurrency_key)s,
        %(concurrency_limit)s, %(rate_key)s, %(rate_limit)s, %(rate_period_ms)s,
        %(spread_key)s, %(now)s, %(now)s)
ON CONFLICT DO NOTHING
RETURNING *;

-- name: get_job_to_trigger
-- The job a trigger writes under, with its handler's catalog entry (NULL for none):
-- the trigger's payload check needs both, and reads them once, in its transaction.
SELECT j.*, to_jsonb(h) AS published
FROM jobs j LEFT JOIN handler_catalog h ON h.name = j.handler
WHERE j.id = %(id)s AND j.workflow_id IS NULL;

-- name: insert_triggered
-- A trigger's runs, its idempotency key (if it has one) and its audit entry (if it has
-- a caller) in one statement: one round trip, sent with the COMMIT (Store.pipelined_tx),
-- and one count-delta row however many runs. No ON CONFLICT: no unique index but the
-- primary key applies to a trigger's runs, and their ids are new, so every row is
-- written or the trigger fails whole; no RETURNING either: the caller knows every value
-- it wrote (Triggers.write_triggered). What the runs share (the job's snapshot) is
-- passed once; each run's own values come as arrays, one element per run (NULL priority
-- or payload: the job's; NULL key: the run's id). %(queued_at)s is set when the runs are
-- written QUEUED, for their writer to push right after commit (jobsched/handoff.py).
-- Data-modifying WITH parts run once and to completion whether or not read.
WITH runs AS (
    INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler,
                            payload, max_retries, timeout_ms, retry_backoff_ms,
                            retry_backoff_max_ms, pool, max_concurrency, idempotency_key,
                            queued_at, concurrency_key, concurrency_limit, singleton_key,
                            debounce_key, debounce_until, rate_key, rate_limit,
                            rate_period_ms, created_at, updated_at)
    SELECT r.id, %(job_id)s::uuid, 'trigger', %(status)s::text, r.scheduled_for,
           COALESCE(r.priority, %(priority)s::integer), %(handler)s::text,
           COALESCE(r.payload, %(payload)s::jsonb), %(max_retries)s::integer,
           %(timeout_ms)s::integer, %(retry_backoff_ms)s::integer,
           %(retry_backoff_max_ms)s::integer, %(pool)s::text, %(max_concurrency)s::integer,
           COALESCE(r.key, r.id::text), %(queued_at)s::timestamptz, r.flow_key,
           %(concurrency_limit)s::integer, %(singleton_key)s::text, %(debounce_key)s::text,
           %(debounce_until)s::timestamptz, r.rate_key, %(rate_limit)s::integer,
           %(rate_period_ms)s::integer, %(now)s::timestamptz, %(now)s::timestamptz
    FROM unnest(%(ids)s::uuid[], %(scheduled_for)s::timestamptz[], %(priorities)s::integer[],
                %(payloads)s::jsonb[], %(keys)s::text[], %(flow_keys)s::text[],
                %(rate_keys)s::text[])
         AS r(id, scheduled_for, priority, payload, key, flow_key, rate_key)
), trigger_key AS (
    INSERT INTO trigger_keys (job_id, key, execution_ids, batch, created_at)
    SELECT %(job_id)s::uuid, %(key)s::text, %(ids)s::uuid[], %(batch)s::boolean,
           %(now)s::timestamptz
    WHERE %(key)s::text IS NOT NULL
), audit AS (
    INSERT INTO audit_log (at, key_id, action, target_type, target_id, changes)
    SELECT %(now)s::timestamptz, %(audit_key_id)s::text, %(audit_action)s::text, 'job',
           %(job_id)s::text, %(audit_changes)s::jsonb
    WHERE %(audit_action)s::text IS NOT NULL
)
SELECT 1;

-- name: insert_triggered_unread
-- A trigger that needs nothing of its job read first (no payload override to check
-- against the handler, no idempotency key): one call, its own transaction, whose
-- function (migration 0020) takes the job's runs lock if there is a %(limit)s, then
-- copies the job's snapshot into the runs as it stands, guarded by its status (none of
-- %(refusing)s: the statuses jobsched/domain/lifecycle.py refuses) and by room for
-- %(adding)s more unfinished runs, and writes the audit entry. A guard that holds writes
-- nothing; no row: no such job (Triggers.write_triggered_unread).
SELECT * FROM trigger_unread(
    %(job_id)s, %(ids)s, %(scheduled_for)s, %(priorities)s, %(status)s, %(queued_at)s,
    %(now)s, %(refusing)s, %(limit)s, %(adding)s, %(audit_key_id)s, %(audit_action)s,
    %(audit_changes)s);

-- name: insert_triggered_one
-- insert_triggered_unread for a trigger of one run (trigger_one, migration 0026): the
-- same guards and answer, one row, every column NULL when there is no such job. With
-- %(assumed)s, written only if the job still routes the run as its queue item, already
-- sent, assumed (stale otherwise: jobsched/early_push.py).
SELECT * FROM trigger_one(
    %(job_id)s, %(id)s, %(scheduled_for)s, %(priority)s, %(status)s, %(queued_at)s,
    %(now)s, %(refusing)s, %(limit)s, %(audit_key_id)s, %(audit_action)s,
    %(audit_changes)s, %(assumed)s, %(assumed_pool)s, %(assumed_handler)s,
    %(assumed_priority)s, %(assumed_max_concurrency)s);

-- name: lock_trigger_key
-- Two requests with one Idempotency-Key for one job: the second waits for the first.
SELECT pg_advisory_xact_lock(hashtextextended(%(lock)s, 0));

-- name: lock_job_executions
-- Triggers and backfills of one job check its unfinished runs against
-- MAX_UNFINISHED_RUNS_PER_JOB one at a time (held to commit): two cannot both pass the
-- check with room for only one. An advisory lock, not the job row: the tick's due-scan
-- skips locked job rows, and must not skip a job because it is being triggered.
SELECT pg_advisory_xact_lock(hashtextextended('runs:' || %(job_id)s::text, 0));

-- name: count_unfinished_of_job
-- A job's unfinished runs, exactly, from the counters (migrations 0008, 0018): its
-- folded execution_counts plus its deltas not folded yet, read with one snapshot (a
-- fold by the tick, deleting deltas and adding them to the counts in one transaction,
-- is seen whole or not at all). The caller holds the job's runs lock (lock_job_executions).
-- Also how many unfolded delta rows were read (``deltas``): past a few, the caller
-- collapses them (collapse_unfinished_deltas), so the count's cost stays bounded
-- whatever the job's runs and however long since the tick's last fold.
SELECT COALESCE(sum(n), 0)::bigint AS n, count(*) FILTER (WHERE delta) AS deltas FROM (
    SELECT n, false AS delta FROM execution_counts
    WHERE job_id = %(job_id)s AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
    UNION ALL
    SELECT delta, true FROM execution_count_deltas
    WHERE job_id = %(job_id)s AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
) AS unfinished;

-- name: collapse_unfinished_deltas
-- A job's unfolded deltas of unfinished statuses collapsed into one row per status and
-- handler (the tick folds them all; the bench has no tick, and a stalled tick folds
-- nothing), under the job's runs lock. Only rows no one else has locked are taken (SKIP
-- LOCKED: a fold under way keeps its own and never waits on a trigger, nor a trigger on
-- it); they are deleted and their sums inserted in one statement, so every sum over the
-- deltas, and every count read from them, stays what it was.
WITH collapsed AS (
    DELETE FROM execution_count_deltas
    WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM execution_count_deltas
        WHERE job_id = %(job_id)s AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
        FOR UPDATE SKIP LOCKED))
    RETURNING job_id, handler, status, delta
)
INSERT INTO execution_count_deltas (job_id, handler, status, delta)
SELECT job_id, handler, status, sum(delta) FROM collapsed
GROUP BY 1, 2, 3 HAVING sum(delta) <> 0;

-- name: get_trigger_key
SELECT * FROM trigger_keys WHERE job_id = %(job_id)s AND key = %(key)s;

-- name: delete_trigger_key
DELETE FROM trigger_keys WHERE job_id = %(job_id)s AND key = %(key)s;

-- name: executions_by_ids
SELECT e.*, j.name AS job_name FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.id = ANY(%(ids)s)
ORDER BY array_position(%(ids)s, e.id);

-- name: pending_executions
-- Pushed due at scheduled_for: a run for later waits in Redis's delayed set.
SELECT id, priority, pool, job_id, max_concurrency, handler, concurrency_key,
       concurrency_limit, rate_key, rate_limit, rate_period_ms, debounce_key,
       COALESCE(start_after, scheduled_for) AS due
FROM executions
WHERE status = 'PENDING' AND NOT on_hold
ORDER BY created_at
LIMIT %(limit)s;

-- name: mark_queued
UPDATE executions SET status = 'QUEUED', queued_at = %(now)s, updated_at = %(now)s
WHERE id = ANY(%(ids)s) AND status = 'PENDING' AND (status, 'QUEUED') IN :transitions;

-- name: mark_promoted
UPDATE executions SET status = 'QUEUED', queued_at = %(now)s, updated_at = %(now)s
WHERE id = ANY(%(ids)s) AND status = 'RETRYING' AND (status, 'QUEUED') IN :transitions;

-- name: claimed_executions
-- The claimed runs a worker may start (a run finished, cancelled or deleted meanwhile
-- is left out: the worker acks it away), with the job's alert settings
-- (jobsched/domain/alerts.py), in one round trip and without locking: what the worker
-- later writes is guarded by record_executions (the row must still be as read here).
-- Only the columns the worker and its writes use (jobsched/worker.py,
-- jobsched/store/recording.py), read once per run on the hot path: not result nor
-- alerts (record_executions replaces the one and appends to the other in SQL), nor the last
-- attempt's worker and times (the write replaces them), nor the row's own timestamps;
-- and the ids as text (what the worker and the JSON it writes use: a uuid would be
-- made in Python only to be printed again).
-- part: the partition holding the row, which record_executions is aimed at (only a
-- debounce join, before the run starts, updates scheduled_for, the partition key; a
-- write after a join meanwhile misses the row, as record_executions' guard wants).
-- %(runs)s: [{"id", "ms"}], ms the scheduled_for a run's id carries (epoch ms, floored;
-- jobsched/domain/execution_ids.py) or null: a row is then looked up by its whole primary key,
-- (id, scheduled_for within that millisecond), in its own partition, where by id alone
-- it would be probed for in every partition, one per day kept (RETENTION_DAYS).
-- The status is checked as text, as record_executions does: compared as a column, it lets
-- the planner read the rows through the unfinished-status index, i.e. every unfinished
-- run of a partition, whenever its statistics lag behind a growing backlog.
SELECT e.id::text AS id, e.job_id::text AS job_id, e.source, e.status, e.scheduled_for,
       e.priority, e.handler, e.payload, e.max_retries, e.timeout_ms, e.retry_backoff_ms,
       e.retry_backoff_max_ms, e.attempt, e.attempt_base, e.lease_token, e.queued_at,
       e.next_attempt_at, e.error, e.attempts, e.pool, e.start_after, e.idempotency_key,
       e.workflow_run_id::text AS workflow_run_id, e.step_id, e.step_item,
       e.step_inputs,
       e.tableoid::regclass::text AS part,
       j.name, j.max_start_delay_ms, j.max_duration_ms, j.notify_url,
       -- A retry waits for the job's windows to open (jobsched/domain/retry.py).
       j.windows, j.blackouts, j.timezone AS job_timezone,
       (SELECT to_jsonb(c) FROM calendars c WHERE c.name = j.calendar) AS job_calendar
FROM jsonb_batch(%(runs)s) b
JOIN executions e
  ON e.id = (b->>'id')::uuid
 AND e.scheduled_for >= COALESCE(
        'epoch'::timestamptz + (b->>'ms')::bigint * interval '1 millisecond', '-infinity')
 AND e.scheduled_for < COALESCE(
        'epoch'::timestamptz + ((b->>'ms')::bigint + 1) * interval '1 millisecond', 'infinity')
JOIN jobs j ON j.id = e.job_id
WHERE (e.status || '>RUNNING') = ANY(:transition_names);

-- name: unwritten_executions
-- Of claimed runs, those with no row at all (jobsched/worker_unwritten.py), looked for by
-- id alone: a row's scheduled_for is not always the time its id carries (a debounce
-- join moves it later), and a row found nowhere else must not pass for one still being
-- written. A probe per partition, but only for claims that found no row to start.
SELECT i::text AS id
FROM unnest(%(ids)s::uuid[]) i
WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = i);

-- name: running_to_close
-- The runs the tick cancels once their window closes (jobsched/window_close.py): few
-- jobs say on_window_close = 'cancel' (jobs_on_window_close_idx, migration 0023).
SELECT e.id::text AS id, e.pool, j.windows, j.blackouts, j.timezone AS job_timezone,
       (SELECT to_jsonb(c) FROM calendars c WHERE c.name = j.calendar) AS job_calendar
FROM jobs j JOIN executions e ON e.job_id = j.id AND e.status = 'RUNNING'
WHERE j.on_window_close = 'cancel'
ORDER BY e.id
LIMIT %(limit)s;

-- name: lock_running
-- The caller keeps only rows whose lease_token is the one it holds. With the job's
-- alert settings (jobsched/domain/alerts.py) and its partition (as claimed_executions),
-- in the same round trip.
SELECT e.*, e.tableoid::regclass::text AS part,
       j.name, j.max_start_delay_ms, j.max_duration_ms, j.notify_url,
       j.windows, j.blackouts, j.timezone AS job_timezone,
       (SELECT to_jsonb(c) FROM calendars c WHERE c.name = j.calendar) AS job_calendar
FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.id = ANY(%(ids)s) AND e.status = 'RUNNING'
ORDER BY e.id
FOR UPDATE OF e;

-- name: note_cancelled_attempts
-- The attempt of a short run a user cancelled while a worker ran it, before anything of
-- the run was written (jobsched/worker.py, written once): cancel_execution found it
-- QUEUED, with no attempt open to close, and record_executions refused the worker's end (the
-- row is CANCELLED). The attempt is added to the history, so the run shows who ran it
-- and when it stopped; the status, finished_at and the counters stay as the cancel left
-- them (no status changes). Guarded as record_executions is: only while the row is still
-- CANCELLED at the attempt number and lease token the worker read (a retry since
-- changes the token and the status). %(rows)s: [{id, scheduled_for, expect_attempt,
-- expect_token, attempt (the entry), worker_id}].
WITH v AS (
    SELECT (r->>'id')::uuid AS id, (r->>'scheduled_for')::timestamptz AS scheduled_for,
           (r->>'expect_attempt')::int AS expect_attempt, r->>'expect_token' AS expect_token,
           r->'attempt' AS entry, r->>'worker_id' AS worker_id
    FROM jsonb_batch(%(rows)s) r
)
UPDATE executions e
SET attempts = e.attempts || jsonb_build_array(v.entry), attempt = e.attempt + 1,
    attempt_base = e.attempt_base, worker_id = v.worker_id, updated_at = %(now)s
FROM v
WHERE e.id = v.id AND e.scheduled_for = v.scheduled_for AND e.status = 'CANCELLED'
  AND e.attempt = v.expect_attempt AND e.lease_token IS NOT DISTINCT FROM v.expect_token
RETURNING e.id::text AS id;

-- name: record_executions
-- What workers write of their runs, many in one statement (the rows come as one JSON
-- document: encoding it is far cheaper for the worker than one array per column): a
-- run recorded RUNNING (it
-- outlived RECORD_RUNNING_AFTER_MS), an attempt's end, a hand-back. Each row's new
-- values are computed by the worker (jobsched/store/recording.py) from the row as it
-- last read or wrote it, so the write is a compare-and-set: it lands only while the
-- row still has the attempt number and lease token the worker expects (another
-- worker that recorded the run since, a cancel, an earlier result all change one of
-- them, or its status) and the move is allowed. scheduled_for picks the partition.
-- Dead-letter entries and notifications go with the rows actually written.
-- Store._write runs it with its UPDATE aimed at the rows' partition instead of the parent
-- (0013: the counting triggers fire either way).
WITH v AS (
    -- jsonb_batch (0013): jsonb_to_recordset would tell the planner the batch has 100
    -- rows, and it would then hash a whole partition of up to ~20,000 rows instead of
    -- looking the rows up by key.
    SELECT v.*
    FROM jsonb_batch(%(rows)s) r, jsonb_to_record(r)
        AS v(id uuid, scheduled_for timestamptz, expect_attempt int, expect_token text,
             status text, attempt int, attempt_base int, worker_id text, token text,
             queued_at timestamptz, started_at timestamptz, finished_at timestamptz,
             result jsonb, error text, next_attempt_at timestamptz, attempts jsonb,
             alerts jsonb)
), written AS (
    UPDATE executions e
    SET status = v.status, attempt = v.attempt, attempt_base = v.attempt_base,
        worker_id = v.worker_id, lease_token = v.token, queued_at = v.queued_at,
        started_at = v.started_at, finished_at = v.finished_at,
        result = NULLIF(v.result, 'null'::jsonb),
        error = v.error, next_attempt_at = v.next_attempt_at, attempts = v.attempts,
        alerts = e.alerts || v.alerts, updated_at = %(now)s
    FROM v
    WHERE e.id = v.id AND e.scheduled_for = v.scheduled_for
      AND e.attempt = v.expect_attempt AND e.lease_token IS NOT DISTINCT FROM v.expect_token
      AND (e.status || '>' || v.status) = ANY(:transition_names)
    RETURNING e.id, e.job_id, e.attempt
), buried AS (
    INSERT INTO dead_letter (id, execution_id, job_id, reason, error, attempts, created_at)
    SELECT gen_random_uuid(), w.id, w.job_id, d.reason, d.error, w.attempt, %(now)s
    FROM written w
    JOIN jsonb_to_recordset(%(dead)s) AS d(id uuid, reason text, error text) ON d.id = w.id
    ON CONFLICT (execution_id) DO UPDATE
    SET reason = EXCLUDED.reason, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
        created_at = EXCLUDED.created_at
), noticed AS (
    INSERT INTO notifications (id, job_id, kind, body, created_at, next_attempt_at)
    SELECT gen_random_uuid(), n.job_id, n.kind, n.body, %(now)s, %(now)s
    FROM jsonb_to_recordset(%(notices)s) AS n(execution_id uuid, job_id uuid, kind text, body jsonb)
    WHERE n.execution_id IN (SELECT id FROM written)
)
SELECT id FROM written;

-- name: get_execution
SELECT e.*, j.name AS job_name FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.id = %(id)s;

-- name: get_execution_for_update
SELECT * FROM executions WHERE id = %(id)s FOR UPDATE;

-- name: cancel_execution
UPDATE executions
SET status = 'CANCELLED', finished_at = %(now)s, attempts = %(attempts)s,
    error = COALESCE(error, %(reason)s), lease_token = NULL, updated_at = %(now)s
WHERE id = %(id)s AND (status, 'CANCELLED') IN :transitions
RETURNING id;

-- name: requeue_execution
-- Manual retry or redrive: back to PENDING with a fresh retry budget. The lease token
-- becomes a new marker, not NULL: a worker still running a claim of the run's earlier
-- life that was never recorded (a short run, written once) expects the token it read,
-- and its late result must not land on the retried run (record_executions compares it).
UPDATE executions
SET status = 'PENDING', attempt_base = attempt, finished_at = NULL, next_attempt_at = NULL,
    error = NULL, result = NULL, lease_token = 'requeued:' || gen_random_uuid(),
    queued_at = NULL, updated_at = %(now)s
WHERE id = %(id)s AND (status, 'PENDING') IN :transitions
RETURNING id;

-- name: delete_dead_letter_of_execution
DELETE FROM dead_letter WHERE execution_id = %(id)s RETURNING id;

-- name: get_dead_letter
SELECT d.*, e.handler, e.payload, j.name AS job_name
FROM dead_letter d JOIN executions e ON e.id = d.execution_id JOIN jobs j ON j.id = d.job_id
WHERE d.id = %(id)s;

-- name: delete_dead_letter
DELETE FROM dead_letter WHERE id = %(id)s RETURNING *;

-- name: unfinished_executions
SELECT id, status, priority, COALESCE(start_after, scheduled_for) AS due, next_attempt_at,
       lease_token, pool, job_id, max_concurrency, handler, concurrency_key,
       concurrency_limit, rate_key, rate_limit, rate_period_ms, debounce_key
FROM executions
WHERE status IN ('QUEUED', 'RUNNING', 'RETRYING')
ORDER BY priority DESC, created_at;

-- name: unfinished_executions_page
-- The same, one keyset page: those after (%(after_at)s, %(after_id)s) in (created_at, id)
-- order, at most %(limit)s (the reconcile reads them page by page, never all at once;
-- through executions_unfinished_keyset_idx). A run unfinished throughout is read once,
-- whatever status changes it goes through meanwhile: created_at never changes.
SELECT id, status, priority, COALESCE(start_after, scheduled_for) AS due, next_attempt_at,
       lease_token, pool, job_id, max_concurrency, handler, concurrency_key,
       concurrency_limit, rate_key, rate_limit, rate_period_ms, debounce_key, created_at
FROM executions
WHERE status IN ('QUEUED', 'RUNNING', 'RETRYING')
  AND (created_at, id) > (%(after_at)s::timestamptz, %(after_id)s::uuid)
ORDER BY created_at, id
LIMIT %(limit)s;

-- name: unfinished_executions_among
-- The same, among %(ids)s (the reconcile reads again the ids Redis lacks).
SELECT id, status, priority, COALESCE(start_after, scheduled_for) AS due, next_attempt_at,
       lease_token, pool, job_id, max_concurrency, handler, concurrency_key,
       concurrency_limit, rate_key, rate_limit, rate_period_ms, debounce_key
FROM executions
WHERE id = ANY(%(ids)s) AND status IN ('QUEUED', 'RUNNING', 'RETRYING')
ORDER BY priority DESC, created_at;

-- name: queued_between
-- Runs written QUEUED in [%(since)s, %(until)s): their writer pushes them right after
-- commit, so these are the runs a crashed or cut-off writer may have left out of
-- Redis (for them created_at is when they were queued). Through
-- executions_unfinished_idx (status, created_at).
SELECT id, status, priority, COALESCE(start_after, scheduled_for) AS due, next_attempt_at,
       lease_token, pool, job_id, max_concurrency, handler, concurrency_key,
       concurrency_limit, rate_key, rate_limit, rate_period_ms, debounce_key
FROM executions
WHERE status = 'QUEUED' AND created_at >= %(since)s AND created_at < %(until)s;

-- name: delete_old_executions
-- After the old days are dropped: what is left to delete sits in the default partition
-- or in the day the cutoff falls in. In batches, so no long lock. Executions with a
-- dead-letter entry stay until an operator redrives or deletes the entry. The guard is
-- repeated in the DELETE's own WHERE: a run retried or redriven after the statement
-- began is judged again by its committed version (PostgreSQL re-evaluates the WHERE of
-- a row it waited for), so it is kept; the subquery alone would delete it.
DELETE FROM executions x
WHERE x.id IN (
    SELECT e.id FROM executions e
    WHERE e.finished_at < %(cutoff)s AND e.status = ANY(%(statuses)s)
      AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.execution_id = e.id)
    LIMIT %(batch)s
)
  AND x.finished_at < %(cutoff)s AND x.status = ANY(%(statuses)s)
  AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.execution_id = x.id);

-- name: delete_old_trigger_keys
-- A key outlives the runs it names only as long as they are kept, and is kept as long
-- as any of them is unfinished (a run for later may wait longer than the retention: a
-- repeated request must still find it, not create a second run).
DELETE FROM trigger_keys k
WHERE k.created_at < %(cutoff)s
  AND NOT EXISTS (
      SELECT 1 FROM executions e
      WHERE e.id = ANY(k.execution_ids)
        AND e.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING'));

-- name: ran_occurrences
-- Occurrences among these that a backfill must not run again: backfilled already,
-- or run by the schedule (a SKIPPED one may be backfilled).
SELECT scheduled_for FROM executions
WHERE job_id = %(job_id)s AND scheduled_for = ANY(%(times)s)
  AND (source = 'backfill' OR (source = 'schedule' AND status <> 'SKIPPED'));

-- name: occurrence_rows
-- A job's occurrences in a time range, as recorded (reads executions_job_scheduled_idx).
SELECT id, scheduled_for, source, status, error, created_at FROM executions
WHERE job_id = %(job_id)s AND source IN ('schedule', 'backfill')
  AND scheduled_for >= %(since)s AND scheduled_for < %(until)s
ORDER BY scheduled_for
LIMIT %(limit)s;

-- name: claim_notifications
-- Due notifications, leased to one sender for %(lease_until)s (SKIP LOCKED: workers
-- share the outbox); a sender that dies leaves them due again after the lease.
UPDATE notifications n SET attempts = n.attempts + 1, next_attempt_at = %(lease_until)s
FROM jobs j
WHERE n.id IN (
    SELECT id FROM notifications
    WHERE sent_at IS NULL AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) AND j.id = n.job_id
RETURNING n.id, n.kind, n.body, n.attempts, n.created_at, j.notify_url, j.notify_secret;

-- name: notification_sent
UPDATE notifications SET sent_at = %(now)s, last_error = NULL WHERE id = %(id)s;

-- name: notification_failed
-- Retried with the given backoff; given up (never due again) after %(max_attempts)s.
UPDATE notifications
SET last_error = %(error)s,
    next_attempt_at = CASE WHEN attempts >= %(max_attempts)s THEN 'infinity'
                           ELSE %(retry_at)s END
WHERE id = %(id)s;

-- name: alert_minutes
-- SLA breaches per minute raised and kind (migration 0017) from %(since)s (a minute's
-- start) to %(now)s: the folded rollups plus the deltas not yet folded.
SELECT minute, kind, sum(n)::bigint AS n
FROM (
    SELECT minute, kind, n FROM alert_minutes WHERE minute >= %(since)s AND minute <= %(now)s
    UNION ALL
    SELECT minute, kind, n FROM alert_minute_deltas
    WHERE minute >= %(since)s AND minute <= %(now)s
) m
GROUP BY 1, 2;

-- name: execution_counts
-- From the counters (migration 0008), never from executions: the folded counts plus
-- the deltas not yet folded, so the figures are exact.
SELECT status, sum(n)::bigint AS n FROM (
    SELECT status, n FROM execution_status_counts
    UNION ALL
    SELECT status, delta FROM execution_count_deltas
) c
GROUP BY status;

-- name: fold_count_deltas
-- Run by the tick: moves the deltas the triggers appended into the counters. Deltas of
-- a deleted job count toward the totals only (its per-job counters went with it).
WITH moved AS (
    DELETE FROM execution_count_deltas RETURNING job_id, handler, status, delta
), sums AS (
    SELECT job_id, handler, status, sum(delta) AS d FROM moved GROUP BY 1, 2, 3
), per_job AS (
    INSERT INTO execution_counts AS c (job_id, status, handler, n)
    SELECT s.job_id, s.status, s.handler, s.d FROM sums s
    WHERE s.d <> 0 AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = s.job_id)
    ON CONFLICT (job_id, status, handler) DO UPDATE SET n = c.n + EXCLUDED.n
)
INSERT INTO execution_status_counts AS t (status, n)
SELECT status, sum(d) FROM sums GROUP BY status HAVING sum(d) <> 0
ON CONFLICT (status) DO UPDATE SET n = t.n + EXCLUDED.n;

-- name: ensure_execution_partitions
SELECT ensure_execution_partitions(%(now)s, %(days)s) AS created;

-- name: ensure_partition_days
-- The partitions of the days these times fall in (migration 0016: rows of those days
-- in the default partition are moved into them).
SELECT coalesce(sum(ensure_execution_partitions(t, 1)), 0)::integer AS created
FROM unnest(%(times)s::timestamptz[]) t;

-- name: old_execution_partitions
SELECT old_execution_partitions(%(cutoff)s) AS part;

-- name: partition_blocks
SELECT partition_blocks(%(part)s) AS n;

-- name: delete_partition_rows
SELECT delete_partition_rows(%(part)s, %(cutoff)s, %(statuses)s, %(from)s, %(to)s) AS n;

-- name: detach_execution_partition
SELECT detach_execution_partition(%(part)s, %(max_kept)s) AS n;

-- name: unlink_detached_executions
SELECT unlink_detached_executions() AS n;

-- name: drop_detached_executions
SELECT drop_detached_executions() AS n;

-- name: delete_old_notifications
-- Retention of the notifications outbox: delivered ones (notifications_sent_idx) and
-- given-up ones (never due again), in batches.
DELETE FROM notifications
WHERE id IN (
    (SELECT id FROM notifications WHERE sent_at < %(cutoff)s LIMIT %(batch)s)
    UNION ALL
    (SELECT id FROM notifications
     WHERE sent_at IS NULL AND next_attempt_at = 'infinity' AND created_at < %(cutoff)s
     LIMIT %(batch)s)
);

-- name: job_counts
SELECT status, count(*) AS n, count(*) FILTER (WHERE schedule_error IS NOT NULL) AS broken
FROM jobs WHERE workflow_id IS NULL GROUP BY status;

-- name: dead_letter_count
SELECT count(*) AS n FROM dead_letter;

-- name: run_minutes
-- Finished runs per %(bucket_s)s seconds (a multiple of 60; migration 0017) from
-- %(since)s (a minute's start) to %(now)s, by final status and duration bucket: the
-- folded rollups plus the deltas not yet folded. Reads a few rows per minute of the
-- window, however many runs it had.
SELECT to_timestamp(floor(extract(epoch FROM minute) / %(bucket_s)s) * %(bucket_s)s) AS minute,
       status, le, sum(n)::bigint AS n
FROM (
    SELECT minute, status, le, n FROM run_minutes
    WHERE minute >= %(since)s AND minute <= %(now)s
    UNION ALL
    SELECT minute, status, le, n FROM run_minute_deltas
    WHERE minute >= %(since)s AND minute <= %(now)s
) m
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: fold_run_minutes
-- Run by the tick: moves the minutes' deltas into their rollups, and forgets minutes
-- older than %(keep_since)s (the longest window /metrics/executions serves).
WITH moved AS (
    DELETE FROM run_minute_deltas RETURNING minute, status, le, n, sum_s
), forgotten AS (
    DELETE FROM run_minutes WHERE minute < %(keep_since)s
)
INSERT INTO run_minutes AS c (minute, status, le, n, sum_s)
SELECT minute, status, le, sum(n), sum(sum_s) FROM moved
WHERE minute >= %(keep_since)s
GROUP BY 1, 2, 3
ON CONFLICT (minute, status, le) DO UPDATE SET n = c.n + EXCLUDED.n, sum_s = c.sum_s + EXCLUDED.sum_s;

-- name: fold_alert_minutes
-- Run by the tick: the same for the alerts' minutes (kept a day: /metrics counts an hour).
WITH moved AS (
    DELETE FROM alert_minute_deltas RETURNING minute, kind, n
), forgotten AS (
    DELETE FROM alert_minutes WHERE minute < %(keep_since)s
)
INSERT INTO alert_minutes AS c (minute, kind, n)
SELECT minute, kind, sum(n) FROM moved
WHERE minute >= %(keep_since)s
GROUP BY 1, 2
ON CONFLICT (minute, kind) DO UPDATE SET n = c.n + EXCLUDED.n;

-- name: count_jobs
-- A workflow's internal job (workflow_id set, migration 0019) is no job of the list.
SELECT count(*) AS n FROM jobs
WHERE workflow_id IS NULL AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(handler)s::text IS NULL OR handler = %(handler)s)
  AND (%(name)s::text IS NULL OR name ILIKE '%%' || %(name)s || '%%');

-- name: list_jobs
-- Keyset-paged: {after} (the rows after the cursor's sort value and id) and {order}
-- come from the whitelisted JOB_SORTS, composed with psycopg.sql.
SELECT * FROM jobs
WHERE workflow_id IS NULL AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(handler)s::text IS NULL OR handler = %(handler)s)
  AND (%(name)s::text IS NULL OR name ILIKE '%%' || %(name)s || '%%')
  AND {after}
ORDER BY {order}
LIMIT %(limit)s;

-- name: count_executions_by_status
-- The total of GET /executions with no filter or a status filter, from the counters.
SELECT COALESCE(sum(n), 0)::bigint AS n FROM (
    SELECT n FROM execution_status_counts
    WHERE %(status)s::text IS NULL OR status = %(status)s
    UNION ALL
    SELECT delta FROM execution_count_deltas
    WHERE %(status)s::text IS NULL OR status = %(status)s
) c;

-- name: count_executions
-- The total of a list filtered by job or handler, from the per-job counters (read
-- through their primary key when the job is given).
SELECT COALESCE(sum(n), 0)::bigint AS n FROM (
    SELECT n FROM execution_counts
    WHERE (%(job_id)s::uuid IS NULL OR job_id = %(job_id)s)
      AND (%(status)s::text IS NULL OR status = %(status)s)
      AND (%(handler)s::text IS NULL OR handler = %(handler)s)
    UNION ALL
    SELECT delta FROM execution_count_deltas d
    WHERE (%(job_id)s::uuid IS NULL OR job_id = %(job_id)s)
      AND (%(status)s::text IS NULL OR status = %(status)s)
      AND (%(handler)s::text IS NULL OR handler = %(handler)s)
      AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = d.job_id)
) c;

-- name: list_executions
-- Newest first, keyset-paged on (created_at, id): %(after_at)s, %(after_id)s is the
-- cursor, so a deep page reads an index range like the first one.
SELECT e.*, j.name AS job_name FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE (%(job_id)s::uuid IS NULL OR e.job_id = %(job_id)s)
  AND (%(status)s::text IS NULL OR e.status = %(status)s)
  AND (%(handler)s::text IS NULL OR e.handler = %(handler)s)
  AND (%(after_at)s::timestamptz IS NULL
       OR (e.created_at, e.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY e.created_at DESC, e.id DESC
LIMIT %(limit)s;

-- name: list_dead_letter
-- Newest first, keyset-paged on (created_at, id) like executions.
SELECT d.*, e.handler, e.payload, j.name AS job_name
FROM dead_letter d JOIN executions e ON e.id = d.execution_id JOIN jobs j ON j.id = d.job_id
WHERE (%(after_at)s::timestamptz IS NULL
       OR (d.created_at, d.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY d.created_at DESC, d.id DESC
LIMIT %(limit)s;

-- name: insert_audit
INSERT INTO audit_log (at, key_id, action, target_type, target_id, changes)
VALUES (%(now)s, %(key_id)s, %(action)s, %(target_type)s, %(target_id)s, %(changes)s);

-- name: audit_total
-- The whole log's size from its counter (migration 0008), not from counting the log.
SELECT COALESCE(sum(delta), 0)::bigint AS n FROM audit_log_count;

-- name: fold_audit_count
-- Folds the rows into one; writes nothing when there is only one (an idle log).
WITH moved AS (
    DELETE FROM audit_log_count WHERE (SELECT count(*) FROM audit_log_count) > 1
    RETURNING delta
)
INSERT INTO audit_log_count (delta) SELECT sum(delta) FROM moved HAVING count(*) > 0;

-- name: fold_run_durations
-- Run by the tick: moves the duration histogram's deltas into its counters (0010).
WITH moved AS (
    DELETE FROM run_duration_deltas RETURNING status, le, n, sum_s
)
INSERT INTO run_duration_counts AS c (status, le, n, sum_s)
SELECT status, le, sum(n), sum(sum_s) FROM moved GROUP BY status, le
ON CONFLICT (status, le) DO UPDATE SET n = c.n + EXCLUDED.n, sum_s = c.sum_s + EXCLUDED.sum_s;

-- name: run_durations
-- The histogram per final status and bucket (every bucket, empty ones as 0): the
-- folded counters plus the deltas not yet folded, so the figures are exact.
SELECT s.status, b.le, COALESCE(sum(c.n), 0)::bigint AS n, COALESCE(sum(c.sum_s), 0) AS sum_s
FROM (VALUES ('SUCCEEDED'), ('FAILED')) s (status)
CROSS JOIN run_duration_bounds b
LEFT JOIN (
    SELECT status, le, n, sum_s FROM run_duration_counts
    UNION ALL
    SELECT status, le, n, sum_s FROM run_duration_deltas
) c ON c.status = s.status AND c.le = b.le
GROUP BY s.status, b.le
ORDER BY s.status, b.le;

-- name: delete_old_audit
-- One batch of entries older than the cutoff, oldest first (through audit_log_at_idx);
-- the counter follows through its delete trigger (0014).
DELETE FROM audit_log
WHERE id IN (SELECT id FROM audit_log WHERE at < %(cutoff)s ORDER BY at LIMIT %(batch)s);

-- name: count_audit
SELECT count(*) AS n FROM audit_log
WHERE (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(target_type)s::text IS NULL OR target_type = %(target_type)s)
  AND (%(target_id)s::text IS NULL OR target_id = %(target_id)s)
  AND (%(key_id)s::text IS NULL OR key_id = %(key_id)s)
  AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR at < %(until)s);

-- name: list_audit
-- Newest first; keyset paging on id (%(before_id)s is the cursor), so rows written
-- while someone pages never shift a page.
SELECT * FROM audit_log
WHERE (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(target_type)s::text IS NULL OR target_type = %(target_type)s)
  AND (%(target_id)s::text IS NULL OR target_id = %(target_id)s)
  AND (%(key_id)s::text IS NULL OR key_id = %(key_id)s)
  AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR at < %(until)s)
  AND (%(before_id)s::bigint IS NULL OR id < %(before_id)s)
ORDER BY id DESC
LIMIT %(limit)s;

-- name: insert_api_key
INSERT INTO api_keys (id, name, scope, key_hash, rate_limit_per_minute, created_at, created_by)
VALUES (%(id)s, %(name)s, %(scope)s, %(key_hash)s, %(rate_limit_per_minute)s, %(now)s,
        %(created_by)s)
RETURNING *;

-- name: active_api_key_by_hash
SELECT * FROM api_keys WHERE key_hash = %(key_hash)s AND revoked_at IS NULL;

-- name: touch_api_key
-- last_used_at to the minute: a busy key costs one write a minute, not one a request.
UPDATE api_keys SET last_used_at = %(now)s
WHERE id = %(id)s AND (last_used_at IS NULL OR last_used_at <= %(now)s - interval '1 minute');

-- name: list_api_keys
SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, id;

-- name: revoke_api_key
-- The key and every key in force it created, and theirs (a key made with a revoked key
-- must not outlive it); the key asked for first. Keys from API_KEYS are never here.
WITH RECURSIVE tree AS (
    SELECT id, 0 AS depth FROM api_keys WHERE id = %(id)s AND revoked_at IS NULL
    UNION
    SELECT k.id, t.depth + 1 FROM api_keys k JOIN tree t ON k.created_by = t.id::text
    WHERE k.revoked_at IS NULL
), revoked AS (
    UPDATE api_keys k SET revoked_at = %(now)s
    FROM tree t WHERE k.id = t.id AND k.revoked_at IS NULL
    RETURNING k.*, t.depth
)
SELECT * FROM revoked ORDER BY depth, created_at, id;

-- name: upsert_handler
INSERT INTO handler_catalog (name, description, schema, pool, isolation, overridable,
                             flow, updated_at)
VALUES (%(name)s, %(description)s, %(schema)s, %(pool)s, %(isolation)s, %(overridable)s,
        %(flow)s, %(now)s)
ON CONFLICT (name) DO UPDATE
SET description = EXCLUDED.description, schema = EXCLUDED.schema, pool = EXCLUDED.pool,
    isolation = EXCLUDED.isolation, overridable = EXCLUDED.overridable,
    flow = EXCLUDED.flow, updated_at = EXCLUDED.updated_at;

-- name: get_handler
SELECT * FROM handler_catalog WHERE name = %(name)s;

-- name: list_handlers
SELECT * FROM handler_catalog ORDER BY name;

-- name: doctor_overdue_jobs
-- Jobs due before %(before)s that the tick has not scheduled (through the due index).
SELECT name, next_run_time FROM jobs
WHERE status = 'SCHEDULED' AND next_run_time < %(before)s AND schedule_error IS NULL
ORDER BY next_run_time
LIMIT %(limit)s;

-- name: doctor_unschedulable_jobs
SELECT name, schedule_error FROM jobs WHERE schedule_error IS NOT NULL ORDER BY name
LIMIT %(limit)s;

-- name: doctor_stale_pending
-- Runs written but not pushed to Redis since before %(before)s (the outbox is stuck).
SELECT count(*) AS n FROM executions WHERE status = 'PENDING' AND created_at < %(before)s;

-- name: doctor_running
SELECT id, pool, worker_id, started_at FROM executions WHERE status = 'RUNNING'
ORDER BY created_at
LIMIT %(limit)s;

-- name: doctor_dead_letter_growth
SELECT count(*) AS total, count(*) FILTER (WHERE created_at >= %(since)s) AS recent
FROM dead_letter;

-- name: lock_flow_key
-- Triggers of one job and one singleton or debounce key, one at a time (held to
-- commit): two cannot both find no run of the key and both write one.
SELECT pg_advisory_xact_lock(hashtextextended('flow:' || %(job_id)s::text || ':' || %(key)s, 0));

-- name: singleton_runs
-- The job's unfinished runs of a singleton key (executions_singleton_idx).
SELECT e.*, j.name AS job_name FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.job_id = %(job_id)s AND e.singleton_key = %(key)s
  AND e.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
ORDER BY e.created_at;

-- name: debounce_run
-- The run a debounce key's burst collapses into: queued, not started, not yet due
-- (executions_debounce_idx). Locked: the trigger that joins it rewrites it.
SELECT e.*, j.name AS job_name FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.job_id = %(job_id)s AND e.debounce_key = %(key)s AND e.status = 'QUEUED'
  AND e.attempt = 0 AND e.started_at IS NULL AND e.scheduled_for > %(now)s
ORDER BY e.created_at DESC
LIMIT 1
FOR UPDATE OF e;

-- name: join_debounce
-- A trigger joins the burst: the run takes its payload and its (later) time, guarded by
-- still being queued and unstarted.
UPDATE executions SET payload = %(payload)s, scheduled_for = %(due)s, updated_at = %(now)s
WHERE id = %(id)s AND status = 'QUEUED' AND started_at IS NULL
RETURNING *;

-- name: flow_of_job
-- A job's unfinished runs under a keyed control, per key (executions_job_unfinished_idx):
-- how many run, how many wait, the limits they were written under, and the earliest
-- time a waiting one is due. At most %(limit)s keys.
SELECT COALESCE(concurrency_key, rate_key, debounce_key, singleton_key) AS key,
       count(*) FILTER (WHERE status = 'RUNNING') AS running,
       count(*) FILTER (WHERE status <> 'RUNNING') AS waiting,
       max(concurrency_limit) AS concurrency_limit, max(rate_limit) AS rate_limit,
       max(rate_period_ms) AS rate_period_ms,
       bool_or(debounce_key IS NOT NULL AND status = 'QUEUED') AS debouncing,
       min(COALESCE(start_after, scheduled_for)) FILTER (WHERE status <> 'RUNNING') AS due
FROM executions
WHERE job_id = %(job_id)s AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
  AND COALESCE(concurrency_key, rate_key, debounce_key, singleton_key) IS NOT NULL
GROUP BY 1
ORDER BY 1
LIMIT %(limit)s;
