-- A job whose stored schedule can no longer be computed (a time zone gone after an
-- upgrade, an expression croniter now refuses) is flagged here by the tick instead of
-- failing every pass for every job; cleared as soon as the schedule computes again.

ALTER TABLE jobs ADD COLUMN schedule_error text;

CREATE INDEX jobs_schedule_error_idx ON jobs (id) WHERE schedule_error IS NOT NULL;
