DROP TABLE audit_chains;
ALTER TABLE audit_log DROP COLUMN entry_hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
ALTER TABLE audit_log DROP COLUMN chain_seq;
ALTER TABLE audit_log DROP COLUMN chain_id;
