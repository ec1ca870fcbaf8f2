-- Worker pools, per-job concurrency caps and the handler catalog.
--
-- A job runs on a pool (its handler's unless it names one); each execution keeps a
-- copy, as it keeps the handler and payload, so a run already queued stays where it
-- was pushed when its job moves. max_concurrency caps a job's runs in flight at once
-- (NULL: no cap).

ALTER TABLE jobs
    ADD COLUMN pool text NOT NULL DEFAULT 'default',
    ADD COLUMN max_concurrency integer CHECK (max_concurrency IS NULL OR max_concurrency > 0);

ALTER TABLE executions
    ADD COLUMN pool text NOT NULL DEFAULT 'default',
    ADD COLUMN max_concurrency integer;

-- The catalog: what workers published of the handlers they loaded, so the API can
-- validate payloads without importing the user's code. Rows outlive their workers
-- (a job may be created before a worker serving it starts); who serves a handler
-- now is read from the workers' live registrations in Redis.
CREATE TABLE handler_catalog (
    name        text PRIMARY KEY,
    description text NOT NULL DEFAULT '',
    schema      jsonb,
    pool        text NOT NULL DEFAULT 'default',
    isolation   text NOT NULL DEFAULT 'thread' CHECK (isolation IN ('thread', 'process')),
    updated_at  timestamptz NOT NULL
);
