-- Workflows (issue 23; migration 0019): definitions, their runs, each run's steps and the
-- executions of those steps. Named queries, read with queries.sql (jobsched/store/queries.py).

-- name: insert_workflow_job
-- The workflow's internal job (migration 0019): holds its step executions, never due.
INSERT INTO jobs (id, name, description, handler, payload, priority, max_retries,
                  timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status, workflow_id,
                  created_at, updated_at)
VALUES (%(job_id)s, 'workflow:' || %(id)s::text, 'the steps of a workflow', 'workflow',
        '{}'::jsonb, 50, 0, 60000, 0, 0, 'SCHEDULED', %(id)s, %(now)s, %(now)s);

-- name: insert_workflow
INSERT INTO workflows (id, name, description, steps, job_id, schedule, timezone,
                       overlap_policy, dst_gap, dst_overlap, catch_up, catch_up_window_s,
                       catch_up_max, start_jitter_ms, max_start_delay_ms, max_duration_ms,
                       created_at, updated_at)
VALUES (%(id)s, %(name)s, %(description)s, %(steps)s, %(job_id)s, %(schedule)s, %(timezone)s,
        %(overlap_policy)s, %(dst_gap)s, %(dst_overlap)s, %(catch_up)s,
        %(catch_up_window_s)s, %(catch_up_max)s, %(start_jitter_ms)s,
        %(max_start_delay_ms)s, %(max_duration_ms)s, %(now)s, %(now)s)
RETURNING *;

-- name: get_workflow
SELECT * FROM workflows WHERE id = %(id)s;

-- name: get_workflow_for_update
SELECT * FROM workflows WHERE id = %(id)s FOR UPDATE;

-- name: update_workflow
-- Every edit is a new version; runs under way keep the steps they started with.
UPDATE workflows
SET name = %(name)s, description = %(description)s, steps = %(steps)s,
    schedule = %(schedule)s, timezone = %(timezone)s, overlap_policy = %(overlap_policy)s,
    dst_gap = %(dst_gap)s, dst_overlap = %(dst_overlap)s, catch_up = %(catch_up)s,
    catch_up_window_s = %(catch_up_window_s)s, catch_up_max = %(catch_up_max)s,
    start_jitter_ms = %(start_jitter_ms)s, max_start_delay_ms = %(max_start_delay_ms)s,
    max_duration_ms = %(max_duration_ms)s, version = version + 1, updated_at = %(now)s
WHERE id = %(id)s
RETURNING *;

-- name: delete_workflow
-- Through its internal job: the workflow, its runs and their executions go with it.
DELETE FROM jobs WHERE id = (SELECT job_id FROM workflows WHERE id = %(id)s) RETURNING id;

-- name: count_workflows
SELECT count(*) AS n FROM workflows
WHERE (%(name)s::text IS NULL OR name ILIKE '%%' || %(name)s || '%%');

