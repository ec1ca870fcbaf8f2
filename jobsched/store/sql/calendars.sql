-- Named queries of jobsched/store/calendars.py (business calendars, issue 25).

-- name: insert_calendar
INSERT INTO calendars (name, version, timezone, weekdays, holiday_country,
                       holiday_subdivision, dates, ics, windows, blackouts, created_at,
                       updated_at)
VALUES (%(name)s, 1, %(timezone)s, %(weekdays)s, %(holiday_country)s,
        %(holiday_subdivision)s, %(dates)s, %(ics)s, %(windows)s, %(blackouts)s, %(now)s,
        %(now)s)
ON CONFLICT (name) DO NOTHING
RETURNING *;

-- name: get_calendar
SELECT * FROM calendars WHERE name = %(name)s;

-- name: get_calendar_for_update
SELECT * FROM calendars WHERE name = %(name)s FOR UPDATE;

-- name: calendars_named
SELECT * FROM calendars WHERE name = ANY(%(names)s);

-- name: count_calendars
SELECT count(*) AS n FROM calendars;

-- name: list_calendar_sizes
-- A page of calendar names, keyset-paged on the name (the primary key), each with its
-- ICS text's size in bytes: octet_length reads it from the TOAST header, nothing is
-- decompressed (Calendars.list then reads whole only the rows a page can hold).
SELECT name, COALESCE(octet_length(ics), 0) AS ics_bytes FROM calendars
WHERE %(after_name)s::text IS NULL OR name > %(after_name)s
ORDER BY name
LIMIT %(limit)s;

-- name: calendars_in_order
SELECT * FROM calendars WHERE name = ANY(%(names)s) ORDER BY name;

-- name: update_calendar
-- Every change is a new version.
UPDATE calendars
SET version = version + 1, timezone = %(timezone)s, weekdays = %(weekdays)s,
    holiday_country = %(holiday_country)s, holiday_subdivision = %(holiday_subdivision)s,
    dates = %(dates)s, ics = %(ics)s, windows = %(windows)s, blackouts = %(blackouts)s,
    updated_at = %(now)s
WHERE name = %(name)s
RETURNING *;

-- name: delete_calendar
DELETE FROM calendars WHERE name = %(name)s RETURNING name;

-- name: jobs_using_calendar
-- The jobs a calendar change re-plans (reads jobs_calendar_idx), locked: the tick
-- (SKIP LOCKED) leaves them until the change commits.
SELECT * FROM jobs WHERE calendar = %(name)s ORDER BY id FOR UPDATE;

-- name: replan_job
UPDATE jobs SET next_run_time = %(next_run_time)s, schedule_error = %(schedule_error)s,
                updated_at = %(now)s
WHERE id = %(id)s;

-- name: count_jobs_using_calendar
SELECT count(*) AS n FROM jobs WHERE calendar = %(name)s;
