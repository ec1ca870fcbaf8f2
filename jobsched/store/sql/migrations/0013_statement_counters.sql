-- Less server CPU per run on the worker's write path (record_executions): counters kept per
-- statement, not per row, and for statements aimed at one partition as well as at the
-- parent; the batch's rows looked up by key whatever a partition's size.
--
-- 1. 0008's status counter and 0010/0012's run duration histogram were row triggers on
--    UPDATE: every row written ran plpgsql and one INSERT of its own (~20 us of server
--    CPU per row on the worker's write path). They become statement triggers with
--    transition tables: one aggregated INSERT per statement. A statement trigger with
--    transition tables cannot have a column list (UPDATE OF status), so they fire for
--    every UPDATE; an UPDATE that changes no status nets to zero and inserts nothing.
-- 2. The worker writes its runs straight into each row's partition (Store._write,
--    jobsched/store/postgres.py): a statement on the parent opens and locks every
--    partition and its indexes, a cost that grows with retention. Statement triggers
--    of the parent do not fire for a statement aimed at a partition (and those of a
--    partition do not fire for one aimed at the parent), so every partition carries
--    the same counting triggers as the parent, for INSERT, UPDATE and DELETE: whichever
--    table a statement names, its rows are counted exactly once.
--    ensure_execution_partitions gives new partitions their triggers.
-- 3. jsonb_batch: record_executions joins its batch to executions by key; read through
--    jsonb_to_recordset, the batch is 100 rows to the planner, which then prefers
--    reading a whole partition of up to ~20,000 rows and hashing it (milliseconds per
--    statement; the parent's never-analyzed empty partitions tip it further) to ~100
--    index lookups (microseconds each).

DROP TRIGGER executions_count_update ON executions;
DROP TRIGGER executions_duration_counted ON executions;
DROP FUNCTION executions_count_status_changed();
DROP FUNCTION executions_duration_counted();

-- Each row leaves its old status (-1) and enters its new one (+1); a row whose status
-- did not change nets to zero and is not written.
CREATE FUNCTION executions_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO execution_count_deltas (job_id, handler, status, delta)
    SELECT job_id, handler, status, sum(d)
    FROM (SELECT job_id, handler, status, -1 AS d FROM old_rows
          UNION ALL
          SELECT job_id, handler, status, 1 FROM new_rows) c
    GROUP BY 1, 2, 3
    HAVING sum(d) <> 0;
    RETURN NULL;
END $$;

-- The runs that ended SUCCEEDED or FAILED after starting (0012: written once from
-- PENDING/QUEUED/RETRYING, or leaving RUNNING), counted into their bucket. A row keeps
-- its id and scheduled_for (the primary key) through an UPDATE: old and new pair on it.
CREATE FUNCTION executions_durations_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO run_duration_deltas (status, le, n, sum_s)
    SELECT r.status, b.le, count(*), sum(r.seconds)
    FROM (
        SELECT n.status,
               greatest(extract(epoch FROM n.finished_at - n.started_at), 0)::double precision
                   AS seconds
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.scheduled_for = n.scheduled_for
        WHERE o.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
          AND n.status IN ('SUCCEEDED', 'FAILED')
          AND n.started_at IS NOT NULL AND n.finished_at IS NOT NULL
    ) r
    CROSS JOIN LATERAL (
        SELECT min(le) AS le FROM run_duration_bounds WHERE le >= r.seconds
    ) b
    GROUP BY 1, 2;
    RETURN NULL;
END $$;

-- The counting triggers of a table that holds executions: the parent or one partition.
CREATE FUNCTION count_executions_of(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_table <> 'executions'::regclass THEN
        -- The parent has had these since 0008.
        EXECUTE format('CREATE TRIGGER executions_count_insert AFTER INSERT ON %s'
                       ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION executions_count_inserted()', p_table);
        EXECUTE format('CREATE TRIGGER executions_count_delete AFTER DELETE ON %s'
                       ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION executions_count_deleted()', p_table);
    END IF;
    EXECUTE format('CREATE TRIGGER executions_count_update AFTER UPDATE ON %s'
                   ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION executions_count_updated()', p_table);
    EXECUTE format('CREATE TRIGGER executions_durations_update AFTER UPDATE ON %s'
                   ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION executions_durations_updated()',
                   p_table);
END $$;

-- Gives every partition without them its counting triggers; returns how many.
CREATE FUNCTION count_execution_partitions() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
    added integer := 0;
BEGIN
    FOR part IN
        SELECT i.inhrelid::regclass FROM pg_inherits i
        WHERE i.inhparent = 'executions'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                          WHERE t.tgrelid = i.inhrelid AND t.tgname = 'executions_count_update')
    LOOP
        PERFORM count_executions_of(part);
        added := added + 1;
    END LOOP;
    RETURN added;
END $$;

SELECT count_executions_of('executions');
SELECT count_execution_partitions();

-- 0008's function, which creates and attaches the missing days, now also gives them
-- their counting triggers, in the same transaction: no statement sees a partition
-- without them.
ALTER FUNCTION ensure_execution_partitions(timestamptz, integer)
    RENAME TO attach_execution_partitions;

CREATE FUNCTION ensure_execution_partitions(p_from timestamptz, p_days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    created integer := attach_execution_partitions(p_from, p_days);
BEGIN
    PERFORM count_execution_partitions();
    RETURN created;
END $$;

-- The elements of a JSON array: a batch a statement joins to a table by its key, which
-- the planner is told is small (ROWS 1), so it looks each element's row up by the key
-- whatever the table's size. STRICT keeps the function from being inlined (the planner
-- would see jsonb_array_elements and its estimate of 100 rows again).
CREATE FUNCTION jsonb_batch(p_rows jsonb) RETURNS SETOF jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 1
AS $$ SELECT jsonb_array_elements(p_rows) $$;
