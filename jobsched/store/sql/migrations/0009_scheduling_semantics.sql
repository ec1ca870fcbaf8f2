-- Scheduling semantics (issue 11): DST rules, one-off jobs, catch-up after downtime,
-- more overlap policies, backfill, keyed triggers.

ALTER TABLE jobs
    -- A fixed-hour time missing on a spring-forward day: 'shift' runs it when the
    -- clocks jump (Vixie cron's rule), 'skip' does not run it that day.
    ADD COLUMN dst_gap text NOT NULL DEFAULT 'shift' CHECK (dst_gap IN ('shift', 'skip')),
    -- A fixed-hour time repeated on a fall-back day: 'first' instance only, or 'twice'.
    ADD COLUMN dst_overlap text NOT NULL DEFAULT 'first'
        CHECK (dst_overlap IN ('first', 'twice')),
    -- A one-off job: runs once at run_at (no schedule).
    ADD COLUMN run_at timestamptz,
    -- Occurrences missed while the scheduler was down: 'none' records them SKIPPED,
    -- 'latest' runs the most recent one, 'all' runs those within the window, at most max.
    ADD COLUMN catch_up text NOT NULL DEFAULT 'latest'
        CHECK (catch_up IN ('none', 'latest', 'all')),
    ADD COLUMN catch_up_window_s integer NOT NULL DEFAULT 3600 CHECK (catch_up_window_s > 0),
    ADD COLUMN catch_up_max integer NOT NULL DEFAULT 10 CHECK (catch_up_max BETWEEN 1 AND 1000),
    ADD CONSTRAINT jobs_run_at_or_schedule CHECK (run_at IS NULL OR schedule IS NULL);

ALTER TABLE jobs DROP CONSTRAINT jobs_overlap_policy_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_overlap_policy_check
    CHECK (overlap_policy IN ('allow', 'skip', 'buffer_one', 'cancel_previous'));

-- The source check is found by what it checks, not by name: 0008 rebuilt executions
-- (partitioned) while the old table still held the usual name.
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
    CHECK (source IN ('schedule', 'trigger', 'backfill'));

-- A PENDING run held back until the job's previous run finishes (overlap_policy
-- buffer_one, and backfills under any policy but allow); the tick releases the
-- oldest one of a job once nothing of that job is unfinished.
ALTER TABLE executions ADD COLUMN on_hold boolean NOT NULL DEFAULT false;
CREATE INDEX executions_on_hold_idx ON executions (job_id, scheduled_for) WHERE on_hold;

-- A backfilled occurrence runs once however often its range is backfilled.
CREATE UNIQUE INDEX executions_backfill_idx ON executions (job_id, scheduled_for)
    WHERE source = 'backfill';
-- The occurrence ledger reads a job's runs by scheduled time.
CREATE INDEX executions_job_scheduled_idx ON executions (job_id, scheduled_for);

-- Keyed triggers: the runs the first request with an Idempotency-Key created, so a
-- repeated request answers with them instead of creating more. Kept apart from
-- executions so it holds whatever that table's layout becomes.
CREATE TABLE trigger_keys (
    job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key           text NOT NULL,
    execution_ids uuid[] NOT NULL,
    batch         boolean NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (job_id, key)
);
CREATE INDEX trigger_keys_created_idx ON trigger_keys (created_at);

-- Backfills are changes made through the API: audited like triggers.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (
    'create', 'update', 'delete', 'pause', 'resume', 'trigger',
    'cancel', 'retry', 'redrive', 'dlq_delete', 'key_create', 'key_revoke', 'backfill'));

-- Why occurrences were missed: a pause (paused_at until resumed_at) or downtime. Kept
-- until the tick has planned past the resume.
ALTER TABLE jobs ADD COLUMN paused_at timestamptz, ADD COLUMN resumed_at timestamptz;

-- Optional start jitter: a scheduled run starts at a random point in
-- [scheduled_for, scheduled_for + start_jitter_ms] (start_after), so many jobs due at
-- one moment do not all hit their target at once.
ALTER TABLE jobs ADD COLUMN start_jitter_ms integer NOT NULL DEFAULT 0
    CHECK (start_jitter_ms BETWEEN 0 AND 3600000);
ALTER TABLE executions ADD COLUMN start_after timestamptz;

-- Missed-run and SLA alerts (jobsched/domain/alerts.py): how late a run may start and
-- how long it may take; breaches are recorded on the execution. Alerts, failed
-- attempts and dead-letter entries go to notify_url, signed with notify_secret, through
-- the notifications outbox (sent by the workers, retried until delivered or expired).
ALTER TABLE jobs
    ADD COLUMN max_start_delay_ms integer CHECK (max_start_delay_ms > 0),
    ADD COLUMN max_duration_ms integer CHECK (max_duration_ms > 0),
    ADD COLUMN notify_url text,
    ADD COLUMN notify_secret text;
ALTER TABLE executions ADD COLUMN alerts jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX executions_alerted_idx ON executions (finished_at)
    WHERE alerts <> '[]'::jsonb;

CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    job_id          uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE sent_at IS NULL;

-- The key handed to the run's handler (http.webhook sends it as Idempotency-Key).
ALTER TABLE executions ADD COLUMN idempotency_key text;
