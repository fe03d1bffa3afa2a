ALTER TABLE audit_chains DROP COLUMN prev_hash;
