-- A short run is written once: from QUEUED (or PENDING / RETRYING, claimed before the
-- tick marked it) straight to its final status, never RUNNING (jobsched/worker.py,
-- RECORD_RUNNING_AFTER_MS). The run duration histogram (0010) counted only runs that
-- left RUNNING; it now counts every run that ends SUCCEEDED or FAILED after starting.

DROP TRIGGER executions_duration_counted ON executions;

CREATE TRIGGER executions_duration_counted AFTER UPDATE OF status ON executions
    FOR EACH ROW WHEN (OLD.status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')
                       AND NEW.status IN ('SUCCEEDED', 'FAILED')
                       AND NEW.started_at IS NOT NULL AND NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION executions_duration_counted();
