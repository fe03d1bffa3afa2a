-- Each chain head also keeps the hash of the entry before its last (PostgreSQL advances a head
-- with one UPDATE ... RETURNING that needs it; the column is here too so both backends share
-- one schema).
ALTER TABLE audit_chains ADD COLUMN prev_hash TEXT NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
UPDATE audit_chains SET prev_hash = COALESCE(
    (SELECT l.prev_hash FROM audit_log AS l
     WHERE l.chain_id = audit_chains.chain_id AND l.chain_seq = audit_chains.seq),
    prev_hash)
WHERE seq > 0;
