-- Issue 25, the two rules 0021 left out: a job may cancel its run still running when
-- its window closes (on_window_close), and a calendar may carry open windows and
-- blackouts that apply to every job using it (a job's own, when set, take precedence).

ALTER TABLE jobs
    ADD COLUMN on_window_close text NOT NULL DEFAULT 'leave'
        CHECK (on_window_close IN ('leave', 'cancel'));

ALTER TABLE calendars
    ADD COLUMN windows jsonb,
    ADD COLUMN blackouts jsonb;

-- The tick looks for running runs of these jobs every pass: few jobs say "cancel".
CREATE INDEX jobs_on_window_close_idx ON jobs (id) WHERE on_window_close = 'cancel';

-- A job whose calendar has windows or blackouts defers a manual trigger's runs too
-- (jobsched/trigger.py reads the calendar): its triggers take the path that reads the
-- job. Every condition of 0022 is kept.
CREATE OR REPLACE FUNCTION job_takes_unread_trigger(j jobs) RETURNS boolean
-- plpgsql, not sql: a SQL function holding a sub-select is never inlined, and is planned
-- again at every call (~0.2 ms a trigger, measured); plpgsql keeps its plan per session.
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN j.windows IS NULL AND j.blackouts IS NULL
       AND j.concurrency IS NULL AND j.rate IS NULL AND j.debounce IS NULL
       AND j.singleton IS NULL
       AND NOT EXISTS (SELECT 1 FROM handler_catalog h
                       WHERE h.name = j.handler AND h.flow IS NOT NULL)
       AND (j.calendar IS NULL
            OR NOT EXISTS (SELECT 1 FROM calendars c
                           WHERE c.name = j.calendar
                             AND (c.windows IS NOT NULL OR c.blackouts IS NOT NULL)));
END
$$;