-- name: list_workflows
-- Newest first, keyset-paged on (created_at, id).
SELECT * FROM workflows
WHERE (%(name)s::text IS NULL OR name ILIKE '%%' || %(name)s || '%%')
  AND (%(after_at)s::timestamptz IS NULL
       OR (created_at, id) < (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s;

-- name: workflow_run_by_key
SELECT * FROM workflow_runs WHERE workflow_id = %(workflow_id)s AND idempotency_key = %(key)s;

-- name: lock_workflow_trigger_key
-- Two triggers with one Idempotency-Key for one workflow: the second waits for the first.
SELECT pg_advisory_xact_lock(hashtextextended('workflow:' || %(lock)s, 0));

-- name: insert_workflow_run
INSERT INTO workflow_runs (id, workflow_id, version, steps, status, input, scheduled_for,
                           idempotency_key, started_at, created_at, updated_at)
VALUES (%(id)s, %(workflow_id)s, %(version)s, %(steps)s, %(status)s, %(input)s,
        %(scheduled_for)s, %(key)s, %(started_at)s, %(now)s, %(now)s)
RETURNING *;

-- name: insert_workflow_run_steps
INSERT INTO workflow_run_steps (workflow_run_id, step_id, position, status, updated_at)
SELECT %(run_id)s, s.id, s.position - 1, 'WAITING', %(now)s
FROM unnest(%(ids)s::text[]) WITH ORDINALITY AS s(id, position);

-- name: get_workflow_run
SELECT * FROM workflow_runs WHERE id = %(id)s;

-- name: lock_workflow_runs
-- Runs locked, in id order: one run's advancement, or the runs of a worker's batch of
-- step ends before the ends are written; the same order as every advancement (the run,
-- then its executions), so two writers never wait for each other in a cycle.
-- A run's advancements serialize on it: two workers ending two of a run's steps at
-- once take turns, and each sees the other's end. Each run with its workflow's internal
-- job (the job_id its new executions are written under), its overlap_policy (an
-- occurrence's run may wait for an earlier one to end) and the flow-control defaults
-- of its steps' handlers (handler_flows: name -> flow), which the executions it
-- launches are held to: read here, not in a round trip of their own (the advancement
-- that follows needs no second read).
-- Steps stored as no list (a damaged row) name no handler: the run is still read, and
-- refused by the code that parses its steps, not by this lock.
SELECT r.*, w.job_id, w.overlap_policy,
       (SELECT COALESCE(jsonb_object_agg(c.name, c.flow), '{}'::jsonb) FROM handler_catalog c
        WHERE c.flow IS NOT NULL
          AND c.name IN (SELECT s->>'handler' FROM jsonb_array_elements(
              CASE jsonb_typeof(r.steps) WHEN 'array' THEN r.steps ELSE '[]' END) s))
           AS handler_flows
FROM workflow_runs r
JOIN workflows w ON w.id = r.workflow_id
WHERE r.id = ANY(%(ids)s::uuid[])
ORDER BY r.id
FOR UPDATE OF r;

-- name: workflow_run_steps
SELECT * FROM workflow_run_steps WHERE workflow_run_id = %(id)s ORDER BY position;

-- name: steps_of_workflow_runs
-- The steps of a page of runs, in one read.
SELECT * FROM workflow_run_steps WHERE workflow_run_id = ANY(%(ids)s)
ORDER BY workflow_run_id, position;

-- name: workflow_run_executions
-- Through executions_workflow_step_idx (every execution of a run has its scheduled_for).
SELECT id, step_id, step_item, step_round, status, result, error
FROM executions
WHERE workflow_run_id = %(id)s AND scheduled_for = %(scheduled_for)s
ORDER BY step_id, step_item;

-- name: update_workflow_run_steps
-- %(steps)s: [{step_id, status, reason, items, round, started, finished, open?}] (started
-- and finished: whether the step starts or ends now; open: its open items, migration
-- 0025, absent: NULL).
WITH v AS (
    SELECT s->>'step_id' AS step_id, s->>'status' AS status, s->>'reason' AS reason,
           s->'items' AS items, (s->>'round')::int AS round,
           (s->>'started')::boolean AS started, (s->>'finished')::boolean AS finished,
           (s->>'open')::int AS open
    FROM jsonb_array_elements(%(steps)s::jsonb) s
)
UPDATE workflow_run_steps w
SET status = v.status, reason = v.reason,
    items = CASE WHEN jsonb_typeof(v.items) = 'null' THEN NULL ELSE v.items END,
    round = v.round, open_items = v.open,
    started_at = CASE WHEN v.started THEN %(now)s ELSE w.started_at END,
    finished_at = CASE WHEN v.finished THEN %(now)s WHEN v.started THEN NULL
                       ELSE w.finished_at END,
    updated_at = %(now)s
FROM v
WHERE w.workflow_run_id = %(id)s AND w.step_id = v.step_id;

-- name: close_step_items
-- Items of running fan-out steps ended by a worker's batch, taken off their steps' open
-- items in the transaction that records the ends (migration 0025); each step's count as
-- it now is. A step whose count is not kept (NULL) is left alone and not returned.
-- %(ends)s: [{run_id, step_id, n}].
WITH v AS (
    SELECT (e->>'run_id')::uuid AS run_id, e->>'step_id' AS step_id, (e->>'n')::int AS n
    FROM jsonb_array_elements(%(ends)s::jsonb) e
)
UPDATE workflow_run_steps w
SET open_items = w.open_items - v.n
FROM v
WHERE w.workflow_run_id = v.run_id AND w.step_id = v.step_id
  AND w.status = 'RUNNING' AND w.open_items IS NOT NULL
RETURNING w.workflow_run_id::text AS run_id, w.step_id, w.open_items;

-- name: set_workflow_run_status
UPDATE workflow_runs
SET status = %(status)s,
    started_at = COALESCE(started_at, CASE WHEN %(status)s <> 'PENDING' THEN %(now)s::timestamptz END),
    finished_at = CASE WHEN %(status)s IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                       THEN %(now)s::timestamptz END,
    updated_at = %(now)s
WHERE id = %(id)s
RETURNING *;

-- name: insert_step_executions
-- New executions of steps, written QUEUED and pushed by their writer right after commit,
-- as a trigger's runs are (jobsched/handoff.py): no second transaction marks them, so the
-- next step is claimable one round trip sooner; a push lost with its writer is the tick's
-- repair's (rows written QUEUED that Redis lacks). %(rows)s: [{id, step_id, item, payload,
-- inputs, handler, pool, priority, max_retries, timeout_ms, retry_backoff_ms,
-- retry_backoff_max_ms, concurrency_key, concurrency_limit, rate_key, rate_limit,
-- rate_period_ms}] (the flow controls resolved: null for none). The unique index makes a
-- second write of one (run, step, item) a no-op: it is left out of what returns.
INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler, payload,
                        max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
                        pool, idempotency_key, workflow_run_id, step_id, step_item,
                        step_round, step_inputs, concurrency_key, concurrency_limit,
                        rate_key, rate_limit, rate_period_ms, queued_at, created_at,
                        updated_at)
