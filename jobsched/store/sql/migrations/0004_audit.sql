-- The audit log: one row per change made through the API, written in the same
-- transaction as the change. Rows are never updated and no foreign key ties them to
-- what they describe, so deleting a job (or system.cleanup) leaves its history here.
-- key_id is the caller's key id (never the key itself).

CREATE TABLE audit_log (
    -- Insertion order is the log's order: "newest first" and the page cursor use it.
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    key_id      text NOT NULL,
    action      text NOT NULL CHECK (action IN (
                    'create', 'update', 'delete', 'pause', 'resume', 'trigger',
                    'cancel', 'retry', 'redrive', 'dlq_delete')),
    target_type text NOT NULL CHECK (target_type IN ('job', 'execution', 'dead_letter')),
    target_id   text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- One index per filter of GET /audit, each ending in id so a filtered page is an
-- index range read in the list's order.
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, id);
CREATE INDEX audit_log_key_idx ON audit_log (key_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
