-- Jobs, executions (every attempt kept) and the dead-letter queue.
-- Statuses are the API's contract (jobsched/domain/states.py); CHECKs keep the
-- database honest even if a bug slips past the guarded UPDATEs.

CREATE TABLE jobs (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    description          text NOT NULL DEFAULT '',
    handler              text NOT NULL,
    payload              jsonb NOT NULL DEFAULT '{}'::jsonb,
    schedule             text,
    timezone             text NOT NULL DEFAULT 'UTC',
    priority             integer NOT NULL CHECK (priority BETWEEN 0 AND 100),
    max_retries          integer NOT NULL CHECK (max_retries >= 0),
    timeout_ms           integer NOT NULL CHECK (timeout_ms > 0),
    retry_backoff_ms     integer NOT NULL CHECK (retry_backoff_ms >= 0),
    retry_backoff_max_ms integer NOT NULL CHECK (retry_backoff_max_ms >= retry_backoff_ms),
    status               text NOT NULL CHECK (status IN ('SCHEDULED', 'PAUSED')),
    next_run_time        timestamptz,
    last_run_time        timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT jobs_name_unique UNIQUE (name)
);

-- The tick's due-scan reads only this partial index: its cost follows the number
-- of due jobs, not the number of jobs.
CREATE INDEX jobs_due_idx ON jobs (next_run_time)
    WHERE status = 'SCHEDULED' AND next_run_time IS NOT NULL;
CREATE INDEX jobs_created_idx ON jobs (created_at);

CREATE TABLE executions (
    id                   uuid PRIMARY KEY,
    job_id               uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    source               text NOT NULL CHECK (source IN ('schedule', 'trigger')),
    status               text NOT NULL CHECK (status IN (
                             'PENDING', 'QUEUED', 'RUNNING', 'RETRYING',
                             'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED')),
    scheduled_for        timestamptz NOT NULL,
    priority             integer NOT NULL CHECK (priority BETWEEN 0 AND 100),
    handler              text NOT NULL,
    payload              jsonb NOT NULL DEFAULT '{}'::jsonb,
    max_retries          integer NOT NULL,
    timeout_ms           integer NOT NULL,
    retry_backoff_ms     integer NOT NULL,
    retry_backoff_max_ms integer NOT NULL,
    attempt              integer NOT NULL DEFAULT 0,
    -- Attempts made before the last manual retry/redrive; retries left are counted
    -- from here so a redriven execution gets its whole retry budget again.
    attempt_base         integer NOT NULL DEFAULT 0,
    worker_id            text,
    lease_token          text,
    queued_at            timestamptz,
    started_at           timestamptz,
    finished_at          timestamptz,
    next_attempt_at      timestamptz,
    result               jsonb,
    error                text,
    attempts             jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

-- One execution per (job, cron occurrence): two ticks that both think they lead
-- cannot double-run an occurrence.
CREATE UNIQUE INDEX executions_occurrence_idx ON executions (job_id, scheduled_for)
    WHERE source = 'schedule';
CREATE INDEX executions_job_idx ON executions (job_id, created_at DESC);
CREATE INDEX executions_created_idx ON executions (created_at DESC);
CREATE INDEX executions_unfinished_idx ON executions (status, created_at)
    WHERE status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
CREATE INDEX executions_finished_idx ON executions (finished_at)
    WHERE finished_at IS NOT NULL;

CREATE TABLE dead_letter (
    id           uuid PRIMARY KEY,
    execution_id uuid NOT NULL UNIQUE REFERENCES executions (id) ON DELETE CASCADE,
    job_id       uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    reason       text NOT NULL,
    error        text,
    attempts     integer NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX dead_letter_created_idx ON dead_letter (created_at DESC);