SELECT (r->>'id')::uuid, %(job_id)s, 'workflow', 'QUEUED', %(scheduled_for)s,
       (r->>'priority')::int, r->>'handler', r->'payload', (r->>'max_retries')::int,
       (r->>'timeout_ms')::int, (r->>'retry_backoff_ms')::int,
       (r->>'retry_backoff_max_ms')::int, r->>'pool',
       'workflow-run:' || %(run_id)s::text || ':' || (r->>'step_id') || ':' || (r->>'item'),
       %(run_id)s, r->>'step_id', (r->>'item')::int, %(round)s, r->'inputs',
       r->>'concurrency_key', (r->>'concurrency_limit')::int, r->>'rate_key',
       (r->>'rate_limit')::int, (r->>'rate_period_ms')::int, %(now)s, %(now)s, %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) r
ON CONFLICT (workflow_run_id, step_id, step_item, scheduled_for)
    WHERE workflow_run_id IS NOT NULL DO NOTHING
RETURNING *;

-- name: requeue_step_executions
-- A retried step's executions that did not succeed, run again in their own row (one per
-- (run, step, item)) with a fresh retry budget, as a manual retry does (requeue_execution).
-- %(rows)s as insert_step_executions (id: the row's).
WITH v AS (
    SELECT (r->>'id')::uuid AS id, r->'payload' AS payload, r->'inputs' AS inputs
    FROM jsonb_array_elements(%(rows)s::jsonb) r
), requeued AS (
    UPDATE executions e
    SET status = 'PENDING', attempt_base = e.attempt, finished_at = NULL,
        next_attempt_at = NULL, error = NULL, result = NULL,
        lease_token = 'requeued:' || gen_random_uuid(), queued_at = NULL,
        payload = v.payload, step_inputs = v.inputs, step_round = %(round)s,
        updated_at = %(now)s
    FROM v
    WHERE e.id = v.id AND e.scheduled_for = %(scheduled_for)s
      AND e.status IN ('FAILED', 'CANCELLED', 'SKIPPED')
    RETURNING e.*
), undead AS (
    DELETE FROM dead_letter WHERE execution_id IN (SELECT id FROM requeued)
)
SELECT * FROM requeued;

-- name: unfinished_step_executions
SELECT * FROM executions
WHERE workflow_run_id = %(id)s AND scheduled_for = %(scheduled_for)s
  AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');

-- name: lagging_workflow_runs
-- The catch-up pass: unfinished runs not advanced since %(before)s that have something to
-- advance on: an execution that ended since (its advancement died with a worker or a
-- tick), or their time come while PENDING; and, whatever they show, any not advanced
-- since %(long_before)s. Oldest first; SKIP LOCKED: a run being advanced is not lagging.
-- An advancement sets updated_at after reading the ends, so an end at that same instant
-- (>=) is looked at again rather than missed.
SELECT r.id FROM workflow_runs r
WHERE r.status IN ('PENDING', 'RUNNING') AND r.updated_at <= %(before)s
  AND (r.updated_at <= %(long_before)s
       OR (r.status = 'PENDING' AND r.scheduled_for <= %(now)s)
       OR EXISTS (SELECT 1 FROM executions e
                  WHERE e.workflow_run_id = r.id AND e.scheduled_for = r.scheduled_for
                    AND e.finished_at >= r.updated_at))
ORDER BY r.updated_at
LIMIT %(limit)s
FOR UPDATE OF r SKIP LOCKED;

-- name: touch_workflow_run
UPDATE workflow_runs SET updated_at = %(now)s WHERE id = %(id)s;

-- name: workflow_run_counts
-- /metrics: workflow runs by status.
SELECT status, count(*) AS n FROM workflow_runs GROUP BY status;

-- name: count_workflow_runs
SELECT count(*) AS n FROM workflow_runs
WHERE workflow_id = %(workflow_id)s AND (%(status)s::text IS NULL OR status = %(status)s);

-- name: list_workflow_runs
SELECT * FROM workflow_runs
WHERE workflow_id = %(workflow_id)s AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(after_at)s::timestamptz IS NULL
       OR (created_at, id) < (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s;

-- name: step_execution_ids
-- Each step's executions of some runs, in item order.
SELECT workflow_run_id, step_id, array_agg(id ORDER BY step_item) AS ids
FROM executions
WHERE workflow_run_id = ANY(%(ids)s)
GROUP BY workflow_run_id, step_id;

-- ------------------------------------------------------------ scheduled workflows

-- name: set_workflow_next_run
UPDATE workflows SET next_run_time = %(next_run_time)s WHERE id = %(id)s;

-- name: set_workflow_status
-- Pause and resume: a resumed workflow's schedule goes on from now (next_run_time).
UPDATE workflows
SET status = %(status)s, next_run_time = %(next_run_time)s, updated_at = %(now)s
WHERE id = %(id)s
RETURNING *;

-- name: due_workflows
-- The tick's pass: scheduled workflows whose next occurrence has come, locked (SKIP
-- LOCKED: a second tick at once takes other ones, or none).
SELECT * FROM workflows
WHERE status = 'SCHEDULED' AND schedule IS NOT NULL AND next_run_time <= %(now)s
ORDER BY next_run_time
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: unfinished_workflow_runs
-- The unfinished runs of some workflows (overlap: busy, waiting, cancel_previous).
SELECT id, workflow_id, status FROM workflow_runs
WHERE workflow_id = ANY(%(ids)s::uuid[]) AND status IN ('PENDING', 'RUNNING')
ORDER BY scheduled_for, id;

-- name: insert_occurrence_run
-- A run of one occurrence of the workflow's schedule (source schedule or backfill). Its
-- key (occurrence:<time>) makes it one run per occurrence: a duplicate tick or a
-- repeated backfill writes nothing (left out of what returns).
INSERT INTO workflow_runs (id, workflow_id, version, steps, status, input, scheduled_for,
                           source, idempotency_key, created_at, updated_at)
VALUES (%(id)s, %(workflow_id)s, %(version)s, %(steps)s, 'PENDING', '{}'::jsonb,
        %(scheduled_for)s, %(source)s, %(key)s, %(now)s, %(now)s)
ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING *;

-- name: earlier_unfinished_run
-- Whether an occurrence's run waits its turn (overlap_policy other than allow): an
-- unfinished run of its workflow due before it.
SELECT EXISTS (
    SELECT 1 FROM workflow_runs
    WHERE workflow_id = %(workflow_id)s AND status IN ('PENDING', 'RUNNING')
      AND (scheduled_for, id) < (%(scheduled_for)s::timestamptz, %(id)s::uuid)
) AS waits;

-- name: next_held_run
-- The occurrence run that waited for this one to end: the oldest PENDING one due by now.
SELECT id FROM workflow_runs
WHERE workflow_id = %(workflow_id)s AND status = 'PENDING' AND source <> 'trigger'
  AND scheduled_for <= %(now)s
ORDER BY scheduled_for, id
LIMIT 1;

-- name: occurrence_runs
-- The ledger: the runs of occurrences (not triggers) in since <= scheduled_for < until.
SELECT id, scheduled_for, source, status, created_at FROM workflow_runs
WHERE workflow_id = %(id)s AND source <> 'trigger'
  AND scheduled_for >= %(since)s AND scheduled_for < %(until)s
ORDER BY scheduled_for
LIMIT %(limit)s;
