-- Retention that never blocks the hot path, a partition for every day written to, and
-- a bounded notifications outbox.
--
-- 1. 0008's drop_execution_partitions detached a day (ACCESS EXCLUSIVE on executions and
--    on executions_default) and then, still holding that lock, counted and copied the
--    day's rows: every claim, write, list and tick queued behind it for as long as a
--    scan of the whole day took (minutes for a day of a million runs). PostgreSQL 15
--    refuses DETACH ... CONCURRENTLY while a default partition exists, so retention
--    now does the row work first, without touching the parent (Store.
--    delete_executions_older_than):
--      a. delete_partition_rows: the day's deletable rows are deleted from the
--         partition itself, a range of heap blocks per statement (its own short
--         transaction); the guard is in the DELETE's own WHERE, so a row retried or
--         redriven meanwhile is judged again by its new version and kept;
--      b. VACUUM of the partition (from the store, outside any transaction), so the
--         primary key index lists only the rows left, the ones to keep;
--      c. detach_execution_partition: under a short lock_timeout (given up and
--         retried rather than queueing ahead of the workers), DETACH, move the few
--         kept rows to the default partition through that index, fix the counters,
--         and rename the table executions_detached_YYYYMMDD. Only this short
--         transaction holds the ACCESS EXCLUSIVE lock on executions; a day with more
--         rows to keep than p_max_kept stays attached until a later run;
--      d. unlink_detached_executions, again under the short lock_timeout: drops the
--         detached table's foreign key to jobs (a DROP TABLE of it would hold ACCESS
--         EXCLUSIVE on jobs until its commit);
--      e. drop_detached_executions, in a transaction of its own: dropping the day's
--         files takes a while at commit (hundreds of milliseconds for a day of a
--         million runs), and the unlinked table locks nothing the hot path uses. A
--         table left detached by a crash is dropped by the next run.
-- 2. A day that gets its partition while executions_default holds rows of it (a run
--    written far ahead, or a day whose partition could not be made in time) used to
--    keep them there, and the partition could never be attached (check_violation):
--    the whole day went to the default partition. Its rows are now moved into the
--    new partition as it is attached, in the same transaction.
-- 3. notifications: delivered (or given-up) entries are deleted by retention, through
--    an index on sent_at.

DROP FUNCTION drop_execution_partitions(timestamptz, text[]);

