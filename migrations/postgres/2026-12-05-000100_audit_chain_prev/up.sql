-- Each chain head also keeps the hash of the entry before its last, so that one
-- `UPDATE audit_chains SET prev_hash = head_hash, head_hash = <next>, seq = seq + 1 RETURNING`
-- advances a head and yields the new entry's whole link without reading the head first.
ALTER TABLE audit_chains ADD COLUMN prev_hash TEXT NOT NULL DEFAULT repeat('0', 64);
UPDATE audit_chains AS c SET prev_hash = l.prev_hash
FROM audit_log AS l
WHERE l.chain_id = c.chain_id AND l.chain_seq = c.seq AND c.seq > 0;
ALTER TABLE audit_chains ALTER COLUMN prev_hash DROP DEFAULT;
