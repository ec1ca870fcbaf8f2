-- API keys created at run time (POST /api/v1/keys). Keys from API_KEYS are not
-- stored: they live in the environment. Only the SHA-256 of a key is kept; the key
-- itself is shown once, in the answer that creates it.

CREATE TABLE api_keys (
    id                    uuid PRIMARY KEY,
    name                  text NOT NULL,
    scope                 text NOT NULL CHECK (scope IN ('read', 'operate', 'admin')),
    key_hash              text NOT NULL UNIQUE,
    rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),  -- NULL: unlimited
    created_at            timestamptz NOT NULL,
    created_by            text NOT NULL,  -- the key id of whoever created it
    last_used_at          timestamptz,    -- kept to the minute: not one write per request
    revoked_at            timestamptz     -- a revoked key stays, so audit entries still resolve
);

-- Listing the keys in force reads only these.
CREATE INDEX api_keys_active_idx ON api_keys (created_at, id) WHERE revoked_at IS NULL;

-- Creating and revoking keys is audited like every other change.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (
    'create', 'update', 'delete', 'pause', 'resume', 'trigger',
    'cancel', 'retry', 'redrive', 'dlq_delete', 'key_create', 'key_revoke'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check
    CHECK (target_type IN ('job', 'execution', 'dead_letter', 'key'));