-- The daily partitions whose whole day ends at or before p_cutoff, oldest first.
CREATE FUNCTION old_execution_partitions(p_cutoff timestamptz)
RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'executions'::regclass
      AND c.relname ~ '^executions_p[0-9]{8}$'
      AND (to_date(substr(c.relname, 13), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC'
          <= p_cutoff
    ORDER BY c.relname
$$;

-- The heap blocks of a partition (the range delete_partition_rows walks).
CREATE FUNCTION partition_blocks(p_part text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT pg_relation_size(p_part::regclass) / current_setting('block_size')::bigint
$$;

-- Deletes the rows of one partition, in heap blocks [p_from, p_to), that finished
-- before p_cutoff in one of p_statuses and have no dead-letter entry; returns how many.
-- Aimed at the partition: no lock on executions. The partition's own statement
-- triggers (0013) count the deletions. The guard is in the DELETE's WHERE: a row
-- another transaction changed meanwhile (a retry, a redrive) is judged again by its
-- committed version, so a run retried in that instant is kept.
CREATE FUNCTION delete_partition_rows(p_part text, p_cutoff timestamptz, p_statuses text[],
                                      p_from bigint, p_to bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format(
        'DELETE FROM %I e WHERE e.ctid >= format(''(%%s,0)'', $3)::tid'
        ' AND e.ctid < format(''(%%s,0)'', $4)::tid'
        ' AND e.finished_at < $1 AND e.status = ANY($2)'
        ' AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.execution_id = e.id)', p_part)
        USING p_cutoff, p_statuses, p_from, p_to;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Detaches one day whose deletable rows are gone, moving what is left (runs to keep)
-- to the default partition, and renames it executions_detached_YYYYMMDD (dropped by
-- drop_detached_executions); returns how many it moved, or -1 (nothing done) when
-- more than p_max_kept are left. Run by the store in its own transaction under a
-- short lock_timeout, after a VACUUM of the partition: the rows left are read through
-- the primary key index (enable_seqscan off), not through the day's emptied heap.
CREATE FUNCTION detach_execution_partition(p_part text, p_max_kept integer)
RETURNS bigint LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    kept bigint;
BEGIN
    EXECUTE format('ALTER TABLE executions DETACH PARTITION %I', p_part);
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I LIMIT $1 + 1) k', p_part)
        INTO kept USING p_max_kept;
    IF kept > p_max_kept THEN
        RAISE EXCEPTION USING ERRCODE = 'JS001', MESSAGE = 'too many rows to keep';
    END IF;
    -- Detached rows leave the counters by themselves: subtract them; the parent's
    -- insert trigger counts them again as they are moved.
    -- ORDER BY the primary key: a read in index order is the only one the planner
    -- considers through the index (a plain read would scan the emptied heap whole).
    EXECUTE format(
        'INSERT INTO execution_count_deltas (job_id, handler, status, delta)'
        ' SELECT job_id, handler, status, -count(*)'
        ' FROM (SELECT job_id, handler, status FROM %I ORDER BY id, scheduled_for) k'
        ' GROUP BY 1, 2, 3', p_part);
    EXECUTE format('INSERT INTO executions SELECT * FROM %I ORDER BY id, scheduled_for',
                   p_part);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', p_part,
                   'executions_detached_' || substr(p_part, 13));
    RETURN kept;
EXCEPTION WHEN SQLSTATE 'JS001' THEN
    RETURN -1;  -- everything above is undone: the day stays attached
END $$;

-- Drops the foreign keys of the days detach_execution_partition detached: quick, but
-- it locks jobs (ACCESS EXCLUSIVE), so the store runs it under a short lock_timeout.
CREATE FUNCTION unlink_detached_executions() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    fk record;
    dropped integer := 0;
BEGIN
    FOR fk IN
        SELECT c.relname, k.conname FROM pg_class c JOIN pg_constraint k ON k.conrelid = c.oid
        WHERE c.relname ~ '^executions_detached_[0-9]{8}$' AND c.relkind = 'r'
          AND c.relnamespace = 'public'::regnamespace AND k.contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', fk.relname, fk.conname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;

-- Drops the detached days whose foreign keys are gone (a crash may have left some):
-- then it locks nothing but the table itself, however long removing its files takes.
CREATE FUNCTION drop_detached_executions() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part text;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_class c
        WHERE c.relname ~ '^executions_detached_[0-9]{8}$' AND c.relkind = 'r'
          AND c.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                          WHERE k.conrelid = c.oid AND k.contype = 'f')
    LOOP
        EXECUTE format('DROP TABLE %I', part);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;

-- 0008's attach_execution_partitions, moving the rows the default partition holds of a
-- day into the day's new partition instead of leaving the day without one. The rows
-- are moved into the new table before it is attached (so the attach's scan of the
-- default partition finds none of them), and counted back in once it is.
CREATE OR REPLACE FUNCTION attach_execution_partitions(p_from timestamptz, p_days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first_day date := (p_from AT TIME ZONE 'UTC')::date;
    day date;
    part text;
    lo timestamptz;
    hi timestamptz;
    moved bigint;
    created integer := 0;
BEGIN
    FOR i IN 0 .. p_days - 1 LOOP
        day := first_day + i;
        part := 'executions_p' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        lo := day::timestamp AT TIME ZONE 'UTC';
        hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
        -- Built apart, then attached: ATTACH locks the parent only against other
        -- schema changes (CREATE ... PARTITION OF would lock every query out).
        BEGIN
            EXECUTE format('CREATE TABLE %I (LIKE executions INCLUDING DEFAULTS'
                           ' INCLUDING CONSTRAINTS)', part);
            -- The default partition's delete trigger subtracts them from the counters.
            EXECUTE format(
                'WITH m AS (DELETE FROM executions_default'
                ' WHERE scheduled_for >= $1 AND scheduled_for < $2 RETURNING *)'
                ' INSERT INTO %I SELECT * FROM m', part) USING lo, hi;
            GET DIAGNOSTICS moved = ROW_COUNT;
            EXECUTE format(
                'ALTER TABLE executions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                part, lo, hi);
            IF moved > 0 THEN
                EXECUTE format(
                    'INSERT INTO execution_count_deltas (job_id, handler, status, delta)'
                    ' SELECT job_id, handler, status, count(*) FROM %I GROUP BY 1, 2, 3',
                    part);
            END IF;
            created := created + 1;
        EXCEPTION WHEN check_violation THEN
            -- A row of the day reached the default partition after the move (another
            -- transaction's, committed meanwhile): this day is undone, the next call
            -- moves it; the other days go on.
            NULL;
        END;
    END LOOP;
    RETURN created;
END $$;

-- Delivered notifications, deleted by retention.
CREATE INDEX notifications_sent_idx ON notifications (sent_at) WHERE sent_at IS NOT NULL;
