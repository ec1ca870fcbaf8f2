-- Keyed flow control (jobsched/domain/flow.py): a job's controls, a handler's defaults,
-- and what a run resolved of them.
--
-- A job's controls are stored as the API takes them (NULL: none): concurrency
-- {key, limit}, rate {key, limit, period_ms, mode}, debounce {key, delay_ms,
-- max_delay_ms?}, singleton {key, mode}; a key is text or {"$ref": "payload.<path>"}.
-- A handler's defaults (@handler(concurrency=...)) are published in the catalog, as
-- one JSON object keyed by control.
-- A run keeps what its concurrency control resolved to when it was written (its key,
-- the limit), as it keeps max_concurrency: the queue holds it to them, and rebuilds
-- them from here when Redis loses its data.

ALTER TABLE jobs
    ADD COLUMN concurrency jsonb,
    ADD COLUMN rate jsonb,
    ADD COLUMN debounce jsonb,
    ADD COLUMN singleton jsonb;

ALTER TABLE handler_catalog
    ADD COLUMN flow jsonb;

ALTER TABLE executions
    ADD COLUMN concurrency_key text,
    ADD COLUMN concurrency_limit integer
        CHECK (concurrency_limit IS NULL OR concurrency_limit > 0),
    ADD COLUMN rate_key text,
    ADD COLUMN rate_limit integer CHECK (rate_limit IS NULL OR rate_limit > 0),
    ADD COLUMN rate_period_ms integer;

-- A triggered run under a singleton or a debounce keeps its key (scoped to its job): a
-- trigger finds the job's unfinished run of the key (singleton) or the run a burst
-- collapses into (debounce, started at the latest at debounce_until).
ALTER TABLE executions
    ADD COLUMN singleton_key text,
    ADD COLUMN debounce_key text,
    ADD COLUMN debounce_until timestamptz;

CREATE INDEX executions_singleton_idx ON executions (job_id, singleton_key)
    WHERE singleton_key IS NOT NULL AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
CREATE INDEX executions_debounce_idx ON executions (job_id, debounce_key)
    WHERE debounce_key IS NOT NULL AND status = 'QUEUED';

-- A job under flow control (its own, or its handler's defaults in the catalog) resolves
-- each run's keys from its payload in the trigger that reads it (jobsched/trigger.py,
-- jobsched/domain/flow.py): its triggers never take the one statement that copies the
-- job unread (0020). The windows' rule (0021) still holds.
CREATE OR REPLACE FUNCTION job_takes_unread_trigger(j jobs) RETURNS boolean
-- plpgsql, not sql: a SQL function holding a sub-select is never inlined, and is planned
-- again at every call (~0.2 ms a trigger, measured); plpgsql keeps its plan per session.
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN j.windows IS NULL AND j.blackouts IS NULL
       AND j.concurrency IS NULL AND j.rate IS NULL AND j.debounce IS NULL
       AND j.singleton IS NULL
       AND NOT EXISTS (SELECT 1 FROM handler_catalog h
                       WHERE h.name = j.handler AND h.flow IS NOT NULL);
END
$$;
