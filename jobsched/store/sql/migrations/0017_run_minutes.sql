-- Per-minute rollups of finished runs, so /metrics and /metrics/executions read a few
-- rows per minute of their window, never the runs themselves (their cost used to grow
-- with the runs of the last hour, or of 7 days: a dashboard poll could keep PostgreSQL
-- busy for seconds at full throughput).
--
-- The same runs 0010/0013's duration histogram counts (ended SUCCEEDED or FAILED after
-- starting), by the minute they finished in (UTC, whole minutes since the epoch), final
-- status and histogram bucket: count and summed seconds. Kept like the histogram: the
-- statement trigger appends deltas (insert-only: concurrent finishes never wait on one
-- hot row), the tick folds them into run_minutes (and drops minutes older than the
-- longest window /metrics/executions serves), a reader adds the unfolded deltas.

CREATE TABLE run_minute_deltas (
    minute timestamptz NOT NULL,
    status text NOT NULL,
    le     double precision NOT NULL,
    n      bigint NOT NULL,
    sum_s  double precision NOT NULL
);

-- SLA alerts (late_start, overran) by the minute they were raised and kind, kept the
-- same way: /metrics counts those of the last hour, which used to read every alerted
-- run of the hour (all of them when an overloaded system starts every run late).
CREATE TABLE alert_minute_deltas (
    minute timestamptz NOT NULL,
    kind   text NOT NULL,
    n      bigint NOT NULL
);

CREATE TABLE alert_minutes (
    minute timestamptz NOT NULL,
    kind   text NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (minute, kind)
);

CREATE TABLE run_minutes (
    minute timestamptz NOT NULL,
    status text NOT NULL,
    le     double precision NOT NULL,
    n      bigint NOT NULL,
    sum_s  double precision NOT NULL,
    PRIMARY KEY (minute, status, le)
);

-- 0013's statement trigger function (every partition's trigger calls it), now writing
-- each statement's finished runs to both the all-time histogram and the minutes, and
-- the alerts its rows gained (record_executions only ever appends to alerts) to theirs.
CREATE OR REPLACE FUNCTION executions_durations_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH raised AS (
        INSERT INTO alert_minute_deltas (minute, kind, n)
        SELECT to_timestamp(floor(extract(epoch FROM (a.value->>'at')::timestamptz) / 60) * 60),
               a.value->>'kind', count(*)
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.scheduled_for = n.scheduled_for
        CROSS JOIN LATERAL jsonb_array_elements(n.alerts) WITH ORDINALITY a (value, i)
        WHERE n.alerts <> '[]'::jsonb AND a.i > jsonb_array_length(o.alerts)
        GROUP BY 1, 2
    ), r AS (
        SELECT n.status,
               to_timestamp(floor(extract(epoch FROM n.finished_at) / 60) * 60) AS minute,
               greatest(extract(epoch FROM n.finished_at - n.started_at), 0)::double precision
                   AS seconds
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.scheduled_for = n.scheduled_for
        WHERE o.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
          AND n.status IN ('SUCCEEDED', 'FAILED')
          AND n.started_at IS NOT NULL AND n.finished_at IS NOT NULL
    ), b AS (
        SELECT r.status, r.minute, r.seconds,
               (SELECT min(le) FROM run_duration_bounds WHERE le >= r.seconds) AS le
        FROM r
    ), totals AS (
        INSERT INTO run_duration_deltas (status, le, n, sum_s)
        SELECT status, le, count(*), sum(seconds) FROM b GROUP BY 1, 2
    )
    INSERT INTO run_minute_deltas (minute, status, le, n, sum_s)
    SELECT minute, status, le, count(*), sum(seconds) FROM b GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

-- Emptying executions starts the minutes again too.
CREATE OR REPLACE FUNCTION executions_durations_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM run_duration_deltas;
    DELETE FROM run_duration_counts;
    DELETE FROM run_minute_deltas;
    DELETE FROM run_minutes;
    DELETE FROM alert_minute_deltas;
    DELETE FROM alert_minutes;
    RETURN NULL;
END $$;

-- The last 8 days of history, so the figures are right from the start.
INSERT INTO run_minutes (minute, status, le, n, sum_s)
SELECT minute, status, le, count(*), sum(seconds)
FROM (
    SELECT e.status,
           to_timestamp(floor(extract(epoch FROM e.finished_at) / 60) * 60) AS minute,
           greatest(extract(epoch FROM e.finished_at - e.started_at), 0)::double precision
               AS seconds
    FROM executions e
    WHERE e.status IN ('SUCCEEDED', 'FAILED') AND e.started_at IS NOT NULL
      AND e.finished_at >= now() - interval '8 days'
) r
CROSS JOIN LATERAL (SELECT min(le) AS le FROM run_duration_bounds WHERE le >= r.seconds) b
GROUP BY 1, 2, 3;

INSERT INTO alert_minutes (minute, kind, n)
SELECT to_timestamp(floor(extract(epoch FROM (a->>'at')::timestamptz) / 60) * 60), a->>'kind',
       count(*)
FROM executions e, jsonb_array_elements(e.alerts) a
WHERE e.alerts <> '[]'::jsonb
  AND (e.finished_at IS NULL OR e.finished_at >= now() - interval '2 hours')
  AND (a->>'at')::timestamptz >= now() - interval '2 hours'
GROUP BY 1, 2;
