-- Workflows (issue 23): named, versioned definitions of steps; their runs; each run's
-- steps; and the executions of those steps.
--
-- A step's execution is an ordinary row of executions (the worker, the queue, retries,
-- the dead-letter queue, cancel and the executions API all work on it unchanged), with
-- the per-step settings a job has copied onto it as every run's are (handler, payload,
-- pool, priority, max_retries, timeout_ms, backoff). executions.job_id is NOT NULL and
-- the hot paths join jobs (alerts, names), so each workflow owns one internal job
-- (jobs.workflow_id set): never due (no schedule, no next_run_time), left out of the
-- jobs list and count, deleted with its workflow (and its executions with it).

ALTER TABLE jobs ADD COLUMN workflow_id uuid;

CREATE TABLE workflows (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL UNIQUE,
    description        text NOT NULL DEFAULT '',
    version            integer NOT NULL DEFAULT 1,
    steps              jsonb NOT NULL,
    job_id             uuid NOT NULL UNIQUE REFERENCES jobs (id) ON DELETE CASCADE,
    status             text NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN ('SCHEDULED', 'PAUSED')),
    -- The schedule fields a job has (stored and validated; scheduled runs: a later issue).
    schedule           text,
    timezone           text NOT NULL DEFAULT 'UTC',
    overlap_policy     text NOT NULL DEFAULT 'allow',
    dst_gap            text NOT NULL DEFAULT 'shift',
    dst_overlap        text NOT NULL DEFAULT 'first',
    catch_up           text NOT NULL DEFAULT 'latest',
    catch_up_window_s  integer NOT NULL DEFAULT 3600,
    catch_up_max       integer NOT NULL DEFAULT 10,
    start_jitter_ms    integer NOT NULL DEFAULT 0,
    max_start_delay_ms integer,
    max_duration_ms    integer,
    next_run_time      timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX workflows_created_idx ON workflows (created_at DESC, id DESC);

CREATE TABLE workflow_runs (
    id              uuid PRIMARY KEY,
    workflow_id     uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    -- The definition as the run started: an edit of the workflow changes later runs only.
    version         integer NOT NULL,
    steps           jsonb NOT NULL,
    status          text NOT NULL CHECK (status IN (
                        'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    input           jsonb NOT NULL DEFAULT '{}'::jsonb,
    scheduled_for   timestamptz NOT NULL,
    source          text NOT NULL DEFAULT 'trigger',
    idempotency_key text,
    started_at      timestamptz,
    finished_at     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (workflow_id, created_at DESC, id DESC);
-- The catch-up pass reads the unfinished runs only.
CREATE INDEX workflow_runs_unfinished_idx ON workflow_runs (updated_at)
    WHERE status IN ('PENDING', 'RUNNING');
-- A repeated trigger with one Idempotency-Key answers the first one's run.
CREATE UNIQUE INDEX workflow_runs_key_idx ON workflow_runs (workflow_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE workflow_run_steps (
    workflow_run_id uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    step_id         text NOT NULL,
    position        integer NOT NULL,
    status          text NOT NULL CHECK (status IN (
                        'WAITING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED')),
    reason          text,
    -- A for_each step's items, fixed when it became ready (NULL: not a fan-out).
    items           jsonb,
    -- Raised by each retry from failure: executions of an earlier round that did not
    -- succeed no longer count for the step (they are run again, same row).
    round           integer NOT NULL DEFAULT 0,
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (workflow_run_id, step_id)
);

ALTER TABLE executions ADD COLUMN workflow_run_id uuid;
ALTER TABLE executions ADD COLUMN step_id text;
ALTER TABLE executions ADD COLUMN step_item integer;
ALTER TABLE executions ADD COLUMN step_round integer;
-- What the handler sees as ctx.inputs: each upstream step's result (a fan-out's: the
-- list of its items' results, in item order).
ALTER TABLE executions ADD COLUMN step_inputs jsonb;

-- Each (workflow run, step, item) has exactly one execution row. A unique index of a
-- partitioned table must hold its partition key: every execution of a workflow run is
-- written with the run's scheduled_for, so the key's last column is one value per run.
CREATE UNIQUE INDEX executions_workflow_step_idx
    ON executions (workflow_run_id, step_id, step_item, scheduled_for)
    WHERE workflow_run_id IS NOT NULL;

DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'executions'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%source%'
    LOOP
        EXECUTE format('ALTER TABLE executions DROP CONSTRAINT %I', name);
    END LOOP;
END $$;
ALTER TABLE executions ADD CONSTRAINT executions_source_check
    CHECK (source IN ('schedule', 'trigger', 'backfill', 'workflow'));

-- Every change of a workflow or a workflow run is audited like a job's.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check
    CHECK (target_type IN ('job', 'execution', 'dead_letter', 'key', 'workflow', 'workflow_run'));
