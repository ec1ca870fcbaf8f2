-- Rights and retention (issue 20).
--
-- 1. A handler declares which top-level payload fields a trigger by an `operate` key
--    may override for one run (jobsched.registry.Handler.overridable); workers publish
--    it with the rest of the catalog. Entries published before this column: none.
ALTER TABLE handler_catalog ADD COLUMN overridable text[] NOT NULL DEFAULT '{}';

-- 2. The audit log is trimmed by the cleanup pass (AUDIT_RETENTION_DAYS): deleting
--    entries keeps its counter (0008) exact, one row per deleting statement.
CREATE FUNCTION audit_log_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log_count (delta) SELECT -count(*) FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE TRIGGER audit_log_count_delete AFTER DELETE ON audit_log
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_uncounted();

-- 3. Revoking a key revokes the keys it created, and theirs: found by creator. Keys
--    in force that a key revoked before this release created (or their descendants)
--    are revoked now, at their revoked ancestor's time.
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by) WHERE revoked_at IS NULL;

WITH RECURSIVE orphaned AS (
    SELECT k.id, r.revoked_at
    FROM api_keys k JOIN api_keys r ON k.created_by = r.id::text
    WHERE k.revoked_at IS NULL AND r.revoked_at IS NOT NULL
    UNION
    SELECT k.id, o.revoked_at
    FROM api_keys k JOIN orphaned o ON k.created_by = o.id::text
    WHERE k.revoked_at IS NULL
)
UPDATE api_keys k SET revoked_at = o.revoked_at FROM orphaned o WHERE k.id = o.id;
