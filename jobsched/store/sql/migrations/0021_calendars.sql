-- Issue 25: business calendars, and the job fields that use them (a calendar's
-- non-business-day rule or business-day rule, windows, blackouts, bounds).

-- A calendar is named (the jobs refer to it by name) and versioned: every change
-- bumps ``version``, so a reader can tell which rules a plan was made with.
CREATE TABLE calendars (
    name                text PRIMARY KEY,
    version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    timezone            text NOT NULL,
    weekdays            text[] NOT NULL,
    holiday_country     text,
    holiday_subdivision text,
    dates               date[] NOT NULL DEFAULT '{}',
    ics                 text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (holiday_subdivision IS NULL OR holiday_country IS NOT NULL)
);

-- A job names at most one calendar; the calendar cannot be deleted while a job uses
-- it (the API says 409 first; the key is the guard against a race).
ALTER TABLE jobs
    ADD COLUMN calendar text REFERENCES calendars (name) ON DELETE RESTRICT,
    ADD COLUMN non_business_day text NOT NULL DEFAULT 'skip'
        CHECK (non_business_day IN ('skip', 'next', 'previous')),
    ADD COLUMN business_day_rule jsonb,
    ADD COLUMN windows jsonb,
    ADD COLUMN blackouts jsonb,
    ADD COLUMN outside_window text NOT NULL DEFAULT 'defer'
        CHECK (outside_window IN ('defer', 'skip')),
    ADD COLUMN start_at timestamptz,
    ADD COLUMN end_at timestamptz,
    ADD COLUMN max_runs integer CHECK (max_runs IS NULL OR max_runs >= 1),
    -- Runs the tick made of the schedule (not skipped), counted towards max_runs.
    ADD COLUMN runs_made integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT jobs_bounds_order CHECK (end_at IS NULL OR start_at IS NULL OR end_at > start_at),
    ADD CONSTRAINT jobs_business_day_rule_calendar
        CHECK (business_day_rule IS NULL OR calendar IS NOT NULL);

-- Which jobs a calendar change re-plans, and whether a calendar is in use.
CREATE INDEX jobs_calendar_idx ON jobs (calendar) WHERE calendar IS NOT NULL;

-- Calendar changes are audited (target_type 'calendar'). The allowed list is extended
-- as it stands, not rewritten: another migration may have added its own types.
DO $$
DECLARE
    allowed text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO allowed
    FROM pg_constraint
    WHERE conname = 'audit_log_target_type_check' AND conrelid = 'audit_log'::regclass;
    IF allowed IS NOT NULL AND position('''calendar''' IN allowed) = 0 THEN
        ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
        EXECUTE 'ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check '
            || replace(allowed, 'ARRAY[', 'ARRAY[''calendar''::text, ');
    END IF;
END $$;

-- A job with windows or blackouts defers a manual trigger's runs to the next opening
-- (jobsched/trigger.py decides it from the job): its triggers take the path that reads
-- the job, not the one statement that copies it unread (0020, before this one).
CREATE OR REPLACE FUNCTION job_takes_unread_trigger(j jobs) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT j.windows IS NULL AND j.blackouts IS NULL $$;
