-- A cost that stays flat as history grows.
--
-- 1. executions is partitioned by day of scheduled_for (UTC), so retention drops a whole
--    day instead of deleting its rows one by one. scheduled_for is the partition key
--    because the occurrence index (job_id, scheduled_for) must contain it to stay
--    UNIQUE: the database keeps enforcing one run per cron occurrence. The primary key
--    becomes (id, scheduled_for); ids stay random UUIDs, unique as before. Days are
--    created ahead of time (ensure_execution_partitions, called by the tick); a row
--    whose day has no partition lands in executions_default and is deleted row by row.
-- 2. Counters kept as executions change state, so list totals and /metrics never count
--    history: triggers append deltas to execution_count_deltas (insert-only, so
--    concurrent writers never wait on one hot row); the tick folds them into
--    execution_counts (per job, handler and status) and execution_status_counts.
--    A reader adds the deltas not yet folded: totals are exact. The audit log's size
--    is counted the same way (audit_log_count).
-- 3. Keyset pagination: every list index ends in id, in the list's order.

-- dead_letter keeps its entries until an operator handles them, even after the day of
-- its execution is dropped; the execution is then moved to the default partition
-- (drop_execution_partitions). A foreign key cannot point at a partitioned table's
-- id alone, and both rows already go with their job (dead_letter.job_id cascades).
ALTER TABLE dead_letter DROP CONSTRAINT dead_letter_execution_id_fkey;
DROP INDEX dead_letter_created_idx;
CREATE INDEX dead_letter_created_idx ON dead_letter (created_at DESC, id DESC);

ALTER TABLE executions RENAME TO executions_unpartitioned;
ALTER INDEX executions_pkey RENAME TO executions_unpartitioned_pkey;
DROP INDEX executions_occurrence_idx, executions_job_idx, executions_created_idx,
    executions_unfinished_idx, executions_finished_idx, executions_job_unfinished_idx;

CREATE TABLE executions (
    id                   uuid NOT NULL,
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
    updated_at           timestamptz NOT NULL,
    pool                 text NOT NULL DEFAULT 'default',
    max_concurrency      integer,
    PRIMARY KEY (id, scheduled_for)
) PARTITION BY RANGE (scheduled_for);

CREATE TABLE executions_default PARTITION OF executions DEFAULT;

-- One execution per (job, cron occurrence): two ticks that both think they lead
-- cannot double-run an occurrence.
CREATE UNIQUE INDEX executions_occurrence_idx ON executions (job_id, scheduled_for)
    WHERE source = 'schedule';
-- Newest first, keyset-paged: (created_at, id) is the cursor of every executions list.
CREATE INDEX executions_created_idx ON executions (created_at DESC, id DESC);
CREATE INDEX executions_job_idx ON executions (job_id, created_at DESC, id DESC);
CREATE INDEX executions_status_idx ON executions (status, created_at DESC, id DESC);
CREATE INDEX executions_unfinished_idx ON executions (status, created_at)
    WHERE status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
CREATE INDEX executions_job_unfinished_idx ON executions (job_id)
    WHERE status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING');
CREATE INDEX executions_finished_idx ON executions (finished_at)
    WHERE finished_at IS NOT NULL;

-- ----------------------------------------------------------------- partitions

