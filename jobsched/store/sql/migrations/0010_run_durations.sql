-- The run duration histogram of /metrics (Prometheus): how long attempts that ended a
-- run took (RUNNING -> SUCCEEDED or FAILED, finished_at - started_at, the same duration
-- the percentiles use), counted into fixed buckets as the runs finish, so a scrape
-- reads a few dozen rows and never history. Kept like 0008's counters: a row trigger
-- appends a delta (insert-only: concurrent finishes never wait on one hot row), the
-- tick folds the deltas into run_duration_counts, a reader adds the unfolded ones.
-- The counts only grow: retention deleting old runs does not lower them, as a
-- Prometheus counter must not.

-- The buckets' upper bounds in seconds ('Infinity' is +Inf), written once here.
CREATE TABLE run_duration_bounds (le double precision PRIMARY KEY);
INSERT INTO run_duration_bounds (le) VALUES
    (0.005), (0.01), (0.025), (0.05), (0.1), (0.25), (0.5), (1), (2.5), (5), (10), (30),
    (60), (120), (300), (900), (3600), ('Infinity');

CREATE TABLE run_duration_deltas (
    status text NOT NULL,
    le     double precision NOT NULL,
    n      bigint NOT NULL,
    sum_s  double precision NOT NULL
);

CREATE TABLE run_duration_counts (
    status text NOT NULL,
    le     double precision NOT NULL,
    n      bigint NOT NULL,
    sum_s  double precision NOT NULL,
    PRIMARY KEY (status, le)
);

CREATE FUNCTION executions_duration_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seconds double precision := greatest(extract(epoch FROM NEW.finished_at - NEW.started_at), 0);
BEGIN
    INSERT INTO run_duration_deltas (status, le, n, sum_s)
    SELECT NEW.status, min(le), 1, seconds FROM run_duration_bounds WHERE le >= seconds;
    RETURN NULL;
END $$;

CREATE TRIGGER executions_duration_counted AFTER UPDATE OF status ON executions
    FOR EACH ROW WHEN (OLD.status = 'RUNNING' AND NEW.status IN ('SUCCEEDED', 'FAILED')
                       AND NEW.started_at IS NOT NULL AND NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION executions_duration_counted();

-- Emptying executions starts the histogram again, as it does 0008's counters
-- (Prometheus takes a counter that drops to zero as a restart).
CREATE FUNCTION executions_durations_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM run_duration_deltas;
    DELETE FROM run_duration_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER executions_durations_truncate AFTER TRUNCATE ON executions
    FOR EACH STATEMENT EXECUTE FUNCTION executions_durations_truncated();