-- Creates the daily partitions of p_days days from p_from's day (UTC) that are missing;
-- returns how many it created. A day whose rows already sit in the default partition
-- (it had no partition when they were written) is left there: creating it would fail.
CREATE FUNCTION ensure_execution_partitions(p_from timestamptz, p_days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first_day date := (p_from AT TIME ZONE 'UTC')::date;
    day date;
    part text;
    created integer := 0;
BEGIN
    FOR i IN 0 .. p_days - 1 LOOP
        day := first_day + i;
        part := 'executions_p' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        -- Built apart, then attached: ATTACH locks the parent only against other
        -- schema changes (CREATE ... PARTITION OF would lock every query out).
        BEGIN
            EXECUTE format('CREATE TABLE %I (LIKE executions INCLUDING DEFAULTS'
                           ' INCLUDING CONSTRAINTS)', part);
            EXECUTE format(
                'ALTER TABLE executions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        EXCEPTION WHEN check_violation THEN
            NULL;  -- the default partition holds rows of that day: they stay there
        END;
    END LOOP;
    RETURN created;
END $$;

-- Retention by partition: every daily partition that ends at or before p_cutoff is
-- detached and dropped. The rows to keep are moved to the default partition first:
-- those with a dead-letter entry, those unfinished, finished at or after p_cutoff, or
-- not in p_statuses. Returns how many executions were dropped.
CREATE FUNCTION drop_execution_partitions(p_cutoff timestamptz, p_statuses text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    part text;
    rows_in bigint;
    kept bigint;
    dropped bigint := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'executions'::regclass
          AND c.relname ~ '^executions_p[0-9]{8}$'
          AND (to_date(substr(c.relname, 13), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC'
              <= p_cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('ALTER TABLE executions DETACH PARTITION %I', part);
        -- Detached rows leave no trace in the counters by themselves: subtract them,
        -- and the kept ones count again as they are inserted below.
        EXECUTE format(
            'INSERT INTO execution_count_deltas (job_id, handler, status, delta)'
            ' SELECT job_id, handler, status, -count(*) FROM %I GROUP BY 1, 2, 3', part);
        EXECUTE format(
            'INSERT INTO executions SELECT * FROM %I e WHERE NOT COALESCE('
            ' e.finished_at < $1 AND e.status = ANY($2)'
            ' AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.execution_id = e.id),'
            ' false)', part) USING p_cutoff, p_statuses;
        GET DIAGNOSTICS kept = ROW_COUNT;
        EXECUTE format('SELECT count(*) FROM %I', part) INTO rows_in;
        dropped := dropped + rows_in - kept;
        EXECUTE format('DROP TABLE %I', part);
    END LOOP;
    RETURN dropped;
END $$;

-- ------------------------------------------------------------------- counters

CREATE TABLE execution_count_deltas (
    job_id  uuid NOT NULL,
    handler text NOT NULL,
    status  text NOT NULL,
    delta   bigint NOT NULL
);

CREATE TABLE execution_counts (
    job_id  uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    status  text NOT NULL,
    handler text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (job_id, status, handler)
);

CREATE TABLE execution_status_counts (
    status text PRIMARY KEY,
    n      bigint NOT NULL
);

CREATE FUNCTION executions_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO execution_count_deltas (job_id, handler, status, delta)
    SELECT job_id, handler, status, count(*) FROM new_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE FUNCTION executions_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO execution_count_deltas (job_id, handler, status, delta)
    SELECT job_id, handler, status, -count(*) FROM old_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE FUNCTION executions_count_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO execution_count_deltas (job_id, handler, status, delta)
    VALUES (OLD.job_id, OLD.handler, OLD.status, -1), (NEW.job_id, NEW.handler, NEW.status, 1);
    RETURN NULL;
END $$;

CREATE FUNCTION executions_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM execution_count_deltas;
    DELETE FROM execution_counts;
    DELETE FROM execution_status_counts;
    RETURN NULL;
END $$;

-- Inserts and deletes (a job's cascade included) count once per statement. An UPDATE
-- that moves a row to another partition (scheduled_for changed: nothing in the
-- scheduler does) fires no row trigger, so it must not change the status too.
CREATE TRIGGER executions_count_insert AFTER INSERT ON executions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION executions_count_inserted();
CREATE TRIGGER executions_count_delete AFTER DELETE ON executions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION executions_count_deleted();
CREATE TRIGGER executions_count_update AFTER UPDATE OF status ON executions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION executions_count_status_changed();
CREATE TRIGGER executions_count_truncate AFTER TRUNCATE ON executions
    FOR EACH STATEMENT EXECUTE FUNCTION executions_count_truncated();

-- The audit log's size, kept the same way: one row per inserting statement, folded by
-- the tick into one row. Entries are never updated or deleted.
CREATE TABLE audit_log_count (delta bigint NOT NULL);

CREATE FUNCTION audit_log_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log_count (delta) SELECT count(*) FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION audit_log_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM audit_log_count;
    RETURN NULL;
END $$;

CREATE TRIGGER audit_log_count_insert AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_counted();
CREATE TRIGGER audit_log_count_truncate AFTER TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_count_truncated();

INSERT INTO audit_log_count (delta) SELECT count(*) FROM audit_log;

-- ------------------------------------------------------------ existing history

-- Days from the oldest row (at most 60 days back) to a week ahead get partitions;
-- older rows go to the default partition. Copying counts them through the trigger.
SELECT ensure_execution_partitions(
    GREATEST(COALESCE(min(scheduled_for), now()), now() - interval '60 days'),
    (now()::date - GREATEST(COALESCE(min(scheduled_for), now()),
                            now() - interval '60 days')::date) + 8)
FROM executions_unpartitioned;

INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler, payload,
                        max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
                        attempt, attempt_base, worker_id, lease_token, queued_at, started_at,
                        finished_at, next_attempt_at, result, error, attempts, created_at,
                        updated_at, pool, max_concurrency)
SELECT id, job_id, source, status, scheduled_for, priority, handler, payload,
       max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,
       attempt, attempt_base, worker_id, lease_token, queued_at, started_at,
       finished_at, next_attempt_at, result, error, attempts, created_at, updated_at,
       pool, max_concurrency
FROM executions_unpartitioned;

DROP TABLE executions_unpartitioned;
